import { startKubernetesTestServer, type KubernetesTestServer } from '@addon-platform/kubernetes-test-server';
import type { Env } from '@addon-platform/platform';
import { waitFor } from '@addon-platform/platform/testing';
import { postGraphQL, type GraphQLResult } from '../../../../test/helpers/client.js';
import { newAddon, newAddonVersion, newRepo } from '../../../../test/helpers/factories.js';
import { startTestPlatform, type TestPlatform } from '../../../../test/helpers/platform.js';
import type { PlatformOptions } from '../../../../scripts/platform.js';

/**
 * A platform with the Kubernetes test server registered as an environment through the API, and
 * helpers to make launchable versions and follow instances, for the launch tests.
 */
export interface LaunchBed {
  platform: TestPlatform;
  cluster: KubernetesTestServer;
  environmentId: string;
  operator: string;
  gql(query: string, variables: Record<string, unknown>, token?: string): Promise<GraphQLResult>;
  tenantToken(tenant: string, sub?: string): Promise<string>;
  /** An ACTIVE, launchable version of a new addon (or of `addonId`) with its own runtime image. */
  newVersion(options?: { addonId?: string; version?: string; configSchema?: Record<string, unknown>; image?: string }): Promise<{ addonId: string; versionId: string; image: string }>;
  /** Waits until the instance's latest operation reaches a terminal phase; returns the instance. */
  settled(instanceId: string, token: string): Promise<InstanceView>;
  events(instanceId: string): Promise<EventRow[]>;
  stop(): Promise<void>;
}

export interface InstanceView {
  id: string;
  name: string;
  status: string;
  url: string | null;
  namespace: string;
  config: Record<string, unknown>;
  version: { id: string };
  operation: { operation: string; phase: string } | null;
}

export interface EventRow {
  sequence: string;
  operation: string;
  phase: string;
  reason: string | null;
  message: string;
}

export const INSTANCE_FIELDS = 'id name status url namespace config version { id } operation { operation phase }';
const TERMINAL = new Set(['READY', 'STOPPED', 'DELETED', 'FAILED']);
let unique = 0;

export async function startLaunchBed(env: Env = {}, serviceEnv: PlatformOptions['serviceEnv'] = {}): Promise<LaunchBed> {
  // Ten milliseconds per API second: the Deployment's progress deadline (300 s) passes in 3 s, after the unschedulable grace.
  const cluster = await startKubernetesTestServer({ apiSecondMs: 10 });
  const platform = await startTestPlatform({ env: { UNSCHEDULABLE_GRACE_MS: '300', LOG_LEVEL: 'error', ...env }, serviceEnv });
  const operator = await platform.token({ sub: 'op', roles: ['operator'] });
  const gql = (query: string, variables: Record<string, unknown>, token?: string) => postGraphQL(platform.gateway.graphqlUrl, query, { variables, token });
  const registered = await gql(
    `mutation ($input: RegisterEnvironmentInput!) { registerEnvironment(input: $input) { id } }`,
    { input: { name: `launch-${process.pid}-${++unique}`, kind: 'SIMULATED', kubeconfig: cluster.kubeconfig(), namespacePattern: 'tenant-{tenant}', tenants: { all: true }, platform: true } },
    operator,
  );
  if (registered.errors) throw new Error(`could not register the test cluster: ${JSON.stringify(registered.errors)}`);
  const environmentId = registered.data!.registerEnvironment.id as string;
  const { repos, addons } = platform.subgraphs;
  const repo = await newRepo(repos);

  const bed: LaunchBed = {
    platform,
    cluster,
    environmentId,
    operator,
    gql,
    tenantToken: (tenant, sub = `${tenant}-user`) => platform.token({ sub, tenant, roles: ['tenant'] }),
    async newVersion({ addonId, version = '1.0.0', configSchema, image } = {}) {
      const addon = addonId ?? (await newAddon(addons, { repoId: repo.id, name: `addon-${++unique}` })).id;
      const runtimeImage = image ?? `registry.example.com/runtime-${++unique}:${version}`;
      const row = await newAddonVersion(addons, {
        addonId: addon,
        version,
        runtimeImage,
        configSchema: configSchema ?? null,
        configSchemaValidated: configSchema !== undefined,
        launchable: true,
        notLaunchableReason: null,
      });
      return { addonId: addon, versionId: row.id, image: runtimeImage };
    },
    async settled(instanceId, token) {
      const read = async () => (await gql(`query ($id: ID!) { runtimeInstance(id: $id) { ${INSTANCE_FIELDS} } }`, { id: instanceId }, token)).data?.runtimeInstance as InstanceView | undefined;
      await waitFor(async () => {
        const instance = await read();
        return instance?.operation && TERMINAL.has(instance.operation.phase);
      }, { timeoutMs: 20_000, description: `instance ${instanceId} to settle` });
      // The instance and its operation are read by two statements; once settled, both hold still.
      return (await read())!;
    },
    async events(instanceId) {
      return platform.subgraphs.runtimes.orm.em.getConnection().execute<EventRow[]>(
        'select e.sequence::text as sequence, e.operation, e.phase, e.reason, e.message from runtimes.launch_event e where e.instance_id = ? order by e.sequence',
        [instanceId],
      );
    },
    async stop() {
      await platform.stop();
      await cluster.stop();
    },
  };
  return bed;
}
