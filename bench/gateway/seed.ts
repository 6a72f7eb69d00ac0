import { readConfig as readAddonsConfig, startAddonsSubgraph } from '@addon-platform/addons';
import type { Env, RunningSubgraph } from '@addon-platform/platform';
import { withClient } from '@addon-platform/platform/testing';
import { readConfig as readReposConfig, startReposSubgraph } from '@addon-platform/repos';
import { readConfig as readRuntimesConfig, startRuntimesSubgraph } from '@addon-platform/runtimes';
import { newAddon, newRepo, newRuntimeInstance } from '../../test/helpers/factories.js';

/** The data every case reads: one public repo, its addons, and the tenant's instances of each. */
export const SEED = { tenant: 'acme', repoName: 'bench-charts', addons: 20, instancesPerAddon: 5 } as const;

export interface SeededData {
  repoId: string;
}

/**
 * Applies the migrations and writes the rows through each subgraph's own ORM, with the test
 * factories, from subgraphs started in this process for the purpose and stopped before the servers
 * under test start. Every row gets a distinct `createdAt`, so "newest first" lists have one order
 * and every response of a case is byte-identical (the load generator checks that).
 */
export async function seedBenchData(env: Env): Promise<SeededData> {
  const started: RunningSubgraph[] = [];
  try {
    const track = (subgraph: RunningSubgraph) => (started.push(subgraph), subgraph);
    // One at a time, repos first: its migration publishes the views the others read.
    const repos = track(await startReposSubgraph(readReposConfig(env)));
    const addons = track(await startAddonsSubgraph(readAddonsConfig(env)));
    const runtimes = track(await startRuntimesSubgraph(readRuntimesConfig(env)));

    const baseMs = Date.UTC(2026, 0, 1);
    const at = (index: number) => new Date(baseMs + index * 1000);
    const repo = await newRepo(repos, { name: SEED.repoName });
    for (let a = 0; a < SEED.addons; a++) {
      const name = `addon-${String(a).padStart(2, '0')}`;
      const addon = await newAddon(addons, { repoId: repo.id, name, createdAt: at(a), updatedAt: at(a) });
      for (let i = 0; i < SEED.instancesPerAddon; i++) {
        const index = a * SEED.instancesPerAddon + i;
        await newRuntimeInstance(runtimes, { addonId: addon.id, tenant: SEED.tenant, name: `${name}-${i}`, createdAt: at(index), updatedAt: at(index) });
      }
    }
    // Fresh statistics, so that no case runs before autovacuum's analyze and another after it.
    await withClient(env.DATABASE_URL!, (client) => client.query('vacuum analyze'));
    return { repoId: repo.id };
  } finally {
    for (const subgraph of started.reverse()) await subgraph.stop();
  }
}
