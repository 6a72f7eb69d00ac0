import { composeServices } from '@apollo/composition';
import type { RunningGateway } from '@addon-platform/gateway';
import { closeServer, listen, mintToken } from '@addon-platform/platform';
import { waitFor } from '@addon-platform/platform/testing';
import { parse } from 'graphql';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codesOf, postGraphQL } from './helpers/client.js';
import { startExtraGateway as startGatewayFor, startTestPlatform, type TestPlatform } from './helpers/platform.js';

let platform: TestPlatform;
const extraGateways: RunningGateway[] = [];
beforeAll(async () => {
  platform = await startTestPlatform({ env: { MAX_QUERY_DEPTH: '8', MAX_QUERY_COST: '500', MAX_BODY_BYTES: '4096' } });
});
afterAll(async () => {
  for (const gateway of extraGateways) await gateway.stop();
  await platform?.stop();
});

/** Another gateway in front of the same subgraphs, with its own settings; stopped after the tests. */
async function startExtraGateway(env: Record<string, string>) {
  const gateway = await startGatewayFor(platform, env);
  extraGateways.push(gateway);
  return gateway;
}

describe('gateway limits', () => {
  it('refuses a body over the size limit with PAYLOAD_TOO_LARGE', async () => {
    const result = await postGraphQL(platform.gateway.graphqlUrl, `{ repos { totalCount } } # ${'x'.repeat(5000)}`);
    expect(result.status).toBe(413);
    expect(codesOf(result)).toEqual(['PAYLOAD_TOO_LARGE']);
  });

  it('refuses an operation nested deeper than the limit, naming depth and limit', async () => {
    const deep = '{ repos { edges { node { addons { edges { node { runtimes { edges { node { name } } } } } } } } } }';
    const result = await postGraphQL(platform.gateway.graphqlUrl, deep);
    expect(result.status).toBe(400);
    expect(codesOf(result)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(result.errors?.[0]?.extensions).toMatchObject({ depth: 10, maxDepth: 8 });
  });

  it('counts fragments when measuring depth', async () => {
    const viaFragments = `
      query { repos { ...R } }
      fragment R on RepoConnection { edges { node { addons { ...A } } } }
      fragment A on AddonConnection { edges { node { runtimes { edges { node { name } } } } } }`;
    expect(codesOf(await postGraphQL(platform.gateway.graphqlUrl, viaFragments))).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('refuses an operation whose fan-out exceeds the cost ceiling, reading page sizes from variables', async () => {
    const wide = 'query ($n: Int) { repos(first: $n) { edges { node { addons(first: $n) { totalCount } } } } }';
    const tooWide = await postGraphQL(platform.gateway.graphqlUrl, wide, { variables: { n: 100 } });
    expect(codesOf(tooWide)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(tooWide.errors?.[0]?.extensions).toMatchObject({ maxCost: 500 });
    const narrow = await postGraphQL(platform.gateway.graphqlUrl, wide, { variables: { n: 5 } });
    expect(narrow.errors).toBeUndefined();
  });

  it('refuses batched requests', async () => {
    const response = await fetch(platform.gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ repos { totalCount } }' }, { query: '{ repos { totalCount } }' }]),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/batch/i);
  });

  it('refuses a GET query without a preflight header (CSRF prevention)', async () => {
    const url = new URL(platform.gateway.graphqlUrl);
    url.searchParams.set('query', '{ repos { totalCount } }');
    const blocked = await fetch(url);
    expect(blocked.status).toBe(400);
    expect(await blocked.text()).toMatch(/CSRF/);
    const allowed = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    expect(allowed.status).toBe(200);
  });

  it('answers introspection in development and refuses it in production mode', async () => {
    const introspect = '{ __schema { queryType { name } } }';
    expect((await postGraphQL(platform.gateway.graphqlUrl, introspect)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const production = await startExtraGateway({ NODE_ENV: 'production' });
    const refused = await postGraphQL(production.graphqlUrl, introspect);
    expect(codesOf(refused)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(refused.errors?.[0]?.message).toMatch(/introspection/i);
  });
});

describe('subgraphs behind the gateway', () => {
  it('refuses an unsigned request sent straight to a subgraph', async () => {
    for (const subgraph of Object.values(platform.subgraphs)) {
      const result = await postGraphQL(subgraph.graphqlUrl, '{ __typename }');
      expect(result.status).toBe(401);
      expect(codesOf(result)).toEqual(['UNAUTHENTICATED']);
      expect(result.errors?.[0]?.message).toMatch(/signed by the gateway/);
    }
  });

  it('refuses a request signed with another secret', async () => {
    const impostor = await startExtraGateway({ GATEWAY_SECRET: 'f'.repeat(64) });
    const result = await postGraphQL(impostor.graphqlUrl, '{ repos { totalCount } }');
    expect(codesOf(result)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(JSON.stringify(result)).not.toMatch(/127\.0\.0\.1|signature/);
    expect(result.data).toBeNull();
  });

  it('checks the forwarded user token again', async () => {
    // A gateway that trusts another JWT secret forwards a token the subgraphs do not accept.
    const lax = await startExtraGateway({ JWT_SECRET: 'e'.repeat(64) });
    const token = await mintToken('e'.repeat(64), { sub: 'mallory', roles: ['operator'] });
    const result = await postGraphQL(lax.graphqlUrl, '{ repos { totalCount } }', { token });
    expect(result.data).toBeNull();
    expect(codesOf(result)).toEqual(['UPSTREAM_UNAVAILABLE']);
  });
});

describe('a subgraph that stops answering', () => {
  // Loopback servers that accept a GraphQL request and then go silent: one before the headers, one
  // after the headers and part of the body.
  const stalled: Server[] = [];
  const listenStalled = async (handler: (res: ServerResponse) => void) => {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => handler(res));
    });
    stalled.push(server);
    return new URL('/graphql', await listen(server, '127.0.0.1', 0)).href;
  };
  afterAll(async () => {
    for (const server of stalled) await closeServer(server, 0);
  });

  it.each([
    ['before its response headers', () => {}],
    ['in the middle of its response body', (res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data":{"repos":');
    }],
  ])('fails the request after SUBGRAPH_TIMEOUT_MS when it goes silent %s, naming no internals', async (_when, handler) => {
    const url = await listenStalled(handler);
    const gateway = await startExtraGateway({ SUBGRAPH_URL_REPOS: url, SUBGRAPH_TIMEOUT_MS: '300' });
    const started = performance.now();
    const result = await postGraphQL(gateway.graphqlUrl, '{ repos { totalCount } }');
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(result.data).toBeNull();
    expect(codesOf(result)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(JSON.stringify(result)).not.toMatch(/127\.0\.0\.1|timeout|abort/i);
  });

  it('answers UPSTREAM_UNAVAILABLE when a subgraph refuses the connection', async () => {
    const gateway = await startExtraGateway({ SUBGRAPH_URL_REPOS: 'http://127.0.0.1:9/graphql' });
    const result = await postGraphQL(gateway.graphqlUrl, '{ repos { totalCount } }');
    expect(result.data).toBeNull();
    expect(codesOf(result)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(JSON.stringify(result)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
  });
});

describe('health, readiness and metrics', () => {
  it('reports health and readiness on the gateway and every subgraph', async () => {
    for (const service of [platform.gateway, ...Object.values(platform.subgraphs)]) {
      expect((await fetch(new URL('/healthz', service.url))).status).toBe(200);
      expect(await (await fetch(new URL('/readyz', service.url))).json()).toEqual({ status: 'ready' });
    }
  });

  it('reports the gateway not ready when a subgraph is unreachable', async () => {
    const orphan = await startExtraGateway({ SUBGRAPH_URL_RUNTIMES: 'http://127.0.0.1:9/graphql' });
    const response = await fetch(new URL('/readyz', orphan.url));
    expect(response.status).toBe(503);
  });

  it('exposes Prometheus metrics counting operations', async () => {
    await postGraphQL(platform.gateway.graphqlUrl, '{ repos { totalCount } }');
    const text = await (await fetch(new URL('/metrics', platform.gateway.url))).text();
    expect(text).toMatch(/graphql_operations_total\{operation="query",outcome="ok",service="gateway"\} \d+/);
    expect(text).toMatch(/http_request_duration_seconds_bucket/);
    // Requests to /graphql are labelled as such, not lumped into "other" (the router rewrites the path).
    expect(text).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/graphql"[^}]*\} [1-9]/);
  });
});

describe('supergraph reload', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'supergraph-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function compose(names: string[]) {
    const services = await Promise.all(
      names.map(async (name) => ({ name, url: `http://127.0.0.1:1/${name}`, typeDefs: parse(await readFile(`schema/${name}.graphql`, 'utf8')) })),
    );
    const { supergraphSdl, errors } = composeServices(services);
    expect(errors).toBeUndefined();
    return supergraphSdl!;
  }

  it('serves a changed supergraph file without a restart, and keeps the old one when the new is broken', async () => {
    const path = join(dir, 'supergraph.graphql');
    await writeFile(path, await compose(['repos', 'addons']));
    const gateway = await startExtraGateway({ SUPERGRAPH_PATH: path });
    const query = '{ runtimeInstances { totalCount } }';
    expect(codesOf(await postGraphQL(gateway.graphqlUrl, query))).toEqual(['GRAPHQL_VALIDATION_FAILED']);

    await writeFile(path, await compose(['repos', 'addons', 'runtimes']));
    await waitFor(async () => (await postGraphQL(gateway.graphqlUrl, query)).data?.runtimeInstances, { description: 'the reloaded supergraph' });

    await writeFile(path, 'this is not a supergraph');
    await gateway.reloadSupergraph();
    expect((await postGraphQL(gateway.graphqlUrl, query)).data).toEqual({ runtimeInstances: { totalCount: 0 } });
  });

  it('reloads on SIGHUP a change the file watch cannot see', async () => {
    // The watched folder holds a link; writing the file behind it raises no event there.
    const target = join(dir, 'behind-link.graphql');
    const linkDir = await mkdtemp(join(tmpdir(), 'supergraph-link-'));
    const link = join(linkDir, 'supergraph.graphql');
    await writeFile(target, await compose(['repos', 'addons']));
    await symlink(target, link);
    const gateway = await startExtraGateway({ SUPERGRAPH_PATH: link });
    const query = '{ runtimeInstances { totalCount } }';

    await writeFile(target, await compose(['repos', 'addons', 'runtimes']));
    expect(codesOf(await postGraphQL(gateway.graphqlUrl, query))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    // Emitted rather than sent: jest's sandboxed `process` keeps listeners to itself, and a real
    // SIGHUP would end the test runner.
    process.emit('SIGHUP', 'SIGHUP');
    await waitFor(async () => (await postGraphQL(gateway.graphqlUrl, query)).data?.runtimeInstances, { description: 'the reload on SIGHUP' });
    await rm(linkDir, { recursive: true, force: true });
  });
});
