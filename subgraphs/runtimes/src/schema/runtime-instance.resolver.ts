import { Arg, Args, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { PageArgs, createConnectionType, readPageArgs, type ResolverRoot } from '@addon-platform/platform';
import { RuntimeInstance } from '../instances/runtime-instance.entity.js';
import { AddonReference } from './addon.reference.js';
import type { RuntimesContext } from './context.js';

export const RuntimeInstanceConnection = createConnectionType('RuntimeInstance', RuntimeInstance);

@Resolver(() => RuntimeInstance)
export class RuntimeInstanceResolver {
  @Query(() => RuntimeInstance, { nullable: true, description: "A runtime instance by id; NOT_FOUND when absent or another tenant's." })
  runtimeInstance(@Arg('id', () => ID) id: string, @Ctx() { viewer, instances }: RuntimesContext) {
    return instances.getInstance(viewer, id);
  }

  @Query(() => RuntimeInstanceConnection, { description: "The viewer's tenant's instances (operators: all), newest first." })
  runtimeInstances(@Args() page: PageArgs, @Ctx() { viewer, instances }: RuntimesContext) {
    return instances.listInstances(viewer, readPageArgs(page));
  }

  @FieldResolver(() => AddonReference)
  addon(@Root() instance: ResolverRoot<RuntimeInstance>): AddonReference {
    return { id: instance.addonId };
  }
}

@Resolver(() => AddonReference)
export class AddonRuntimesResolver {
  @FieldResolver(() => RuntimeInstanceConnection, { description: "The viewer's instances of this addon, newest first." })
  runtimes(@Root() addon: ResolverRoot<AddonReference>, @Args() page: PageArgs, @Ctx() { instancesOfAddon }: RuntimesContext) {
    return instancesOfAddon(addon.id, readPageArgs(page));
  }
}

export function resolveRuntimeInstanceReference(reference: { id: string }, { instanceLoader }: RuntimesContext) {
  return instanceLoader.load(reference.id);
}
