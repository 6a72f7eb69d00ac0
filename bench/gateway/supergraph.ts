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

/**
 * Composes the supergraph from the subgraphs' code, as `npm run schema` does, but with the URLs the
 * bench's subgraphs listen on, so both gateways read one file and neither needs URL overrides.
 */
export async function composeSupergraph(urls: SubgraphUrls): Promise<string> {
  const subgraphs = [
    { name: 'repos', build: buildReposSchema, url: urls.repos },
    { name: 'addons', build: buildAddonsSchema, url: urls.addons },
    { name: 'runtimes', build: buildRuntimesSchema, url: urls.runtimes },
  ];
  const services = [];
  for (const { name, build, url } of subgraphs) services.push({ name, url, typeDefs: parse(printSubgraphSchema(await build())) });
  const composition = composeServices(services);
  if (composition.errors) throw new Error(`Composition failed:\n${composition.errors.map((error) => `  - ${error.message}`).join('\n')}`);
  return composition.supergraphSdl;
}
