import { Field, InputType } from 'type-graphql';
import { DefaultVersionStatus, RepoType, RepoVisibility } from '../repos/repo.entity.js';

@InputType({ description: 'A key=value label; the value may not be empty.' })
export class RepoLabelInput {
  @Field()
  key!: string;

  @Field()
  value!: string;
}

@InputType({ description: 'Write-only: a token, or a username with a password. Stored encrypted, never returned.' })
export class RepoCredentialInput {
  @Field(() => String, { nullable: true })
  username?: string | null;

  @Field(() => String, { nullable: true })
  password?: string | null;

  @Field(() => String, { nullable: true, description: 'Sent as a bearer token to Helm repos and as the password to git hosts.' })
  token?: string | null;
}

@InputType({ description: 'Where a repo is read from; validateRepo reads it without saving anything.' })
export class RepoSourceInput {
  @Field(() => RepoType)
  type!: RepoType;

  @Field({ description: 'HELM: https or http. GIT and ADDON_INDEX: https, http or git.' })
  url!: string;

  @Field(() => String, { nullable: true, description: 'git: the folder holding the addons (or config.json).' })
  path?: string | null;

  @Field(() => String, { nullable: true, description: "git: a branch, tag or commit; the remote's HEAD when absent." })
  ref?: string | null;

  @Field(() => RepoCredentialInput, { nullable: true })
  credential?: RepoCredentialInput | null;
}

@InputType({ description: 'A new repo. Only operators create PUBLIC and ADDON_INDEX repos. Its source is read once before it is saved.' })
export class CreateRepoInput extends RepoSourceInput {
  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => RepoVisibility)
  visibility!: RepoVisibility;

  @Field(() => [RepoLabelInput], { nullable: true })
  labels?: RepoLabelInput[] | null;

  @Field(() => [String], { nullable: true, description: 'Default [kubernetes].' })
  providers?: string[] | null;

  @Field(() => DefaultVersionStatus, { nullable: true, description: 'Default DRAFT; ACTIVE is for operators.' })
  defaultStatus?: DefaultVersionStatus | null;

  @Field(() => String, { nullable: true, description: 'For ADDON_INDEX repos: testnet or mainnet.' })
  network?: string | null;
}

@InputType({
  description:
    'Changes to a repo; absent fields stay as they are. credential, path or ref set to null removes them. A new url, path, ref or credential is read once before it is saved, and queues a sync.',
})
export class UpdateRepoInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => String, { nullable: true })
  url?: string | null;

  @Field(() => String, { nullable: true })
  path?: string | null;

  @Field(() => String, { nullable: true })
  ref?: string | null;

  @Field(() => RepoCredentialInput, { nullable: true })
  credential?: RepoCredentialInput | null;

  @Field(() => RepoVisibility, { nullable: true })
  visibility?: RepoVisibility | null;

  @Field(() => [String], { nullable: true })
  providers?: string[] | null;

  @Field(() => DefaultVersionStatus, { nullable: true })
  defaultStatus?: DefaultVersionStatus | null;
}

@InputType({ description: 'Repos matching every given condition.' })
export class RepoFilterInput {
  @Field(() => String, { nullable: true, description: 'The exact name.' })
  name?: string | null;

  @Field(() => RepoType, { nullable: true })
  type?: RepoType | null;

  @Field(() => RepoVisibility, { nullable: true })
  visibility?: RepoVisibility | null;

  @Field(() => RepoLabelInput, { nullable: true, description: 'Repos carrying this exact label.' })
  label?: RepoLabelInput | null;

  @Field(() => String, { nullable: true, description: 'The owner’s sub.' })
  owner?: string | null;

  @Field(() => String, { nullable: true, description: 'Words matched as prefixes against name and description.' })
  search?: string | null;
}
