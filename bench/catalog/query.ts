import type { BenchQuery } from '../gateway/queries.js';
import type { CatalogFacts } from './seed.js';

export const PAGE_SIZE = 20;

/** The query: a tenant's catalog search, first page, with each addon's newest release. */
export function createCatalogSearchQuery(facts: CatalogFacts): BenchQuery {
  const query = `query CatalogSearch {
    addons(filter: { search: "grafana" }, first: ${PAGE_SIZE}) { totalCount edges { node { name latestVersion { version } } } }
  }`;
  return {
    name: `addons(filter: {search: "grafana"}, first: ${PAGE_SIZE}) { totalCount edges { node { name latestVersion { version } } } }`,
    body: JSON.stringify({ query }),
    checkData(data) {
      const list = data?.addons;
      ensure(list?.totalCount === facts.grafanaAddonsVisible, `totalCount ${list?.totalCount}, expected ${facts.grafanaAddonsVisible}`);
      const names = list.edges.map(({ node }: any) => node.name);
      ensure(JSON.stringify(names) === JSON.stringify(facts.grafanaFirstNames), `first page ${names.join(', ')}, expected ${facts.grafanaFirstNames.join(', ')}`);
      const latest = list.edges.map(({ node }: any) => node.latestVersion?.version as string | undefined);
      ensure(latest.some((version: string | undefined) => version !== undefined), 'no addon of the page has a latestVersion');
      ensure(latest.every((version: string | undefined) => version === undefined || !version.includes('-')), `a prerelease as latestVersion: ${latest.join(', ')}`);
    },
  };
}

function ensure(condition: boolean, problem: string): asserts condition {
  if (!condition) throw new Error(`unexpected data: ${problem}`);
}
