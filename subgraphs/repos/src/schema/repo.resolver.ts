import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { PageArgs, createConnectionType, readPageArgs } from '@addon-platform/platform';
import { Repo } from '../repos/repo.entity.js';
import type { ReposContext } from './context.js';
import { CreateRepoInput } from './repo.input.js';

export const RepoConnection = createConnectionType('Repo', Repo);

@Resolver(() => Repo)
export class RepoResolver {
  @Query(() => RepoConnection, { description: 'Repos visible to the viewer, newest first.' })
  repos(@Args() page: PageArgs, @Ctx() { viewer, repos }: ReposContext) {
    return repos.listRepos(viewer, readPageArgs(page));
  }

  @Query(() => Repo, { nullable: true, description: 'A repo by id; NOT_FOUND when absent or hidden.' })
  repo(@Arg('id', () => ID) id: string, @Ctx() { viewer, repos }: ReposContext) {
    return repos.getRepo(viewer, id);
  }

  @Mutation(() => Repo, { description: 'Creates a repo owned by the viewer (developer or operator).' })
  createRepo(@Arg('input') input: CreateRepoInput, @Ctx() { viewer, repos }: ReposContext) {
    return repos.createRepo(viewer, input);
  }
}

export function resolveRepoReference(reference: { id: string }, { repoLoader }: ReposContext) {
  return repoLoader.load(reference.id);
}
