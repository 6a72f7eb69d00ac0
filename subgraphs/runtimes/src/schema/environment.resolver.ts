import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { PageArgs, createConnectionType, isOperator, readPageArgs, type ResolverRoot } from '@addon-platform/platform';
import { Environment } from '../environments/environment.entity.js';
import { toNamespace } from '../environments/namespace-pattern.js';
import type { RuntimesContext } from './context.js';
import { EnvironmentFilterInput, RegisterEnvironmentInput, UpdateEnvironmentInput } from './environment.input.js';
import { EnvironmentTenants } from './environment.type.js';

export const EnvironmentConnection = createConnectionType('Environment', Environment);

@Resolver(() => Environment)
export class EnvironmentResolver {
  @Query(() => EnvironmentConnection, { description: "Environments: operators see all; tenants those they may launch in. By name." })
  environments(
    @Arg('filter', () => EnvironmentFilterInput, { nullable: true }) filter: EnvironmentFilterInput | null,
    @Args() page: PageArgs,
    @Ctx() { viewer, environments }: RuntimesContext,
  ) {
    return environments.listEnvironments(viewer, filter ?? {}, readPageArgs(page));
  }

  @Query(() => Environment, { nullable: true, description: 'An environment by id; NOT_FOUND when absent or not yours to use.' })
  environment(@Arg('id', () => ID) id: string, @Ctx() { viewer, environments }: RuntimesContext) {
    return environments.getEnvironment(viewer, id);
  }

  @Mutation(() => Environment, { description: 'Registers an environment (operators) once its API server answers with the credentials given.' })
  registerEnvironment(@Arg('input') input: RegisterEnvironmentInput, @Ctx() { viewer, environments }: RuntimesContext) {
    return environments.registerEnvironment(viewer, input);
  }

  @Mutation(() => Environment, { description: 'Changes an environment (operators).' })
  updateEnvironment(@Arg('id', () => ID) id: string, @Arg('input') input: UpdateEnvironmentInput, @Ctx() { viewer, environments }: RuntimesContext) {
    return environments.updateEnvironment(viewer, id, input);
  }

  @Mutation(() => ID, { description: 'Deletes an environment (operators); its row stays for history and its name is free again. Returns its id.' })
  deleteEnvironment(@Arg('id', () => ID) id: string, @Ctx() { viewer, environments }: RuntimesContext) {
    return environments.deleteEnvironment(viewer, id);
  }

  @FieldResolver(() => Boolean, { description: 'Whether a kubeconfig is stored. The kubeconfig itself is write-only.' })
  hasCredential(@Root() environment: ResolverRoot<Environment>): boolean {
    return environment.credentialSealed !== null;
  }

  @FieldResolver(() => String, { nullable: true, description: "The API server's URL; operators only (null for others and in-cluster environments)." })
  server(@Root() environment: ResolverRoot<Environment>, @Ctx() { viewer }: RuntimesContext): string | null {
    return isOperator(viewer) ? environment.server : null;
  }

  @FieldResolver(() => EnvironmentTenants, { nullable: true, description: 'The tenants allowed; operators only (null for others).' })
  tenants(@Root() environment: ResolverRoot<Environment>, @Ctx() { viewer }: RuntimesContext): EnvironmentTenants | null {
    return isOperator(viewer) ? { all: environment.tenantsAll, list: environment.tenants } : null;
  }

  @FieldResolver(() => String, { nullable: true, description: 'The sub of the operator who registered it; operators only.' })
  createdBy(@Root() environment: ResolverRoot<Environment>, @Ctx() { viewer }: RuntimesContext): string | null {
    return isOperator(viewer) ? environment.createdBy : null;
  }

  @FieldResolver(() => String, { nullable: true, description: "The namespace the viewer's tenant launches into here; null without a tenant." })
  namespace(@Root() environment: ResolverRoot<Environment>, @Ctx() { viewer }: RuntimesContext): string | null {
    return viewer.tenant ? toNamespace(environment.namespacePattern, viewer.tenant) : null;
  }
}

export function resolveEnvironmentReference(reference: { id: string }, { environmentLoader }: RuntimesContext) {
  return environmentLoader.load(reference.id);
}
