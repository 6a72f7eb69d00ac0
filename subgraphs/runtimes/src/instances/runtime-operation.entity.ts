import { Entity, Enum, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

/** What was asked of an instance; each operation has its own run of launch events. */
export enum RuntimeOperationKind {
  LAUNCH = 'LAUNCH',
  UPGRADE = 'UPGRADE',
  START = 'START',
  STOP = 'STOP',
  DELETE = 'DELETE',
}
registerEnumType(RuntimeOperationKind, { name: 'RuntimeOperation' });

/** DESIGN's phases: LAUNCH, UPGRADE, START run QUEUED → SCHEDULING → PULLING_IMAGE → STARTING → READY | FAILED; STOP runs QUEUED → STOPPING → STOPPED | FAILED; DELETE QUEUED → DELETING → DELETED | FAILED. */
export enum LaunchPhase {
  QUEUED = 'QUEUED',
  SCHEDULING = 'SCHEDULING',
  PULLING_IMAGE = 'PULLING_IMAGE',
  STARTING = 'STARTING',
  READY = 'READY',
  STOPPING = 'STOPPING',
  STOPPED = 'STOPPED',
  DELETING = 'DELETING',
  DELETED = 'DELETED',
  FAILED = 'FAILED',
}
registerEnumType(LaunchPhase, { name: 'LaunchPhase' });

const TERMINAL = new Set<LaunchPhase>([LaunchPhase.READY, LaunchPhase.STOPPED, LaunchPhase.DELETED, LaunchPhase.FAILED]);

export function isTerminalPhase(phase: LaunchPhase): boolean {
  return TERMINAL.has(phase);
}

@Entity({ tableName: 'runtime_operation' })
@ObjectType('RuntimeOperationRun', { description: 'One operation on an instance and where it stands.' })
export class RuntimeOperationRun {
  @PrimaryKey({ type: 'uuid' })
  @Field(() => ID)
  id!: string;

  @Property({ type: 'uuid' })
  instanceId!: string;

  @Enum({ items: () => RuntimeOperationKind })
  @Field(() => RuntimeOperationKind)
  operation!: RuntimeOperationKind;

  @Enum({ items: () => LaunchPhase })
  @Field(() => LaunchPhase, { description: 'Its latest phase.' })
  phase!: LaunchPhase;

  /** The version the instance runs once it succeeds. */
  @Property({ type: 'uuid' })
  versionId!: string;

  @Property({ type: 'uuid', nullable: true })
  previousVersionId!: string | null;

  /** The config it applies (the merged one, for an upgrade). */
  @Property({ type: 'json' })
  config!: Record<string, unknown>;

  @Property()
  requestedBy!: string;

  @Property({ type: 'timestamptz' })
  @Field()
  createdAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;
}
