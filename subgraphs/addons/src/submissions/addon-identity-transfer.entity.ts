import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';

/** The audit row of one `transferAddonIdentity`: who moved which identity, when, from which DID to which, why. */
@Entity({ tableName: 'addon_identity_transfer' })
@ObjectType({ description: 'An operator moved an addon identity of a network from one owner DID to another.' })
export class AddonIdentityTransfer {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  @Field(() => ID)
  id!: string;

  @Property()
  @Field()
  network!: string;

  /** The identity lower-cased: the binding's key. */
  @Property()
  identityKey!: string;

  @Property()
  @Field({ description: 'The addon identity (domain or name) as first bound.' })
  identity!: string;

  @Property({ type: 'uuid' })
  addonId!: string;

  @Property()
  @Field()
  fromOwnerDid!: string;

  @Property()
  @Field()
  toOwnerDid!: string;

  @Property()
  @Field({ description: 'The operator (sub) who moved it.' })
  transferredBy!: string;

  @Property()
  @Field()
  reason!: string;

  @Property({ type: 'timestamptz' })
  @Field()
  createdAt!: Date;
}
