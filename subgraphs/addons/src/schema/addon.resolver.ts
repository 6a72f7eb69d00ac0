import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Query, Resolver, Root } from 'type-graphql';
import { PageArgs, createConnectionType, fieldsSelectedAt, readPageArgs, type ResolverRoot } from '@addon-platform/platform';
import { Addon } from '../addons/addon.entity.js';
import { AddonOrder } from '../addons/addon-filter.js';
import { AddonVersion } from '../versions/addon-version.entity.js';
import { AddonFilterInput } from './addon.input.js';
import type { AddonsContext } from './context.js';
import { RepoReference } from './repo.reference.js';

export const AddonConnection = createConnectionType('Addon', Addon);
export const AddonVersionConnection = createConnectionType('AddonVersion', AddonVersion);

@Resolver(() => Addon)
export class AddonResolver {
  @Query(() => AddonConnection, {
    description:
      'Addons of the repos visible to the viewer, whatever the status of their versions: an addon may list no version the viewer can see (then its latestVersion is null); filter by status ACTIVE for addons the viewer can use.',
  })
  async addons(
    @Arg('filter', () => AddonFilterInput, { nullable: true }) filter: AddonFilterInput | null,
    @Arg('orderBy', () => AddonOrder, { defaultValue: AddonOrder.NAME }) orderBy: AddonOrder,
    @Args() page: PageArgs,
    @Ctx() { viewer, addons, latestVersionsReadWithPage }: AddonsContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    const latestVersionFields = fieldsSelectedAt(info, ['edges', 'node', 'latestVersion']);
    const connection = await addons.listAddons(viewer, filter ?? {}, orderBy, readPageArgs(page), { latestVersionFields });
    for (const [addon, latest] of connection.latestVersions ?? []) latestVersionsReadWithPage.set(addon, latest);
    return connection;
  }

  @Query(() => Addon, { nullable: true, description: 'An addon by id; NOT_FOUND when absent or hidden.' })
  addon(@Arg('id', () => ID) id: string, @Ctx() { viewer, addons }: AddonsContext) {
    return addons.getAddon(viewer, id);
  }

  @Query(() => Addon, { nullable: true, description: 'An addon by its repo and name; NOT_FOUND when absent or hidden.' })
  addonByName(@Arg('repoId', () => ID) repoId: string, @Arg('name') name: string, @Ctx() { viewer, addons }: AddonsContext) {
    return addons.getAddonByName(viewer, repoId, name);
  }

  @FieldResolver(() => RepoReference)
  repo(@Root() addon: ResolverRoot<Addon>): RepoReference {
    return { id: addon.repoId };
  }

  @FieldResolver(() => AddonVersionConnection, {
    description: 'Its versions newest first: ACTIVE ones for everyone, and also the owner’s own and, for operators, all.',
  })
  versions(@Root() addon: ResolverRoot<Addon>, @Args() page: PageArgs, @Ctx() { versionsOfAddon }: AddonsContext) {
    return versionsOfAddon(addon.id, readPageArgs(page));
  }

  @FieldResolver(() => AddonVersion, { nullable: true, description: 'The newest ACTIVE version that is not a prerelease; null when there is none.' })
  latestVersion(@Root() addon: ResolverRoot<Addon>, @Ctx() { latestVersionOfAddon, latestVersionsReadWithPage }: AddonsContext) {
    const read = latestVersionsReadWithPage.get(addon);
    return read !== undefined ? read : latestVersionOfAddon.load(addon.id);
  }

  @FieldResolver(() => [String], { description: 'The version strings of its ACTIVE versions, newest first, prereleases included.' })
  availableVersions(@Root() addon: ResolverRoot<Addon>, @Ctx() { availableVersionsOfAddon }: AddonsContext) {
    return availableVersionsOfAddon.load(addon.id);
  }
}

@Resolver(() => RepoReference)
export class RepoAddonsResolver {
  @FieldResolver(() => AddonConnection, { description: "The repo's addons by name." })
  addons(@Root() repo: ResolverRoot<RepoReference>, @Args() page: PageArgs, @Ctx() { addonsOfRepo }: AddonsContext) {
    return addonsOfRepo(repo.id, readPageArgs(page));
  }
}

export function resolveAddonReference(reference: { id: string }, { addonLoader }: AddonsContext) {
  return addonLoader.load(reference.id);
}
