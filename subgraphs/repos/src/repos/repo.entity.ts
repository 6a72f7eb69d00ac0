import { ArrayType, Entity, Enum, PrimaryKey, Property } from '@mikro-orm/core';
import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum RepoType {
  HELM = 'HELM',
  GIT = 'GIT',
  ADDON_INDEX = 'ADDON_INDEX',
}
registerEnumType(RepoType, {
  name: 'RepoType',
  valuesConfig: {
    HELM: { description: 'A Helm chart repository (index.yaml), e.g. ChartMuseum.' },
    GIT: { description: 'A git repository of KubeVela addon directories.' },
    ADDON_INDEX: { description: 'An Ontology addon index of signed submissions.' },
  },
});

export enum RepoVisibility {
  PUBLIC = 'PUBLIC',
  PRIVATE = 'PRIVATE',
  SELECTED = 'SELECTED',
}
registerEnumType(RepoVisibility, {
  name: 'RepoVisibility',
  valuesConfig: {
    PUBLIC: { description: 'Everyone, including anonymous viewers.' },
    PRIVATE: { description: 'The owner and operators.' },
    SELECTED: { description: 'The owner, operators, and users holding a selector equal to one of its labels.' },
  },
});

export enum DefaultVersionStatus {
  DRAFT = 'DRAFT',
  ACTIVE = 'ACTIVE',
}
registerEnumType(DefaultVersionStatus, {
  name: 'DefaultVersionStatus',
  description: 'The status versions synced from a repo start in.',
  valuesConfig: {
    DRAFT: { description: 'Versions wait for submission and review before anyone but the owner sees them.' },
    ACTIVE: { description: 'Versions are released as soon as they are synced; only operators choose this.' },
  },
});

/** A `key=value` pair; a user holding a selector equal to one of a SELECTED repo's labels sees it. */
@ObjectType({ description: 'A key=value label of a repo, or a repo selector of a user.' })
export class RepoLabel {
  @Field()
  key!: string;

  @Field()
  value!: string;
}

@Entity({ tableName: 'repo' })
@ObjectType({ description: 'A source of addons: a Helm repository, a git repository or an addon index.' })
@Directive('@key(fields: "id")')
export class Repo {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  @Field(() => ID)
  id!: string;

  @Property()
  @Field({ description: 'Unique among live repos; lowercase letters, digits and dashes.' })
  name!: string;

  @Property()
  @Field()
  description!: string;

  @Enum({ items: () => RepoType })
  @Field(() => RepoType)
  type!: RepoType;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'Where the source is read from; null for built-in repos.' })
  url!: string | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'git: the folder holding the addons (or config.json); the repository root when null.' })
  path!: string | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: "git: the branch, tag or commit read; the remote's HEAD when null." })
  ref!: string | null;

  /** Sealed with the platform's credential key (context `repo:<id>`); never leaves this subgraph open. */
  @Property({ type: 'text', nullable: true, fieldName: 'credential_sealed' })
  credentialSealed!: string | null;


  @Enum({ items: () => RepoVisibility })
  @Field(() => RepoVisibility)
  visibility!: RepoVisibility;

  @Property({ type: 'json' })
  @Field(() => [RepoLabel], { description: 'In the order given; SELECTED repos are shown to users holding a matching selector.' })
  labels!: RepoLabel[];

  @Property({ type: ArrayType })
  @Field(() => [String], { description: 'Where its addons can run, e.g. kubernetes; matched against environment kinds.' })
  providers!: string[];

  @Enum({ items: () => DefaultVersionStatus, fieldName: 'default_status' })
  @Field(() => DefaultVersionStatus)
  defaultStatus!: DefaultVersionStatus;

  @Property({ fieldName: 'owner_sub' })
  @Field({ name: 'owner', description: 'The `sub` of the user who created it.' })
  ownerSub!: string;

  @Property()
  @Field({ description: 'Built-in repos exist from the start and cannot be deleted.' })
  builtIn!: boolean;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'The Ontology network of an ADDON_INDEX repo.' })
  network!: string | null;

  @Property({ type: 'timestamptz' })
  @Field()
  createdAt!: Date;

  @Property({ type: 'timestamptz' })
  @Field()
  updatedAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;
}
