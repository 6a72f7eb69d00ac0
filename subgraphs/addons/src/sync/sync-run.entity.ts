import { Entity, Enum, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum SyncRunStatus {
  PENDING = 'PENDING',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}
registerEnumType(SyncRunStatus, { name: 'SyncRunStatus', description: 'PENDING → RUNNING → SUCCEEDED | FAILED.' });

export enum SyncTrigger {
  REPO_CHANGED = 'REPO_CHANGED',
  REQUESTED = 'REQUESTED',
  SCHEDULED = 'SCHEDULED',
}
registerEnumType(SyncTrigger, {
  name: 'SyncTrigger',
  valuesConfig: {
    REPO_CHANGED: { description: 'The repo was created, or its URL, path, ref or credential changed.' },
    REQUESTED: { description: 'Someone asked with syncRepo.' },
    SCHEDULED: { description: 'The periodic sync.' },
  },
});

@ObjectType({ description: 'An entry of the source that was not imported, and why.' })
export class SyncProblem {
  @Field({ description: 'The chart and version, addon directory or index entry.' })
  entry!: string;

  @Field()
  reason!: string;
}

/** One read of a repo's source into the catalog. Counts are over distinct (addon, version) pairs. */
@Entity({ tableName: 'sync_run' })
@ObjectType({ description: "One read of a repo's source into the catalog; counts are over distinct (addon, version) pairs." })
export class SyncRun {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  @Field(() => ID)
  id!: string;

  @Property({ type: 'uuid' })
  repoId!: string;

  @Enum({ items: () => SyncRunStatus })
  @Field(() => SyncRunStatus)
  status!: SyncRunStatus;

  @Enum({ items: () => SyncTrigger })
  @Field(() => SyncTrigger)
  trigger!: SyncTrigger;

  @Property({ type: 'text', nullable: true })
  requestedBy!: string | null;

  @Property()
  @Field(() => Int, { description: 'Attempts that started this run; above 1 after a crash or a failed try.' })
  attempts!: number;

  @Property({ type: 'int', nullable: true })
  @Field(() => Int, { nullable: true })
  added!: number | null;

  @Property({ type: 'int', nullable: true })
  @Field(() => Int, { nullable: true, description: 'Versions whose content changed upstream (a re-published chart with a new digest).' })
  updated!: number | null;

  @Property({ type: 'int', nullable: true })
  @Field(() => Int, { nullable: true })
  unchanged!: number | null;

  @Property({ type: 'int', nullable: true })
  @Field(() => Int, { nullable: true, description: 'Versions the source no longer lists, now REMOVED.' })
  removed!: number | null;

  @Property({ type: 'int', nullable: true })
  @Field(() => Int, { nullable: true, description: 'Entries not imported; see errors.' })
  rejected!: number | null;

  @Property({ type: 'json' })
  @Field(() => [SyncProblem], { description: 'The first entries not imported, with reasons.' })
  errors!: SyncProblem[];

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'Why the run FAILED, in words a repo owner can act on.' })
  failure!: string | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'The git commit read.' })
  revision!: string | null;

  @Property({ type: 'timestamptz' })
  @Field()
  createdAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  @Field(() => Date, { nullable: true })
  startedAt!: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;
}
