import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** The repos subgraph's Repo, as far as the catalog contributes to it. */
@ObjectType('Repo')
@Directive('@key(fields: "id")')
export class RepoReference {
  @Field(() => ID)
  id!: string;
}

export function resolveRepoReference(reference: { id: string }): RepoReference {
  return { id: reference.id };
}
