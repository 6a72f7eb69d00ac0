/**
 * `npm run demo`, against a running `npm start`: the whole flow a newcomer should see, through the
 * gateway as real clients would. A developer signs and submits an addon with a key made for the run,
 * the version is reviewed and published, a tenant user launches an instance of it in the `simulated`
 * environment, and the launch events are printed as they come. Exits 0 when the instance is READY.
 *
 * Settings: `DEMO_GATEWAY_URL` (else http://127.0.0.1:$GATEWAY_PORT/graphql, port 4000 by default),
 * `JWT_SECRET` or the secret `npm start` made in `$PLATFORM_DATA_DIR` (default `.data/`).
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { mintToken } from '@addon-platform/platform';
// The package's own signer: the demo's key is thrown away after the run, which is what it is made for.
import { createTestOwner } from '@addon-platform/ontology/testing';
import { readLocalSecrets } from './local-secrets.js';

const NETWORK = 'testnet';
const ENVIRONMENT = 'simulated';
const TENANT = 'demo';
const RUNTIME_IMAGE = 'docker.io/library/nginx:1.27';
/** The simulated cluster is READY within a second or two; past this something is stuck. */
const LAUNCH_DEADLINE_MS = 120_000;
const TERMINAL_PHASES = new Set(['READY', 'STOPPED', 'DELETED', 'FAILED']);

class DemoFailure extends Error {}

interface GraphQLError {
  message: string;
  extensions?: { code?: string; field?: string; reason?: string };
}

const started = Date.now();
const step = (n: number, title: string) => console.log(`\n${n}. ${title}`);
const say = (line: string) => console.log(`   ${line}`);

