import { ArrayType, Entity, Enum, PrimaryKey, Property } from '@mikro-orm/core';
import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';

export enum AddonVersionStatus {
  DRAFT = 'DRAFT',
  SUBMITTED = 'SUBMITTED',
  APPROVED = 'APPROVED',
  REJECTED = 'REJECTED',
  ACTIVE = 'ACTIVE',
  SUSPENDED = 'SUSPENDED',
  REMOVED = 'REMOVED',
}
registerEnumType(AddonVersionStatus, {
  name: 'AddonVersionStatus',
  description: 'DRAFT → SUBMITTED → APPROVED | REJECTED; APPROVED → ACTIVE → SUSPENDED → ACTIVE; REMOVED when its source no longer lists it.',
});

export enum AddonVersionSource {
  SYNC = 'SYNC',
  SUBMISSION = 'SUBMISSION',
}
registerEnumType(AddonVersionSource, { name: 'AddonVersionSource', description: 'Where a version came from: a repo sync or a signed submission.' });

@ObjectType({
  description: 'A UI schema of the config form, by name: a VelaUX file shipped with a KubeVela addon (its file name), or the one its config service served (`config-service`).',
})
export class NamedUiSchema {
  @Field()
  name!: string;

  @Field({ description: 'As written: YAML for a VelaUX file, JSON for the one a config service served.' })
  content!: string;
}

/** One version of an addon, as its source lists it; identified by addon and version string. */
@Entity({ tableName: 'addon_version' })
@ObjectType({ description: 'One version of an addon.' })
@Directive('@key(fields: "id")')
export class AddonVersion {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  @Field(() => ID)
  id!: string;

  @Property({ type: 'uuid' })
  addonId!: string;

  @Property()
  @Field({ description: 'As the source writes it (1.10 is not 1.1).' })
  version!: string;

  @Property({ type: 'int', nullable: true })
  @Field(() => Int, { nullable: true, description: 'For legacy Ontology submissions: r1, r2, … in order of acceptance.' })
  revision!: number | null;

  /** Byte order gives the catalog's version order (see versions/version-order.ts). */
  @Property()
  sortKey!: string;

  @Enum({ items: () => AddonVersionStatus })
  @Field(() => AddonVersionStatus)
  status!: AddonVersionStatus;

  @Property()
  @Field({ description: 'A semver prerelease (1.0.0-rc.1).' })
  prerelease!: boolean;

  @Property()
  @Field()
  description!: string;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true })
  appVersion!: string | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'The Helm chart, for versions from a chart repository.' })
  chartName!: string | null;

  @Property({ type: ArrayType })
  @Field(() => [String], { description: 'Where the chart archive is downloaded from.' })
  urls!: string[];

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: "The chart archive's digest, as the index lists it." })
  digest!: string | null;

  /** What a sync compares: the source's digest, or a hash of the files it read. */
  @Property()
  contentDigest!: string;

  @Property({ type: 'timestamptz', nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the source says it was published.' })
  publishedAt!: Date | null;

  @Property()
  @Field()
  deprecated!: boolean;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'The image serving the form of settings (Ontology addons).' })
  configImage!: string | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'The image each runtime instance runs.' })
  runtimeImage!: string | null;

  @Property({ type: ArrayType })
  @Field(() => [String], { description: 'Other container images it names (chart annotations, addon metadata).' })
  images!: string[];

  @Property({ type: 'json' })
  @Field(() => GraphQLJSON, { description: 'Properties of its images as the source gives them.' })
  imageProperties!: Record<string, unknown>;

  @Property({ type: 'json' })
  @Field(() => GraphQLJSON, { description: 'Ports it declares; must not clash with another ACTIVE addon.' })
  ports!: unknown[];

  @Property({ type: 'json' })
  @Field(() => GraphQLJSON, { description: 'Slots it declares; must not clash with another ACTIVE addon.' })
  slots!: unknown[];

  @Property({ type: 'json', nullable: true })
  @Field(() => GraphQLJSON, { nullable: true, description: 'The JSON Schema of its configuration.' })
  configSchema!: Record<string, unknown> | null;

  @Property()
  @Field({ description: 'False when the schema could not be converted exactly; configs are then not checked against it.' })
  configSchemaValidated!: boolean;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'The schema as its source wrote it: parameter.cue for a KubeVela addon, JSON for one its config service served.' })
  configSchemaSource!: string | null;

  @Property({ type: 'json' })
  @Field(() => [NamedUiSchema])
  uiSchemas!: NamedUiSchema[];

  @Property()
  @Field()
  launchable!: boolean;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'Why it cannot be launched, when it cannot.' })
  notLaunchableReason!: string | null;

  @Enum({ items: () => AddonVersionSource })
  @Field(() => AddonVersionSource)
  source!: AddonVersionSource;

  @Property({ type: 'uuid', nullable: true })
  syncRunId!: string | null;

  @Property({ type: 'text', nullable: true })
  ownerSub!: string | null;

  @Property({ type: 'timestamptz' })
  @Field()
  createdAt!: Date;

  @Property({ type: 'timestamptz' })
  @Field()
  updatedAt!: Date;
}
