import { isDeepStrictEqual } from 'node:util';
import { signSubgraphRequest } from '@addon-platform/platform';
import type { BenchQuery } from './queries.js';
import type { ServerProcess } from './servers.js';

/** One line of the report: a query sent to one server. */
export interface BenchCase {
  id: 'a-direct' | 'a-ours' | 'a-hive' | 'b-ours' | 'b-hive';
  label: string;
  query: BenchQuery;
  url: URL;
  /** The gateway answering; none when the subgraph is called directly. */
  gateway?: ServerProcess;
  /** Headers for a run starting now: a direct request carries a fresh gateway signature. */
  headers(): Record<string, string>;
}

type CaseName = Pick<BenchCase, 'id' | 'label' | 'query'>;

/** Straight to a subgraph, signed as our gateway signs: the baseline without a gateway. */
export function directCase(name: CaseName, subgraph: ServerProcess, auth: { authorization: string; gatewaySecret: string }): BenchCase {
  const { authorization, gatewaySecret } = auth;
  const path = subgraph.graphqlUrl.pathname + subgraph.graphqlUrl.search;
  return {
    ...name,
    url: subgraph.graphqlUrl,
    headers: () => ({
      'content-type': 'application/json',
      authorization,
      ...signSubgraphRequest(gatewaySecret, { method: 'POST', path, body: name.query.body, authorization }),
    }),
  };
}

/** Through a gateway, as a client sends it. */
export function gatewayCase(name: CaseName, gateway: ServerProcess, authorization: string): BenchCase {
  return { ...name, url: gateway.graphqlUrl, gateway, headers: () => ({ 'content-type': 'application/json', authorization }) };
}

/**
 * Sends each case's request twice before anything is measured and returns the body each case
 * answers: a 200 without errors, holding the seeded data, the same data for every case of one query,
 * and the same bytes both times (the load generator then counts any other body as a mismatch).
 */
export async function verifyCases(cases: BenchCase[]): Promise<Map<BenchCase['id'], string>> {
  const bodies = new Map<BenchCase['id'], string>();
  const dataByQuery = new Map<BenchQuery, { id: string; data: unknown }>();
  for (const benchCase of cases) {
    const [first, second] = [await send(benchCase), await send(benchCase)];
    const problem = (text: string) => new Error(`${benchCase.label}: ${text}; nothing was measured`);
    if (first.status !== 200) throw problem(`HTTP ${first.status}: ${first.text.slice(0, 500)}`);
    const { data, errors } = JSON.parse(first.text) as { data?: unknown; errors?: unknown[] };
    if (errors?.length) throw problem(`errors in the response: ${JSON.stringify(errors).slice(0, 500)}`);
    try {
      benchCase.query.checkData(data);
    } catch (error) {
      throw problem((error as Error).message);
    }
    if (second.text !== first.text) throw problem('two identical requests got different bodies');
    const reference = dataByQuery.get(benchCase.query);
    if (reference && !isDeepStrictEqual(reference.data, data)) throw problem(`its data differs from that of ${reference.id}`);
    dataByQuery.set(benchCase.query, reference ?? { id: benchCase.id, data });
    bodies.set(benchCase.id, first.text);
  }
  return bodies;
}

async function send(benchCase: BenchCase): Promise<{ status: number; text: string }> {
  const response = await fetch(benchCase.url, { method: 'POST', headers: benchCase.headers(), body: benchCase.query.body });
  return { status: response.status, text: await response.text() };
}
