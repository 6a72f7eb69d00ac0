import { Entity, Enum, PrimaryKey, Property } from '@mikro-orm/core';
import { GraphQLJSONObject } from 'graphql-scalars';
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

export enum UpgradePolicy {
  MANUAL = 'MANUAL',
  AUTOMATIC = 'AUTOMATIC',
}
registerEnumType(UpgradePolicy, {
  name: 'UpgradePolicy',
  valuesConfig: {
    MANUAL: { description: 'Runs its version until the tenant upgrades it.' },
    AUTOMATIC: { description: 'Rolls to each newer version of its addon when that version becomes ACTIVE.' },
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

  /** The version it runs (or is rolling to), by id only. */
  @Property({ type: 'uuid' })
  versionId!: string;

  @Property({ type: 'uuid' })
  environmentId!: string;

  @Property()
  @Field({ description: 'The Kubernetes namespace it runs in: its tenant’s, by the environment’s pattern.' })
  namespace!: string;

  /** Name of its Deployment, Service and Secret; unique in the namespace even when names are reused. */
  @Property()
  objectName!: string;

  @Property({ type: 'json' })
  @Field(() => GraphQLJSONObject, { description: "The config it runs with, checked against its version's config schema." })
  config!: Record<string, unknown>;

  @Enum({ items: () => UpgradePolicy })
  @Field(() => UpgradePolicy)
  upgradePolicy!: UpgradePolicy;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'Its service URL inside the cluster, once it has been READY.' })
  url!: string | null;

  @Property()
  createdBy!: string;

  /** The last launch event's sequence; taken by an update of this row (ADR 015). */
  @Property({ type: 'bigint' })
  eventSequence!: string;

  /** Its latest operation; launch progress follows it. */
  @Property({ type: 'uuid', nullable: true })
  operationId!: string | null;

  @Property({ type: 'timestamptz' })
  @Field()
  createdAt!: Date;

  @Property({ type: 'timestamptz' })
  @Field()
  updatedAt!: Date;
}
