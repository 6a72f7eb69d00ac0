import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, InputType } from 'type-graphql';
import { RuntimeInstanceKind, RuntimeInstanceStatus, UpgradePolicy } from '../instances/runtime-instance.entity.js';

@InputType({ description: "A new instance of an addon version, in an environment the viewer's tenant may use." })
export class LaunchRuntimeInput {
  @Field(() => ID, { description: 'An ACTIVE, launchable version.' })
  versionId!: string;

  @Field(() => ID)
  environmentId!: string;

  @Field({ description: "Unique among the tenant's live instances: 1 to 63 lowercase letters, digits or dashes." })
  name!: string;

  @Field(() => GraphQLJSON, { nullable: true, description: "A JSON object checked against the version's config schema; its defaults are filled in." })
  config?: unknown;

  @Field(() => UpgradePolicy, { nullable: true, description: 'Default MANUAL.' })
  upgradePolicy?: UpgradePolicy | null;
}

@InputType({ description: 'Another version of the same addon; the earlier config with these values laid over it (new wins).' })
export class UpgradeRuntimeInput {
  @Field(() => ID)
  versionId!: string;

  @Field(() => GraphQLJSON, { nullable: true })
  config?: unknown;
}

@InputType({ description: 'Instances matching every field given.' })
export class RuntimeInstanceFilterInput {
  @Field(() => [RuntimeInstanceStatus], { nullable: true, description: 'Any of these statuses; without it, all (DELETED included).' })
  status?: RuntimeInstanceStatus[] | null;

  @Field(() => ID, { nullable: true })
  addonId?: string | null;

  @Field(() => ID, { nullable: true })
  versionId?: string | null;

  @Field(() => ID, { nullable: true })
  environmentId?: string | null;

  @Field(() => String, { nullable: true, description: 'The exact name.' })
  name?: string | null;

  @Field(() => RuntimeInstanceKind, { nullable: true, description: 'Operators only see CONFIG_SERVICE instances.' })
  kind?: RuntimeInstanceKind | null;
}
