import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { buildAddonsSchema } from '@addon-platform/addons';
import { buildReposSchema } from '@addon-platform/repos';
import { buildRuntimesSchema } from '@addon-platform/runtimes';

export interface SubgraphUrls {
  repos: string;
  addons: string;
  runtimes: string;
}

/** The URLs `npm start` uses; the committed supergraph names them, and deployments override them per subgraph. */
export const LOCAL_SUBGRAPH_URLS: SubgraphUrls = {
  repos: 'http://127.0.0.1:4001/graphql',
  addons: 'http://127.0.0.1:4002/graphql',
  runtimes: 'http://127.0.0.1:4003/graphql',
};

const SUBGRAPHS = [
  { name: 'repos', build: buildReposSchema },
  { name: 'addons', build: buildAddonsSchema },
  { name: 'runtimes', build: buildRuntimesSchema },
] as const;

export interface Composition {
  /** Each subgraph's printed SDL, by subgraph name. */
  subgraphs: Map<string, string>;
  supergraphSdl: string;
}

/** Prints each subgraph's SDL from its code and composes the supergraph with `urls`; throws on composition errors. */
export async function composeSupergraph(urls: SubgraphUrls): Promise<Composition> {
  const subgraphs = new Map<string, string>();
  for (const { name, build } of SUBGRAPHS) subgraphs.set(name, printSubgraphSchema(await build()));
  const composition = composeServices(SUBGRAPHS.map(({ name }) => ({ name, url: urls[name], typeDefs: parse(subgraphs.get(name)!) })));
  if (composition.errors) throw new Error(`Composition failed:\n${composition.errors.map((error) => `  - ${error.message}`).join('\n')}`);
  return { subgraphs, supergraphSdl: composition.supergraphSdl };
}
