import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { RepoLabel } from '../repos/repo.entity.js';

export enum RepoSourceProblem {
  UNREACHABLE = 'UNREACHABLE',
  TIMEOUT = 'TIMEOUT',
  UNAUTHORIZED = 'UNAUTHORIZED',
  NOT_FOUND = 'NOT_FOUND',
  UPSTREAM_ERROR = 'UPSTREAM_ERROR',
  TOO_LARGE = 'TOO_LARGE',
  MALFORMED = 'MALFORMED',
}
registerEnumType(RepoSourceProblem, {
  name: 'RepoSourceProblem',
  description: 'Why a source could not be read. Malformed or forbidden URLs are refused as BAD_USER_INPUT errors instead.',
  valuesConfig: {
    UNREACHABLE: { description: 'The host was not found, or refused or dropped the connection.' },
    TIMEOUT: { description: 'The source did not answer within the time limit.' },
    UNAUTHORIZED: { description: 'The source needs a credential, or refused the one given.' },
    NOT_FOUND: { description: 'No index, repository, ref or path at that place.' },
    UPSTREAM_ERROR: { description: 'The source answered with an error of its own.' },
    TOO_LARGE: { description: 'The index or repository is larger than the platform reads.' },
    MALFORMED: { description: 'The content is not what the repo type promises.' },
  },
});

@ObjectType({ description: 'What reading a source found; nothing was saved.' })
export class RepoValidation {
  @Field()
  ok!: boolean;

  @Field(() => RepoSourceProblem, { nullable: true })
  problem!: RepoSourceProblem | null;

  @Field(() => String, { nullable: true, description: 'A sentence saying what to fix, when not ok.' })
  reason!: string | null;

  @Field(() => Int, { nullable: true, description: 'Chart versions (HELM), addon directories (GIT) or submissions (ADDON_INDEX) read.' })
  entries!: number | null;

  @Field(() => String, { nullable: true, description: 'The git commit read.' })
  revision!: string | null;
}

@ObjectType({ description: "A user's repo selectors: SELECTED repos carrying any one of these labels are visible to the user." })
export class UserRepoSelectors {
  @Field({ description: "The user's sub." })
  userId!: string;

  @Field(() => [RepoLabel])
  selectors!: RepoLabel[];
}
