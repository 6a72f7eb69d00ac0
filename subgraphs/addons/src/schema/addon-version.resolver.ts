import type { ResolverRoot } from '@addon-platform/platform';
import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { Addon } from '../addons/addon.entity.js';
import { AddonVersion } from '../versions/addon-version.entity.js';
import { ImageListFilterInput } from './addon.input.js';
import type { AddonsContext } from './context.js';

@Resolver(() => AddonVersion)
export class AddonVersionResolver {
  @Query(() => AddonVersion, {
    nullable: true,
    description: 'A version by id; NOT_FOUND when absent or hidden (tenants see ACTIVE versions only, owners also their own).',
  })
  addonVersion(@Arg('id', () => ID) id: string, @Ctx() { viewer, versions }: AddonsContext) {
    return versions.getVersion(viewer, id);
  }

  @Query(() => [String], { description: 'Every container image of the selected versions the viewer may see, each once, sorted: the list to mirror offline.' })
  imageList(@Arg('filter', () => ImageListFilterInput, { nullable: true }) filter: ImageListFilterInput | null, @Ctx() { viewer, versions }: AddonsContext) {
    return versions.listImages(viewer, filter ?? {});
  }

  @FieldResolver(() => Addon)
  addon(@Root() version: ResolverRoot<AddonVersion>, @Ctx() { addonLoader }: AddonsContext) {
    return addonLoader.load(version.addonId);
  }
}

export function resolveAddonVersionReference(reference: { id: string }, { versionLoader }: AddonsContext) {
  return versionLoader.load(reference.id);
}
