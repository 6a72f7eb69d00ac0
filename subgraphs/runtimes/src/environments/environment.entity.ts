import { ArrayType, Entity, Enum, PrimaryKey, Property } from '@mikro-orm/core';
import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum EnvironmentKind {
  KUBERNETES = 'KUBERNETES',
  SIMULATED = 'SIMULATED',
}
registerEnumType(EnvironmentKind, {
  name: 'EnvironmentKind',
  valuesConfig: {
    KUBERNETES: { description: 'A real Kubernetes cluster.' },
    SIMULATED: {
      description:
        "Simulated: the platform's Kubernetes-API-compatible test server, for demos and tests. Instances launched here run nothing; their pods and rollouts are scripted.",
    },
  },
});

/** A `key=value` label, in the order the operator gave. */
@ObjectType('EnvironmentLabel', { description: 'A key=value label of an environment.' })
export class EnvironmentLabel {
  @Field()
  key!: string;

  @Field()
  value!: string;
}

@Entity({ tableName: 'environment' })
@ObjectType({ description: 'Where runtime instances run: a Kubernetes cluster (or a simulated one) registered by an operator.' })
@Directive('@key(fields: "id")')
export class Environment {
  @PrimaryKey({ type: 'uuid' })
  @Field(() => ID)
  id!: string;

  @Property()
  @Field({ description: 'Unique among live environments; lowercase letters, digits and dashes.' })
  name!: string;

  @Enum({ items: () => EnvironmentKind })
  @Field(() => EnvironmentKind)
  kind!: EnvironmentKind;

  @Property()
  @Field({ description: 'Whether the platform reaches the cluster with the credentials of the pod it runs in, rather than a kubeconfig.' })
  inCluster!: boolean;

  /** The kubeconfig (canonical JSON), sealed under `environment:<id>`; never leaves this subgraph open. */
  @Property({ type: 'text', nullable: true, fieldName: 'credential_sealed' })
  credentialSealed!: string | null;

  /** The API server the kubeconfig names; shown to operators only. */
  @Property({ type: 'text', nullable: true })
  server!: string | null;

  @Property()
  @Field({ description: 'The namespace of each tenant: `{tenant}` stands for the tenant id as a DNS label (ADR 014).' })
  namespacePattern!: string;

  @Property()
  tenantsAll!: boolean;

  @Property({ type: ArrayType })
  tenants!: string[];

  @Property({ type: 'json' })
  @Field(() => [EnvironmentLabel], { description: 'In the order given.' })
  labels!: EnvironmentLabel[];

  @Property()
  @Field({ name: 'platform', description: "Whether this is the platform's own environment, where config services run; at most one is." })
  isPlatform!: boolean;

  @Property()
  createdBy!: string;

  @Property({ type: 'timestamptz' })
  @Field()
  createdAt!: Date;

  @Property({ type: 'timestamptz' })
  @Field()
  updatedAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;
}
