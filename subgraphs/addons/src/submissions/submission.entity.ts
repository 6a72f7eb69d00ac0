import { ArrayType, Entity, Enum, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum SubmissionStatus {
  ACCEPTED = 'ACCEPTED',
  REJECTED = 'REJECTED',
}
registerEnumType(SubmissionStatus, { name: 'SubmissionStatus', description: 'ACCEPTED, or REJECTED with its code and reason.' });

export enum SubmissionForm {
  LEGACY = 'LEGACY',
  ENVELOPE = 'ENVELOPE',
}
registerEnumType(SubmissionForm, {
  name: 'SubmissionForm',
  valuesConfig: {
    LEGACY: { description: '{owner, meta?, addons, sig}: signs the addons only; the network is an unsigned argument; each acceptance is a revision r1, r2, …' },
    ENVELOPE: { description: '{owner, meta?, addons, network, nonce, expiry, sig}: signs everything; addons carry semver versions.' },
  },
});

/** One submission through `submitAddons`, or one accepted by a sync of an ADDON_INDEX repo, as the submission log keeps it. */
@Entity({ tableName: 'submission' })
@ObjectType({ description: 'A signed submission as the platform received it: ACCEPTED, or REJECTED with why.' })
export class Submission {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  @Field(() => ID)
  id!: string;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'testnet or mainnet; null when refused before the network was known.' })
  network!: string | null;

  /** The ADDON_INDEX repo it landed in: the network's built-in one, or the synced index that listed it. */
  @Property({ type: 'uuid', nullable: true })
  repoId!: string | null;

  @Enum({ items: () => SubmissionForm, nullable: true })
  @Field(() => SubmissionForm, { nullable: true, description: 'Null when the input was not a submission at all.' })
  form!: SubmissionForm | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'The owner DID (did:ont:…) it names; null when none was readable.' })
  ownerDid!: string | null;

  /** The user who sent it; shown to that user and to operators only (see the resolver). Null when a sync read it. */
  @Property({ type: 'text', nullable: true })
  submitterSub!: string | null;

  /** The sync run that accepted it from an ADDON_INDEX git repo; null when sent through `submitAddons`. */
  @Property({ type: 'uuid', nullable: true })
  syncRunId!: string | null;

  @Enum({ items: () => SubmissionStatus })
  @Field(() => SubmissionStatus)
  status!: SubmissionStatus;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'When REJECTED: the extensions.code submitAddons answered (FORBIDDEN, SIGNATURE_INVALID, …).' })
  code!: string | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'When REJECTED: the precise reason (REPLAY, NONCE_REUSED, SIGNATURE_MISMATCH, IDENTITY_BOUND, …).' })
  reason!: string | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'When REJECTED: a sentence saying what to do.' })
  message!: string | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'When REJECTED because of one field: its path inside the submission (sig, addons[0].version).' })
  field!: string | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'Hex sha256 of the signed bytes: the same for s and n−s, the key of the replay rule.' })
  contentHash!: string | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: "An envelope's nonce." })
  nonce!: string | null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'The submission as received (cut at the size cap; see bodyTruncated); null for a rate-limited one.' })
  body!: string | null;

  @Property()
  @Field()
  bodyTruncated!: boolean;

  /** The versions an accepted submission created, in entry order. */
  @Property({ type: ArrayType })
  versionIds!: string[];

  @Property({ type: 'timestamptz' })
  @Field()
  createdAt!: Date;
}
