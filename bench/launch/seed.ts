import { randomUUID } from 'node:crypto';
import { readConfig as readAddonsConfig, startAddonsSubgraph } from '@addon-platform/addons';
import type { Env, RunningSubgraph } from '@addon-platform/platform';
import { withClient } from '@addon-platform/platform/testing';
import { readConfig as readReposConfig, startReposSubgraph } from '@addon-platform/repos';
import { readConfig as readRuntimesConfig, startRuntimesSubgraph } from '@addon-platform/runtimes';
import { newAddon, newAddonVersion, newEnvironment, newRepo } from '../../test/helpers/factories.js';

export interface Seeded {
  /** The ACTIVE, launchable version every launch runs (a public repo's, so every tenant sees it). */
  versionId: string;
  /** The delivery part's instances in order, each with a LAUNCH operation under way and no event yet. */
  deliveryInstances: { id: string; tenant: string; operationId: string }[];
}

/**
 * Applies every subgraph's migrations (repos publishes the views the runtimes subgraph reads) and
 * writes the catalog's rows through the test factories, from subgraphs started in this process for the
 * purpose and stopped before anything is measured. The delivery instances name an environment that reaches no
 * cluster: no job ever acts on them, only the bench's injector writes their events.
 */
export async function seed(env: Env, deliveryInstances: number, tenantOf: (index: number) => string): Promise<Seeded> {
  const started: RunningSubgraph[] = [];
  try {
    const track = (subgraph: RunningSubgraph) => (started.push(subgraph), subgraph);
    const repos = track(await startReposSubgraph(readReposConfig(env)));
    const addons = track(await startAddonsSubgraph(readAddonsConfig(env)));
    const runtimes = track(await startRuntimesSubgraph(readRuntimesConfig(env)));

    const repo = await newRepo(repos, { name: 'bench-launch' });
    const addon = await newAddon(addons, { repoId: repo.id, name: 'bench-runtime' });
    const version = await newAddonVersion(addons, {
      addonId: addon.id,
      version: '1.0.0',
      runtimeImage: 'registry.example.com/bench-runtime:1.0.0',
      launchable: true,
      notLaunchableReason: null,
    });

    const environment = await newEnvironment(runtimes, { name: 'bench-no-cluster' });
    const deliveryIds = Array.from({ length: deliveryInstances }, () => randomUUID());
    // One statement for all of them: tens of thousands of ORM flushes would take minutes. The rows are
    // those `newRuntimeInstance` writes, each with a LAUNCH operation under way.
    const operations = await withClient(env.DATABASE_URL!, async (client) => {
      await client.query(
        `insert into runtimes.runtime_instance (id, tenant, name, kind, status, addon_id, version_id, environment_id, namespace, object_name, created_by)
         select r.id, r.tenant, 'follow-' || (r.n - 1), 'TENANT', 'DEPLOYING', $3, $4, $5, 'tenant-' || r.tenant, 'rt-follow-' || (r.n - 1) || '-' || left(r.id::text, 8), 'tenant-user'
         from unnest($1::uuid[], $2::text[]) with ordinality as r(id, tenant, n)`,
        [deliveryIds, deliveryIds.map((_, index) => tenantOf(index)), addon.id, version.id, environment.id],
      );
      const inserted = await client.query<{ id: string; instance_id: string }>(
        `insert into runtimes.runtime_operation (id, instance_id, operation, phase, version_id, config, requested_by)
         select gen_random_uuid(), i.id, 'LAUNCH', 'QUEUED', i.version_id, '{}', 'bench' from runtimes.runtime_instance i where i.id = any($1::uuid[])
         returning id, instance_id`,
        [deliveryIds],
      );
      await client.query('update runtimes.runtime_instance i set operation_id = o.id from runtimes.runtime_operation o where o.instance_id = i.id and i.id = any($1::uuid[])', [deliveryIds]);
      await client.query('vacuum analyze');
      return new Map(inserted.rows.map((row) => [row.instance_id, row.id]));
    });
    return { versionId: version.id, deliveryInstances: deliveryIds.map((id, index) => ({ id, tenant: tenantOf(index), operationId: operations.get(id)! })) };
  } finally {
    for (const subgraph of started.reverse()) await subgraph.stop();
  }
}
