import { Field, InputType } from 'type-graphql';
import { RepoType, RepoVisibility } from '../repos/repo.entity.js';

@InputType({ description: 'A new repo. Only operators create PUBLIC and ADDON_INDEX repos.' })
export class CreateRepoInput {
  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string;

  @Field(() => RepoType)
  type!: RepoType;

  @Field()
  url!: string;

  @Field(() => RepoVisibility)
  visibility!: RepoVisibility;

  @Field(() => String, { nullable: true, description: 'For ADDON_INDEX repos: testnet or mainnet.' })
  network?: string;
}
