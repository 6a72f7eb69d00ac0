import { Field, InputType } from 'type-graphql';
import { EnvironmentKind } from '../environments/environment.entity.js';

@InputType({ description: 'A key=value label; the value may not be empty.' })
export class EnvironmentLabelInput {
  @Field()
  key!: string;

  @Field()
  value!: string;
}

@InputType({ description: 'The tenants that may launch in an environment: {all: true}, or {list: [...]} (an empty list: none). Exactly one of the two.' })
export class EnvironmentTenantsInput {
  @Field(() => Boolean, { nullable: true })
  all?: boolean | null;

  @Field(() => [String], { nullable: true })
  list?: string[] | null;
}

@InputType({
  description:
    'A new environment (operators). Give a kubeconfig or inCluster: true. The API server is called (GET /version) before anything is saved.',
})
export class RegisterEnvironmentInput {
  @Field()
  name!: string;

  @Field(() => EnvironmentKind)
  kind!: EnvironmentKind;

  @Field(() => String, {
    nullable: true,
    description:
      'Write-only: a kubeconfig (YAML) with exactly one context, whose user has a token, client-certificate-data and client-key-data, or an exec plugin the deployment allows. Inline data only: file paths are refused. Stored encrypted, never returned.',
  })
  kubeconfig?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Use the credentials of the pod the platform runs in.' })
  inCluster?: boolean | null;

  @Field({ description: 'Lowercase letters, digits and dashes around one {tenant}, e.g. tenant-{tenant}.' })
  namespacePattern!: string;

  @Field(() => EnvironmentTenantsInput)
  tenants!: EnvironmentTenantsInput;

  @Field(() => [EnvironmentLabelInput], { nullable: true })
  labels?: EnvironmentLabelInput[] | null;

  @Field(() => Boolean, { nullable: true, description: "Make this the platform's environment, where config services run; at most one is. Default false." })
  platform?: boolean | null;
}

@InputType({ description: 'Changes to an environment (operators); absent fields stay as they are. New credentials are probed before they are saved.' })
export class UpdateEnvironmentInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'Write-only; replaces the stored kubeconfig.' })
  kubeconfig?: string | null;

  @Field(() => Boolean, { nullable: true })
  inCluster?: boolean | null;

  @Field(() => String, { nullable: true })
  namespacePattern?: string | null;

  @Field(() => EnvironmentTenantsInput, { nullable: true })
  tenants?: EnvironmentTenantsInput | null;

  @Field(() => [EnvironmentLabelInput], { nullable: true, description: 'Replaces the labels, in the order given.' })
  labels?: EnvironmentLabelInput[] | null;

  @Field(() => Boolean, { nullable: true })
  platform?: boolean | null;
}

@InputType({ description: 'Environments matching every given condition.' })
export class EnvironmentFilterInput {
  @Field(() => EnvironmentKind, { nullable: true })
  kind?: EnvironmentKind | null;

  @Field(() => String, { nullable: true, description: 'The exact name.' })
  name?: string | null;

  @Field(() => EnvironmentLabelInput, { nullable: true, description: 'Environments carrying this exact label.' })
  label?: EnvironmentLabelInput | null;
}