async function main(): Promise<void> {
  const graphqlUrl = process.env.DEMO_GATEWAY_URL ?? `http://127.0.0.1:${process.env.GATEWAY_PORT ?? '4000'}/graphql`;
  const dataDir = resolve(process.env.PLATFORM_DATA_DIR ?? '.data');
  const secret = process.env.JWT_SECRET ?? (await readLocalSecrets(dataDir))?.jwtSecret;
  if (!secret) throw new DemoFailure(`No JWT secret in ${dataDir}: run \`npm start\` first (it makes one there), or set JWT_SECRET.`);
  const gql = client(graphqlUrl);
  await gql.reachable();
  console.log(`Addon platform demo, through the gateway at ${graphqlUrl}`);

  step(1, 'A signing key for the addon owner');
  const owner = createTestOwner();
  say(`generated a P-256 key; its Ontology DID is ${owner.did}`);

  step(2, 'Tokens, signed with the local JWT secret (valid 15 minutes)');
  const mint = (sub: string, role: 'developer' | 'operator' | 'tenant', extra: { tenant?: string; did?: string } = {}) =>
    mintToken(secret, { sub, roles: [role], ...extra }, { expiresIn: '15m' });
  const developer = await mint('demo-developer', 'developer', { did: owner.did });
  const operator = await mint('demo-operator', 'operator');
  const tenant = await mint('demo-user', 'tenant', { tenant: TENANT });
  say('developer  demo-developer   submits the addon and publishes it');
  say('operator   demo-operator    reviews it');
  say(`tenant     demo-user        launches it, in tenant "${TENANT}"`);

  step(3, `Sign and submit the addon (envelope form, network ${NETWORK})`);
  // A new name each run: the first submission binds a name to its owner's DID, and this run's key is new.
  const name = `demo-hello-${randomBytes(3).toString('hex')}`;
  const submission = owner.signEnvelope({
    meta: { submittedBy: 'npm run demo' },
    addons: [{ name, version: '1.0.0', description: 'A web server launched by npm run demo.', runtimeImage: RUNTIME_IMAGE }],
    network: NETWORK,
    nonce: randomBytes(16).toString('hex'),
    expiry: new Date(Date.now() + 10 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  });
  say(`addon ${name} 1.0.0, runtime image ${RUNTIME_IMAGE}, signed by ${owner.did}`);
  const { submitAddons } = await gql.run<{ submitAddons: Submission }>(developer, SUBMIT, { submission });
  const version = submitAddons.versions[0];
  if (!version) throw new DemoFailure(`Submission ${submitAddons.id} was ${submitAddons.status} but created no version you can see.`);
  say(`submission ${submitAddons.id}: ${submitAddons.status}`);
  say(`addon ${version.addon.id} (${version.addon.name}) in repo ${version.addon.repo.name}`);
  say(`version ${version.id} (${version.version}): ${version.status}`);

  step(4, 'Review and publication (ADR 011)');
  let status = version.status;
  while (status !== 'ACTIVE') {
    const move = MOVES[status];
    if (!move) throw new DemoFailure(`Version ${version.id} is ${status}; the demo knows no way from there to ACTIVE.`);
    const answer = await gql.run<{ moved: { status: string } }>(move.as === 'developer' ? developer : operator, move.mutation, { id: version.id });
    say(`${move.label.padEnd(38)} ${status} → ${answer.moved.status}`);
    status = answer.moved.status;
  }
  if (!version.launchable) throw new DemoFailure(`Version ${version.id} is ACTIVE but cannot be launched: ${version.notLaunchableReason ?? 'no reason given'}`);

  step(5, `Launch an instance in the "${ENVIRONMENT}" environment, as the tenant user`);
  const { environments } = await gql.run<{ environments: { edges: { node: { id: string; name: string; kind: string; server: string | null } }[] } }>(
    tenant,
    `query ($name: String!) { environments(filter: { name: $name }, first: 1) { edges { node { id name kind server } } } }`,
    { name: ENVIRONMENT },
  );
  const environment = environments.edges[0]?.node;
  if (!environment) {
    throw new DemoFailure(`No environment named "${ENVIRONMENT}" is open to tenant ${TENANT}: npm start registers it unless SIMULATED_CLUSTER=false.`);
  }
  say(`environment ${environment.id} (${environment.name}, kind ${environment.kind}${environment.kind === 'SIMULATED' ? ': pods are scripted, nothing really runs' : ''})`);
  const { launchRuntime: instance } = await gql.run<{ launchRuntime: { id: string; name: string; namespace: string; status: string } }>(
    tenant,
    `mutation ($input: LaunchRuntimeInput!) { launchRuntime(input: $input) { id name namespace status } }`,
    { input: { versionId: version.id, environmentId: environment.id, name, config: { greeting: 'hello from npm run demo' } } },
  );
  say(`instance ${instance.id} (${instance.name}) in namespace ${instance.namespace}: ${instance.status}`);

  step(6, 'Launch events, as they happen');
  say(`(runtimeLaunchProgress over graphql-ws through the gateway; each event also names the addon from the addons subgraph and its repo from the repos subgraph)`);
  const last = await followLaunch(graphqlUrl, tenant, instance.id, (event) =>
    say(`${event.createdAt.slice(11, 23)}  ${event.operation.padEnd(7)} ${event.phase.padEnd(14)} ${event.message}${event.reason ? ` (${event.reason})` : ''}  [${event.instance.version.addon.name} ${event.instance.version.version}, repo ${event.instance.version.addon.repo.name}]`),
  );
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (last.phase !== 'READY') {
    throw new DemoFailure(`The launch ended ${last.phase}${last.reason ? ` (${last.reason})` : ''}: ${last.message} Instance ${instance.id} is ${last.instance.status}.`);
  }
  console.log(`\n✓ Instance ${instance.id} is ${last.instance.status}${last.instance.url ? ` at ${last.instance.url}` : ''} (${seconds} s in all).`);
  console.log(`  Its events again: query runtimeInstance(id: "${instance.id}") { launchEvents { edges { node { phase message } } } } as a tenant "${TENANT}" user.`);
}

interface LaunchEvent {
  cursor: string;
  operation: string;
  phase: string;
  message: string;
  reason: string | null;
  createdAt: string;
  /** Resolved per event by the gateway from three subgraphs: the instance (runtimes), its version and addon (addons), the repo (repos). */
  instance: { status: string; url: string | null; version: { version: string; addon: { name: string; repo: { name: string } } } };
}

const PROGRESS = `subscription ($id: ID!) {
  runtimeLaunchProgress(instanceId: $id) {
    cursor operation phase message reason createdAt
    instance { status url version { version addon { name repo { name } } } }
  }
}`;

/**
 * Calls `onEvent` once per launch event of the instance's latest operation, in order, until its
 * terminal phase, and answers that event: a `runtimeLaunchProgress` subscription over graphql-ws
 * through the gateway, the way a console would follow a launch.
 */
async function followLaunch(graphqlUrl: string, token: string, instanceId: string, onEvent: (event: LaunchEvent) => void): Promise<LaunchEvent> {
  const url = new URL(graphqlUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const socket = createClient({ url: url.href, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
  const progress = socket.iterate<{ runtimeLaunchProgress: LaunchEvent }>({ query: PROGRESS, variables: { id: instanceId } });
  const deadline = setTimeout(() => void progress.return?.(), LAUNCH_DEADLINE_MS);
  let last: LaunchEvent | undefined;
  try {
    for await (const result of progress) {
      if (result.errors?.length) throw new DemoFailure(`The subscription was refused: ${result.errors.map(({ message, extensions }) => `${extensions?.code ?? 'ERROR'}: ${message}`).join('; ')}`);
      last = result.data!.runtimeLaunchProgress;
      onEvent(last);
    }
  } catch (error) {
    if (error instanceof DemoFailure) throw error;
    // graphql-ws rejects with the close event when the gateway closes the socket.
    const { code, reason } = error as { code?: number; reason?: string };
    throw new DemoFailure(`The subscription through ${url.href} ended: ${code ?? ''} ${reason || (error as Error).message || ''}`.trim());
  } finally {
    clearTimeout(deadline);
    await socket.dispose();
  }
  if (!last || !TERMINAL_PHASES.has(last.phase)) throw new DemoFailure(`No terminal launch phase within ${LAUNCH_DEADLINE_MS / 1000} s.`);
  return last;
}

interface Submission {
  id: string;
  status: string;
  versions: {
    id: string;
    version: string;
    status: string;
    launchable: boolean;
    notLaunchableReason: string | null;
    addon: { id: string; name: string; repo: { name: string } };
  }[];
}

const SUBMIT = `mutation ($submission: JSON!) {
  submitAddons(submission: $submission) {
    id status
    versions { id version status launchable notLaunchableReason addon { id name repo { name } } }
  }
}`;

/** From each status, the move towards ACTIVE and who makes it, as an integrator and an operator would. */
const MOVES: Record<string, { label: string; as: 'developer' | 'operator'; mutation: string }> = {
  DRAFT: {
    label: 'submitAddonVersion (developer)',
    as: 'developer',
    mutation: `mutation ($id: ID!) { moved: submitAddonVersion(id: $id, message: "Ready for review.") { status } }`,
  },
  SUBMITTED: {
    label: 'reviewAddonVersion APPROVE (operator)',
    as: 'operator',
    mutation: `mutation ($id: ID!) { moved: reviewAddonVersion(id: $id, decision: APPROVE, message: "Looks good.") { status } }`,
  },
  APPROVED: {
    label: 'publishAddonVersion (developer)',
    as: 'developer',
    mutation: `mutation ($id: ID!) { moved: publishAddonVersion(id: $id) { status } }`,
  },
};

function client(url: string) {
  const post = async (token: string | undefined, query: string, variables: Record<string, unknown>) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json().catch(() => undefined)) as { data?: Record<string, unknown> | null; errors?: GraphQLError[] } | undefined;
    if (!body) throw new DemoFailure(`${url} answered HTTP ${response.status} without a GraphQL body: is it the platform's gateway?`);
    return body;
  };
  return {
    async reachable(): Promise<void> {
      try {
        await post(undefined, '{ __typename }', {});
      } catch (error) {
        if (error instanceof DemoFailure) throw error;
        throw new DemoFailure(`The gateway at ${url} does not answer: run \`npm start\` first (in another terminal), then \`npm run demo\` again.`);
      }
    },
    async run<T>(token: string, query: string, variables: Record<string, unknown>): Promise<T> {
      const body = await post(token, query, variables);
      if (body.errors?.length) {
        const lines = body.errors.map(
          ({ message, extensions }) => `${extensions?.code ?? 'ERROR'}${extensions?.reason ? ` ${extensions.reason}` : ''}: ${message}${extensions?.field ? ` (field ${extensions.field})` : ''}`,
        );
        // A token signed with another secret: the demo read a different data folder than npm start uses.
        const hint = body.errors.some(({ extensions }) => extensions?.code === 'UNAUTHENTICATED')
          ? '\n  (Run the demo with the PLATFORM_DATA_DIR or JWT_SECRET that npm start uses.)'
          : '';
        throw new DemoFailure(`The platform refused: ${lines.join('; ')}${hint}`);
      }
      if (!body.data) throw new DemoFailure('The platform answered with no data and no error.');
      return body.data as T;
    },
  };
}

// Last, so every constant above is initialised before main reads it.
try {
  await main();
} catch (error) {
  if (!(error instanceof DemoFailure)) throw error;
  console.error(`\n✗ ${error.message}`);
  process.exit(1);
}
