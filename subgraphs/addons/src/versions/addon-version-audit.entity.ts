import { Entity, Enum, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { AddonVersionStatus } from './addon-version.entity.js';

/**
 * One change of a version's status: who made it, when, from which status to which, and why. Written
 * in the transaction that changes the status (versions/version-review.service.ts, sync/catalog-writer.ts)
 * and never changed afterwards.
 */
@Entity({ tableName: 'addon_version_audit' })
@ObjectType({ description: "One change of a version's status: who, when, from, to and why." })
export class AddonVersionAuditEntry {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  @Field(() => ID)
  id!: string;

  /** Insertion order, which is transition order for one version (its row lock serialises them). */
  @Property({ type: 'bigint' })
  seq!: string;

  @Property({ type: 'uuid' })
  versionId!: string;

  @Property({ type: 'text', fieldName: 'actor_sub', nullable: true })
  @Field(() => String, { nullable: true, description: "The sub of the user who made the change; null when a sync made it (see syncRunId)." })
  actor!: string | null;

  @Property({ type: 'timestamptz' })
  @Field()
  at!: Date;

  @Enum({ items: () => AddonVersionStatus, nullable: true })
  @Field(() => AddonVersionStatus, { nullable: true, description: 'Null when the version started in toStatus (a sync from a source whose default status is ACTIVE).' })
  fromStatus!: AddonVersionStatus | null;

  @Enum({ items: () => AddonVersionStatus })
  @Field(() => AddonVersionStatus)
  toStatus!: AddonVersionStatus;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'Why, as the actor wrote it (required to reject or suspend).' })
  message!: string | null;

  @Property({ type: 'uuid', nullable: true })
  @Field(() => ID, { nullable: true, description: 'The sync run that made the change, when a sync made it.' })
  syncRunId!: string | null;
}
