import { Entity, Enum, PrimaryKey, Property } from '@mikro-orm/core';
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

  @Enum({ items: () => RepoVisibility })
  @Field(() => RepoVisibility)
  visibility!: RepoVisibility;

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
