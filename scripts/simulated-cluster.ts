/**
 * The simulated cluster of `npm start`: the Kubernetes test server (ADR 013) in the platform's process,
 * registered as the environment `simulated` of kind `SIMULATED` through the runtimes API itself
 * (allow-listed kubeconfig, reachability probe, sealing), so a quickstart can launch instances with no
 * cluster at hand. Nothing runs there: its pods and rollouts are scripted.
 */
import { mintToken } from '@addon-platform/platform';
import { startKubernetesTestServer, type KubernetesTestServer } from '@addon-platform/kubernetes-test-server';

export const SIMULATED_ENVIRONMENT = 'simulated';
export const SIMULATED_LABEL = { key: 'simulated', value: 'true' } as const;
/** The `createdBy` of the environment when npm start registers it. */
const SUB = 'npm-start';

export function startSimulatedCluster(): Promise<KubernetesTestServer> {
  return startKubernetesTestServer();
}

export interface SimulatedEnvironment {
  id: string;
  /** `registered` on a fresh data folder; `updated` when an earlier start registered it (new CA and token). */
  action: 'registered' | 'updated';
  /** Whether it is the platform's environment; false when an operator made another environment the platform's. */
  platform: boolean;
  server: string;
}

const FIELDS = 'id name kind platform server labels { key value }';
const FIND = `query ($name: String!) { environments(filter: { name: $name }, first: 1) { edges { node { ${FIELDS} } } } }`;
const REGISTER = `mutation ($input: RegisterEnvironmentInput!) { saved: registerEnvironment(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateEnvironmentInput!) { saved: updateEnvironment(id: $id, input: $input) { ${FIELDS} } }`;

interface EnvironmentNode {
  id: string;
  name: string;
  kind: string;
  platform: boolean;
  server: string | null;
  labels: { key: string; value: string }[];
}

interface GraphQLError {
  message: string;
  extensions?: { code?: string; field?: string; reason?: string };
}

/**
 * Registers the live environment `simulated` with `kubeconfig`, or, when an earlier start registered
 * it, replaces its kubeconfig (the test server's CA and token are new on every start). It becomes the
 * platform's environment unless another live environment is (`CONFLICT` on `platform`: an operator chose
 * a real cluster). It allows every tenant when registered; an operator's later changes to its tenants,
 * namespace pattern and labels are kept, and the `simulated=true` label is put back. An environment of
 * another kind named `simulated` is left alone, with an error.
 */
export async function ensureSimulatedEnvironment({ graphqlUrl, jwtSecret, kubeconfig }: { graphqlUrl: URL | string; jwtSecret: string; kubeconfig: string }): Promise<SimulatedEnvironment> {
  const token = await mintToken(jwtSecret, { sub: SUB, roles: ['operator'] }, { expiresIn: '5m' });
  const post = async <T>(query: string, variables: Record<string, unknown>): Promise<{ data?: T | null; errors?: GraphQLError[] }> => {
    const response = await fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T | null; errors?: GraphQLError[] };
    return body.errors?.length || body.data ? body : { errors: [{ message: `HTTP ${response.status}` }] };
  };
  const fail = (errors: GraphQLError[] = []): never => {
    const [error] = errors;
    const detail = error ? `${error.message} (${[error.extensions?.code, error.extensions?.field, error.extensions?.reason].filter(Boolean).join(', ')})` : 'no answer';
    throw new Error(`the simulated environment could not be registered: ${detail}`);
  };
  const platformTaken = (errors?: GraphQLError[]) => errors?.length === 1 && errors[0]!.extensions?.code === 'CONFLICT' && errors[0]!.extensions.field === 'platform';

  const found = await post<{ environments: { edges: { node: EnvironmentNode }[] } }>(FIND, { name: SIMULATED_ENVIRONMENT });
  if (!found.data) return fail(found.errors);
  const existing = found.data.environments.edges[0]?.node;
  if (existing && existing.kind !== 'SIMULATED') {
    throw new Error(
      `an environment named "${SIMULATED_ENVIRONMENT}" of kind ${existing.kind} exists, and npm start will not replace its kubeconfig: rename it, or set SIMULATED_CLUSTER=false.`,
    );
  }

  const save = (claimPlatform: boolean) => {
    if (existing) {
      const labels = [{ ...SIMULATED_LABEL }, ...existing.labels.filter(({ key }) => key !== SIMULATED_LABEL.key).map(({ key, value }) => ({ key, value }))];
      const input = { kubeconfig, labels, ...(claimPlatform ? { platform: true } : {}) };
      return post<{ saved: EnvironmentNode }>(UPDATE, { id: existing.id, input });
    }
    const input = {
      name: SIMULATED_ENVIRONMENT,
      kind: 'SIMULATED',
      kubeconfig,
      namespacePattern: 'tenant-{tenant}',
      tenants: { all: true },
      labels: [{ ...SIMULATED_LABEL }],
      platform: claimPlatform,
    };
    return post<{ saved: EnvironmentNode }>(REGISTER, { input });
  };
  let result = await save(true);
  if (platformTaken(result.errors)) result = await save(false);
  const saved = result.data?.saved ?? fail(result.errors);
  return { id: saved.id, action: existing ? 'updated' : 'registered', platform: saved.platform, server: saved.server ?? '' };
}
