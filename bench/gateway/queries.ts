import { SEED } from './seed.js';

/** A query of the bench: the request body it sends and a check that a response holds the seeded data. */
export interface BenchQuery {
  name: string;
  body: string;
  /** Throws, saying what differs, when `data` is not what the seed should give. */
  checkData(data: any): void;
}

/** (a) Owned by one subgraph: runtimes answers it whole, so the gateway only relays one fetch. */
export function createSingleSubgraphQuery(): BenchQuery {
  const query = `query RuntimeInstanceList {
    runtimeInstances(first: 20) { totalCount edges { cursor node { id name tenant kind status createdAt } } }
  }`;
  return {
    name: 'runtimeInstances(first: 20)',
    body: JSON.stringify({ query }),
    checkData(data) {
      const list = data?.runtimeInstances;
      const total = SEED.addons * SEED.instancesPerAddon;
      ensure(list?.totalCount === total, `totalCount ${list?.totalCount}, expected ${total}`);
      ensure(list.edges.length === 20, `${list.edges.length} edges, expected 20`);
      ensure(
        list.edges.every(({ node }: any) => node.tenant === SEED.tenant && node.status === 'RUNNING'),
        `an instance not of tenant ${SEED.tenant} or not RUNNING`,
      );
    },
  };
}

/**
 * (b) Across all three subgraphs: repos → addons (Repo.addons) → runtimes (Addon.runtimes) → addons
 * (RuntimeInstance.addon's name and repo) → repos (the repo's name), a chain of five fetches.
 */
export function createFederatedQuery(repoId: string): BenchQuery {
  const query = `query RepoCatalog($id: ID!) {
    repo(id: $id) {
      name
      addons(first: 20) {
        totalCount
        edges { node { name runtimes(first: 10) { totalCount edges { node { name tenant status addon { name repo { name } } } } } } }
      }
    }
  }`;
  return {
    name: 'repo → addons → runtimes → addon → repo',
    body: JSON.stringify({ query, variables: { id: repoId } }),
    checkData(data) {
      const repo = data?.repo;
      ensure(repo?.name === SEED.repoName, `repo name ${repo?.name}, expected ${SEED.repoName}`);
      ensure(repo.addons.totalCount === SEED.addons && repo.addons.edges.length === SEED.addons, `addons ${repo.addons.totalCount}, expected ${SEED.addons}`);
      for (const { node: addon } of repo.addons.edges) {
        const runtimes = addon.runtimes;
        ensure(runtimes.totalCount === SEED.instancesPerAddon && runtimes.edges.length === SEED.instancesPerAddon, `${addon.name}: ${runtimes.totalCount} runtimes`);
        for (const { node } of runtimes.edges) {
          ensure(node.tenant === SEED.tenant && node.name.startsWith(`${addon.name}-`), `${addon.name}: a foreign instance ${node.name}`);
          ensure(node.addon.name === addon.name && node.addon.repo.name === SEED.repoName, `${node.name}: addon ${node.addon.name} of ${node.addon.repo.name}`);
        }
      }
    },
  };
}

function ensure(condition: boolean, problem: string): asserts condition {
  if (!condition) throw new Error(`unexpected data: ${problem}`);
}
