import { ArrayType, Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { Directive, Field, ID, ObjectType } from 'type-graphql';

@Entity({ tableName: 'addon' })
@ObjectType({ description: 'An addon of the catalog, identified by its repo and name.' })
@Directive('@key(fields: "id")')
export class Addon {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  @Field(() => ID)
  id!: string;

  /** The owning repo, by id only: the repos subgraph resolves it. */
  @Property({ type: 'uuid' })
  repoId!: string;

  @Property()
  @Field({ description: 'Unique within its repo (the chart or addon name).' })
  name!: string;

  @Property()
  @Field()
  description!: string;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true })
  icon!: string | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'The project home page.' })
  home!: string | null;

  @Property({ type: ArrayType })
  @Field(() => [String], { description: 'Keywords (Helm) or tags (KubeVela); searched with name and description.' })
  tags!: string[];

  @Property()
  @Field({ description: 'Published by the platform’s operators or marked official by its source.' })
  official!: boolean;

  @Property({ type: 'text', nullable: true })
  ownerSub!: string | null;

  @Property()
  @Field({ description: 'Its newest version says it is deprecated.' })
  deprecated!: boolean;

  @Property({ type: 'timestamptz' })
  @Field()
  createdAt!: Date;

  @Property({ type: 'timestamptz' })
  @Field()
  updatedAt!: Date;
}
