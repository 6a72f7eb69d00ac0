import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { PageArgs, createConnectionType, readPageArgs, type ResolverRoot } from '@addon-platform/platform';
import { Repo } from '../repos/repo.entity.js';
import type { ReposContext } from './context.js';
import { CreateRepoInput, RepoFilterInput, RepoLabelInput, RepoSourceInput, UpdateRepoInput } from './repo.input.js';
import { RepoValidation, UserRepoSelectors } from './repo.types.js';

export const RepoConnection = createConnectionType('Repo', Repo);

@Resolver(() => Repo)
export class RepoResolver {
  @Query(() => RepoConnection, { description: 'Repos visible to the viewer, newest first.' })
  repos(
    @Arg('filter', () => RepoFilterInput, { nullable: true }) filter: RepoFilterInput | null,
    @Args() page: PageArgs,
    @Ctx() { viewer, repos }: ReposContext,
  ) {
    return repos.listRepos(viewer, filter ?? {}, readPageArgs(page));
  }

  @FieldResolver(() => Boolean, { description: 'Whether a credential is stored. The credential itself is write-only.' })
  hasCredential(@Root() repo: ResolverRoot<Repo>): boolean {
    return repo.credentialSealed !== null;
  }

  @Query(() => Repo, { nullable: true, description: 'A repo by id; NOT_FOUND when absent or hidden.' })
  repo(@Arg('id', () => ID) id: string, @Ctx() { viewer, repos }: ReposContext) {
    return repos.getRepo(viewer, id);
  }

  @Query(() => UserRepoSelectors, { description: "A user's repo selectors: operators read anyone's, users their own." })
  async userRepoSelectors(@Arg('userId') userId: string, @Ctx() { viewer, selectors }: ReposContext): Promise<UserRepoSelectors> {
    return { userId, selectors: await selectors.getSelectors(viewer, userId) };
  }

  @Mutation(() => Repo, { description: 'Creates a repo owned by the viewer (developer or operator) and queues its first sync.' })
  createRepo(@Arg('input') input: CreateRepoInput, @Ctx() { viewer, repos }: ReposContext) {
    return repos.createRepo(viewer, input);
  }

  @Mutation(() => Repo, { description: 'Changes a repo (its owner or an operator); a changed source queues a sync.' })
  updateRepo(@Arg('id', () => ID) id: string, @Arg('input') input: UpdateRepoInput, @Ctx() { viewer, repos }: ReposContext) {
    return repos.updateRepo(viewer, id, input);
  }

  @Mutation(() => ID, { description: 'Deletes a repo (its owner or an operator); built-in repos cannot be deleted. Returns its id.' })
  deleteRepo(@Arg('id', () => ID) id: string, @Ctx() { viewer, repos }: ReposContext) {
    return repos.deleteRepo(viewer, id);
  }

  @Mutation(() => Repo, { description: "Replaces a repo's labels, in the order given." })
  setRepoLabels(
    @Arg('id', () => ID) id: string,
    @Arg('labels', () => [RepoLabelInput]) labels: RepoLabelInput[],
    @Ctx() { viewer, repos }: ReposContext,
  ) {
    return repos.setRepoLabels(viewer, id, labels);
  }

  @Mutation(() => RepoValidation, { description: 'Reads a source as a sync would and says whether it works; saves nothing.' })
  validateRepo(@Arg('input') input: RepoSourceInput, @Ctx() { viewer, repos }: ReposContext) {
    return repos.validateRepo(viewer, input);
  }

  @Mutation(() => UserRepoSelectors, { description: "Replaces a user's repo selectors (operators)." })
  async setUserRepoSelectors(
    @Arg('userId') userId: string,
    @Arg('selectors', () => [RepoLabelInput]) labels: RepoLabelInput[],
    @Ctx() { viewer, selectors }: ReposContext,
  ): Promise<UserRepoSelectors> {
    return { userId, selectors: await selectors.setSelectors(viewer, userId, labels) };
  }
}

export function resolveRepoReference(reference: { id: string }, { repoLoader }: ReposContext) {
  return repoLoader.load(reference.id);
}
