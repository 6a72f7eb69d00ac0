import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { PageArgs, createConnectionType, readPageArgs, type ResolverRoot } from '@addon-platform/platform';
import { SyncRun } from '../sync/sync-run.entity.js';
import type { AddonsContext } from './context.js';
import { RepoReference } from './repo.reference.js';

export const SyncRunConnection = createConnectionType('SyncRun', SyncRun);

@Resolver(() => SyncRun)
export class SyncRunResolver {
  @Mutation(() => SyncRun, { description: "Queues a sync of a repo (its owner or an operator); answers the repo's queued or running sync if there is one." })
  syncRepo(@Arg('repoId', () => ID) repoId: string, @Ctx() { viewer, sync }: AddonsContext) {
    return sync.requestSync(viewer, repoId);
  }
}

@Resolver(() => RepoReference)
export class RepoSyncResolver {
  @FieldResolver(() => SyncRunConnection, { description: "The repo's sync runs, newest first." })
  syncRuns(@Root() repo: ResolverRoot<RepoReference>, @Args() page: PageArgs, @Ctx() { syncRunsOfRepo }: AddonsContext) {
    return syncRunsOfRepo(repo.id, readPageArgs(page));
  }

  @FieldResolver(() => SyncRun, { nullable: true, description: 'The newest sync run, whatever its status; null before the first.' })
  lastSync(@Root() repo: ResolverRoot<RepoReference>, @Ctx() { lastSyncOfRepo }: AddonsContext) {
    return lastSyncOfRepo.load(repo.id);
  }
}
