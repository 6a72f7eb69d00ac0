import { Arg, Args, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { PageArgs, createConnectionType, readPageArgs } from '@addon-platform/platform';
import { Addon } from '../addons/addon.entity.js';
import type { AddonsContext } from './context.js';
import { RepoReference } from './repo.reference.js';

export const AddonConnection = createConnectionType('Addon', Addon);

@Resolver(() => Addon)
export class AddonResolver {
  @Query(() => Addon, { nullable: true, description: 'An addon by id; NOT_FOUND when absent or hidden.' })
  addon(@Arg('id', () => ID) id: string, @Ctx() { viewer, addons }: AddonsContext) {
    return addons.getAddon(viewer, id);
  }

  @FieldResolver(() => RepoReference)
  repo(@Root() addon: Addon): RepoReference {
    return { id: addon.repoId };
  }
}

@Resolver(() => RepoReference)
export class RepoAddonsResolver {
  @FieldResolver(() => AddonConnection, { description: "The repo's addons by name." })
  addons(@Root() repo: RepoReference, @Args() page: PageArgs, @Ctx() { addonsOfRepo }: AddonsContext) {
    return addonsOfRepo(repo.id, readPageArgs(page));
  }
}

export function resolveAddonReference(reference: { id: string }, { addonLoader }: AddonsContext) {
  return addonLoader.load(reference.id);
}
