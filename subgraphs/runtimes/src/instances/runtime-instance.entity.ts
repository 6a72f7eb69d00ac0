import { Entity, Enum, PrimaryKey, Property } from '@mikro-orm/core';
import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum RuntimeInstanceStatus {
  PENDING = 'PENDING',
  DEPLOYING = 'DEPLOYING',
  RUNNING = 'RUNNING',
  STOPPED = 'STOPPED',
  FAILED = 'FAILED',
  DELETED = 'DELETED',
}
registerEnumType(RuntimeInstanceStatus, { name: 'RuntimeInstanceStatus' });

export enum RuntimeInstanceKind {
  TENANT = 'TENANT',
  CONFIG_SERVICE = 'CONFIG_SERVICE',
}
registerEnumType(RuntimeInstanceKind, {
  name: 'RuntimeInstanceKind',
  valuesConfig: {
    TENANT: { description: "Launched by a tenant from an addon's runtime image." },
    CONFIG_SERVICE: { description: "The platform's config service of a version, serving its config schema." },
  },
});

@Entity({ tableName: 'runtime_instance' })
@ObjectType({ description: 'A running (or stopped) instance of an addon, owned by one tenant.' })
@Directive('@key(fields: "id")')
export class RuntimeInstance {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  @Field(() => ID)
  id!: string;

  @Property()
  @Field({ description: 'The organisation that owns it.' })
  tenant!: string;

  @Property()
  @Field({ description: 'Unique among the tenant’s live instances.' })
  name!: string;

  @Enum({ items: () => RuntimeInstanceKind })
  @Field(() => RuntimeInstanceKind)
  kind!: RuntimeInstanceKind;

  @Enum({ items: () => RuntimeInstanceStatus })
  @Field(() => RuntimeInstanceStatus)
  status!: RuntimeInstanceStatus;

  /** The addon it runs, by id only: the addons subgraph resolves it. */
  @Property({ type: 'uuid' })
  addonId!: string;

  @Property({ type: 'timestamptz' })
  @Field()
  createdAt!: Date;

  @Property({ type: 'timestamptz' })
  @Field()
  updatedAt!: Date;
}
