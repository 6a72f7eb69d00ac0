import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { PageArgs, createConnectionType, isOperator, readPageArgs, type ResolverRoot } from '@addon-platform/platform';
import { RuntimeInstance } from '../instances/runtime-instance.entity.js';
import { Environment } from '../environments/environment.entity.js';
import { RuntimeOperationRun } from '../instances/runtime-operation.entity.js';
import { AddonReference } from './addon.reference.js';
import { AddonVersionReference } from './addon-version.reference.js';
import { ConfigService, ConfigServiceStateEnum } from './config-service.type.js';
import type { RuntimesContext } from './context.js';
import { LaunchRuntimeInput, RuntimeInstanceFilterInput, UpgradeRuntimeInput } from './runtime-instance.input.js';

export const RuntimeInstanceConnection = createConnectionType('RuntimeInstance', RuntimeInstance);

@Resolver(() => RuntimeInstance)
export class RuntimeInstanceResolver {
  @Query(() => RuntimeInstance, { nullable: true, description: "A runtime instance by id; NOT_FOUND when absent or another tenant's." })
  runtimeInstance(@Arg('id', () => ID) id: string, @Ctx() { viewer, instances }: RuntimesContext) {
    return instances.getInstance(viewer, id);
  }

  @Query(() => RuntimeInstanceConnection, { description: "The viewer's tenant's instances (operators: all), newest first." })
  runtimeInstances(
    @Arg('filter', () => RuntimeInstanceFilterInput, { nullable: true }) filter: RuntimeInstanceFilterInput | null,
    @Args() page: PageArgs,
    @Ctx() { viewer, instances }: RuntimesContext,
  ) {
    return instances.listInstances(viewer, filter ?? {}, readPageArgs(page));
  }

  @Mutation(() => RuntimeInstance, { description: 'Launches an instance (tenants): answers at once with the instance PENDING; follow runtimeLaunchProgress.' })
  launchRuntime(@Arg('input') input: LaunchRuntimeInput, @Ctx() { viewer, launches }: RuntimesContext) {
    return launches.launch(viewer, input);
  }

  @Mutation(() => RuntimeInstance, { description: 'Rolls an instance to another version of its addon, merging the config (new values win).' })
  upgradeRuntime(@Arg('id', () => ID) id: string, @Arg('input') input: UpgradeRuntimeInput, @Ctx() { viewer, launches }: RuntimesContext) {
    return launches.upgrade(viewer, id, input);
  }

  @Mutation(() => RuntimeInstance, { description: 'Scales an instance to zero; cuts short an operation still under way.' })
  stopRuntime(@Arg('id', () => ID) id: string, @Ctx() { viewer, launches }: RuntimesContext) {
    return launches.stop(viewer, id);
  }

  @Mutation(() => RuntimeInstance, { description: 'Starts a STOPPED (or FAILED) instance again with its version and config.' })
  startRuntime(@Arg('id', () => ID) id: string, @Ctx() { viewer, launches }: RuntimesContext) {
    return launches.start(viewer, id);
  }

  @Mutation(() => RuntimeInstance, { description: 'Removes the Kubernetes objects of an instance; the instance is kept as DELETED and its name is free again.' })
  deleteRuntime(@Arg('id', () => ID) id: string, @Ctx() { viewer, launches }: RuntimesContext) {
    return launches.delete(viewer, id);
  }

  @FieldResolver(() => AddonReference)
  addon(@Root() instance: ResolverRoot<RuntimeInstance>): AddonReference {
    return { id: instance.addonId };
  }

  @FieldResolver(() => AddonVersionReference, { description: 'The version it runs; during an upgrade, the one it runs until the new one is READY.' })
  version(@Root() instance: ResolverRoot<RuntimeInstance>): AddonVersionReference {
    return { id: instance.versionId };
  }

  @FieldResolver(() => Environment, { nullable: true, description: 'Where it runs; null when the environment is no longer visible to the viewer.' })
  environment(@Root() instance: ResolverRoot<RuntimeInstance>, @Ctx() { environmentLoader }: RuntimesContext) {
    return environmentLoader.load(instance.environmentId);
  }

  @FieldResolver(() => RuntimeOperationRun, { nullable: true, description: 'Its latest operation and the phase it has reached.' })
  operation(@Root() instance: ResolverRoot<RuntimeInstance>, @Ctx() { operationLoader }: RuntimesContext) {
    return instance.operationId ? operationLoader.load(instance.operationId) : null;
  }
}

@Resolver(() => AddonReference)
export class AddonRuntimesResolver {
  @FieldResolver(() => RuntimeInstanceConnection, { description: "The viewer's instances of this addon, newest first." })
  runtimes(@Root() addon: ResolverRoot<AddonReference>, @Args() page: PageArgs, @Ctx() { instancesOfAddon }: RuntimesContext) {
    return instancesOfAddon(addon.id, readPageArgs(page));
  }
}

@Resolver(() => AddonVersionReference)
export class AddonVersionRuntimesResolver {
  @FieldResolver(() => RuntimeInstanceConnection, { description: "The viewer's instances running this version, newest first." })
  instances(@Root() version: ResolverRoot<AddonVersionReference>, @Args() page: PageArgs, @Ctx() { instancesOfVersion }: RuntimesContext) {
    return instancesOfVersion(version.id, readPageArgs(page));
  }

  @FieldResolver(() => ConfigService, { nullable: true, description: 'Its config service, when it has a config image: how reading its config schema is going.' })
  async configService(@Root() version: ResolverRoot<AddonVersionReference>, @Ctx() { viewer, configServiceLoader, instanceLoader }: RuntimesContext): Promise<ConfigService | null> {
    const row = await configServiceLoader.load(version.id);
    if (!row) return null;
    const instance = isOperator(viewer) && row.instanceId ? await instanceLoader.load(row.instanceId) : null;
    return { ...row, state: row.state as ConfigServiceStateEnum, instance };
  }
}

export function resolveRuntimeInstanceReference(reference: { id: string }, { instanceLoader }: RuntimesContext) {
  return instanceLoader.load(reference.id);
}
