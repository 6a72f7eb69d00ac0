import { AddonVersionStatus, type Addon, type AddonVersion } from '@addon-platform/addons';
import { withClient } from '@addon-platform/platform/testing';
import { RepoVisibility, type Repo } from '@addon-platform/repos';
import { codesOf, postGraphQL, type GraphQLResult } from '../../../test/helpers/client.js';
import { newAddon, newAddonVersion, newRepo } from '../../../test/helpers/factories.js';
import { startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.js';

/** Review and publication (ADR 011): transitions, who may make them, the audit, the release rule and the jobs. */
let platform: TestPlatform;
let operator: string;
let owner: string;
let otherDeveloper: string;
let tenant: string;
let repo: Repo;

beforeAll(async () => {
  // No worker: the jobs a transition queues stay in the queue for the tests to read.
  platform = await startTestPlatform({ env: { JOB_CONCURRENCY: '0', SYNC_INTERVAL_MS: '0' } });
  operator = await platform.token({ sub: 'rv-operator', roles: ['operator'] });
  owner = await platform.token({ sub: 'rv-owner', roles: ['developer'] });
  otherDeveloper = await platform.token({ sub: 'rv-other', roles: ['developer'] });
  tenant = await platform.token({ sub: 'rv-tenant', roles: ['tenant'], tenant: 't1' });
  repo = await newRepo(platform.subgraphs.repos, { name: 'review-charts', ownerSub: 'rv-owner' });
});
afterAll(async () => {
  await platform?.stop();
});

let versionCount = 0;
const addonIn = (inRepo: Repo, overrides: Partial<Addon> = {}) => newAddon(platform.subgraphs.addons, { repoId: inRepo.id, ...overrides });
const versionOf = (addon: Addon, status: AddonVersionStatus, overrides: Partial<AddonVersion> = {}) =>
  newAddonVersion(platform.subgraphs.addons, { addonId: addon.id, version: `1.0.${versionCount++}`, status, ...overrides });

type Move = 'submit' | 'approve' | 'reject' | 'publish' | 'suspend' | 'restore';
const MOVES: Move[] = ['submit', 'approve', 'reject', 'publish', 'suspend', 'restore'];
const FIELDS = 'id status';
const MUTATIONS: Record<Move, string> = {
  submit: `mutation ($id: ID!, $message: String) { submitAddonVersion(id: $id, message: $message) { ${FIELDS} } }`,
  approve: `mutation ($id: ID!, $message: String) { reviewAddonVersion(id: $id, decision: APPROVE, message: $message) { ${FIELDS} } }`,
  reject: `mutation ($id: ID!, $message: String) { reviewAddonVersion(id: $id, decision: REJECT, message: $message) { ${FIELDS} } }`,
  publish: `mutation ($id: ID!) { publishAddonVersion(id: $id) { ${FIELDS} } }`,
  suspend: `mutation ($id: ID!, $message: String!) { suspendAddonVersion(id: $id, message: $message) { ${FIELDS} } }`,
  restore: `mutation ($id: ID!, $message: String) { restoreAddonVersion(id: $id, message: $message) { ${FIELDS} } }`,
};
const LEGAL: Record<Move, AddonVersionStatus> = {
  submit: AddonVersionStatus.DRAFT,
  approve: AddonVersionStatus.SUBMITTED,
  reject: AddonVersionStatus.SUBMITTED,
  publish: AddonVersionStatus.APPROVED,
  suspend: AddonVersionStatus.ACTIVE,
  restore: AddonVersionStatus.SUSPENDED,
};

function move(name: Move, id: string, token: string | undefined, message: string | null = 'Because.'): Promise<GraphQLResult> {
  const variables = name === 'publish' ? { id } : { id, message };
  return postGraphQL(platform.gateway.graphqlUrl, MUTATIONS[name], { variables, token });
}
const data = (result: GraphQLResult) => {
  expect(result.errors).toBeUndefined();
  return Object.values(result.data!)[0];
};

/** What a transition writes: the version's row, every audit row, every queued job. */
function snapshot(): Promise<unknown> {
  return withClient(platform.databaseUrl, async (client) => ({
    versions: (await client.query('select id, status, updated_at from addons.addon_version order by id')).rows,
    audit: (await client.query('select count(*)::int as count from addons.addon_version_audit')).rows[0],
    jobs: (await client.query('select id from graphile_worker._private_jobs order by id')).rows,
  }));
}

/** Asks for a move that must be refused, and checks the code and that nothing was written. */
async function expectRefused(name: Move, id: string, token: string | undefined, code: string, message?: string | null): Promise<GraphQLResult> {
  const before = await snapshot();
  const result = await move(name, id, token, message);
  expect({ name, codes: codesOf(result) }).toEqual({ name, codes: [code] });
  expect(await snapshot()).toEqual(before);
  return result;
}

function activatedJobs(versionId: string): Promise<Array<{ payload: unknown; queue_name: string }>> {
  return withClient(platform.databaseUrl, async (client) =>
    (
      await client.query(
        `select j.payload, q.queue_name from graphile_worker._private_jobs j
           join graphile_worker._private_tasks t on t.id = j.task_id
           left join graphile_worker._private_job_queues q on q.id = j.job_queue_id
          where t.identifier = 'runtimes.versionActivated' and j.payload->>'versionId' = $1 order by j.id`,
        [versionId],
      )
    ).rows,
  );
}

const AUDIT = `query ($id: ID!, $first: Int, $after: String) { addonVersion(id: $id) {
  audit(first: $first, after: $after) { totalCount edges { node { actor fromStatus toStatus message syncRunId at } } pageInfo { hasNextPage endCursor } }
} }`;

describe('the review path', () => {
  it('walks DRAFT → SUBMITTED → APPROVED → ACTIVE → SUSPENDED → ACTIVE with an audit row per step, newest first', async () => {
    const addon = await addonIn(repo);
    const version = await versionOf(addon, AddonVersionStatus.DRAFT);
    const started = Date.now();
    expect(data(await move('submit', version.id, owner, '  Ready for review.  '))).toEqual({ id: version.id, status: 'SUBMITTED' });
    expect(data(await move('approve', version.id, operator, null))).toEqual({ id: version.id, status: 'APPROVED' });
    expect(data(await move('publish', version.id, owner))).toEqual({ id: version.id, status: 'ACTIVE' });
    expect(data(await move('suspend', version.id, operator, 'Pulls an image with a known CVE.'))).toEqual({ id: version.id, status: 'SUSPENDED' });
    expect(data(await move('restore', version.id, operator, 'Image rebuilt.'))).toEqual({ id: version.id, status: 'ACTIVE' });

    const result = await postGraphQL(platform.gateway.graphqlUrl, AUDIT, { variables: { id: version.id }, token: owner });
    const audit = data(result).audit;
    expect(audit.totalCount).toBe(5);
    expect(audit.edges.map((edge: { node: Record<string, unknown> }) => ({ ...edge.node, at: undefined }))).toEqual([
      { actor: 'rv-operator', fromStatus: 'SUSPENDED', toStatus: 'ACTIVE', message: 'Image rebuilt.', syncRunId: null, at: undefined },
      { actor: 'rv-operator', fromStatus: 'ACTIVE', toStatus: 'SUSPENDED', message: 'Pulls an image with a known CVE.', syncRunId: null, at: undefined },
      { actor: 'rv-owner', fromStatus: 'APPROVED', toStatus: 'ACTIVE', message: null, syncRunId: null, at: undefined },
      { actor: 'rv-operator', fromStatus: 'SUBMITTED', toStatus: 'APPROVED', message: null, syncRunId: null, at: undefined },
      { actor: 'rv-owner', fromStatus: 'DRAFT', toStatus: 'SUBMITTED', message: 'Ready for review.', syncRunId: null, at: undefined },
    ]);
    const times = audit.edges.map((edge: { node: { at: string } }) => Date.parse(edge.node.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(times.at(-1)).toBeGreaterThanOrEqual(started - 1000);

    // Paged: two at a time, in the same order, with no gap or repeat.
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: GraphQLResult = await postGraphQL(platform.gateway.graphqlUrl, AUDIT, { variables: { id: version.id, first: 2, after }, token: operator });
      const connection = data(page).audit;
      seen.push(...connection.edges.map((edge: { node: { toStatus: string } }) => edge.node.toStatus));
      after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual(['ACTIVE', 'SUSPENDED', 'ACTIVE', 'APPROVED', 'SUBMITTED']);

    // Publish and restore each queued "version V is active" on the addon's serial queue.
    expect(await activatedJobs(version.id)).toEqual([
      { payload: { addonId: addon.id, versionId: version.id }, queue_name: `addon-versions:${addon.id}` },
      { payload: { addonId: addon.id, versionId: version.id }, queue_name: `addon-versions:${addon.id}` },
    ]);
  });

  it('ends at REJECTED with the reason in the audit', async () => {
    const version = await versionOf(await addonIn(repo), AddonVersionStatus.SUBMITTED);
    expect(data(await move('reject', version.id, operator, 'The runtime image cannot be pulled.'))).toEqual({ id: version.id, status: 'REJECTED' });
    const audit = data(await postGraphQL(platform.gateway.graphqlUrl, AUDIT, { variables: { id: version.id }, token: owner })).audit;
    expect(audit.edges.map((edge: { node: Record<string, unknown> }) => [edge.node.actor, edge.node.fromStatus, edge.node.toStatus, edge.node.message])).toEqual([
      ['rv-operator', 'SUBMITTED', 'REJECTED', 'The runtime image cannot be pulled.'],
    ]);
    expect(await activatedJobs(version.id)).toEqual([]);
  });

  it('shows the audit to the owner and operators only; anyone else reads an empty list', async () => {
    const version = await versionOf(await addonIn(repo), AddonVersionStatus.ACTIVE);
    data(await move('suspend', version.id, operator, 'Checking a report.'));
    data(await move('restore', version.id, operator, null));
    for (const [token, count] of [
      [operator, 2],
      [owner, 2],
      [otherDeveloper, 0],
      [tenant, 0],
      [undefined, 0],
    ] as const) {
      const audit = data(await postGraphQL(platform.gateway.graphqlUrl, AUDIT, { variables: { id: version.id }, token })).audit;
      expect({ token, count: audit.totalCount, edges: audit.edges.length }).toEqual({ token, count, edges: count });
    }
  });
});

describe('an illegal transition', () => {
  const STATUSES = Object.values(AddonVersionStatus);
  const pairs = STATUSES.flatMap((status) => MOVES.filter((name) => LEGAL[name] !== status).map((name) => [status, name] as const));

  it('covers every status and move but the six legal pairs', () => {
    expect(STATUSES).toHaveLength(7);
    expect(pairs).toHaveLength(7 * 6 - 6);
  });

  it.each(pairs)('from %s by %s is refused with CONFLICT naming the status and what is allowed, writing nothing', async (status, name) => {
    const version = await versionOf(await addonIn(repo), status);
    const result = await expectRefused(name, version.id, operator, 'CONFLICT');
    const error = result.errors![0]!;
    expect(error.message).toContain(`is ${status}`);
    expect(error.extensions).toMatchObject({ code: 'CONFLICT', field: 'id', status });
    const allowed = MOVES.filter((candidate) => LEGAL[candidate] === status);
    expect(error.extensions!.allowed).toHaveLength(allowed.length);
    if (allowed.length === 0) expect(error.message).toMatch(/nothing moves|only a sync moves/);
  });
});

describe('who may move a version', () => {
  it('asks anonymous viewers to sign in, for every move', async () => {
    const version = await versionOf(await addonIn(repo), AddonVersionStatus.ACTIVE);
    for (const name of MOVES) await expectRefused(name, version.id, undefined, 'UNAUTHENTICATED');
  });

  it('refuses tenants every move with FORBIDDEN, whatever the version', async () => {
    const addon = await addonIn(repo);
    for (const name of MOVES) await expectRefused(name, (await versionOf(addon, LEGAL[name])).id, tenant, 'FORBIDDEN');
  });

  it('keeps review, suspension and restoration for operators, even from the owner', async () => {
    const addon = await addonIn(repo);
    for (const name of ['approve', 'reject', 'suspend', 'restore'] as const) {
      const result = await expectRefused(name, (await versionOf(addon, LEGAL[name])).id, owner, 'FORBIDDEN');
      expect(result.errors![0]!.message).toContain('operator');
    }
  });

  it("answers another developer NOT_FOUND for versions hidden from it and FORBIDDEN for those it sees but does not own", async () => {
    const addon = await addonIn(repo);
    await expectRefused('submit', (await versionOf(addon, AddonVersionStatus.DRAFT)).id, otherDeveloper, 'NOT_FOUND');
    await expectRefused('publish', (await versionOf(addon, AddonVersionStatus.APPROVED)).id, otherDeveloper, 'NOT_FOUND');
    // An ACTIVE version is visible to everyone: the right is checked before the status.
    const active = await versionOf(addon, AddonVersionStatus.ACTIVE);
    await expectRefused('submit', active.id, otherDeveloper, 'FORBIDDEN');
    await expectRefused('publish', active.id, otherDeveloper, 'FORBIDDEN');
    await expectRefused('suspend', active.id, otherDeveloper, 'FORBIDDEN');
  });

  it("lets a version's submitter act as its owner, not the repo's owner", async () => {
    const submitter = await platform.token({ sub: 'rv-submitter', roles: ['developer'] });
    const version = await versionOf(await addonIn(repo), AddonVersionStatus.DRAFT, { ownerSub: 'rv-submitter' });
    await expectRefused('submit', version.id, owner, 'NOT_FOUND');
    expect(data(await move('submit', version.id, submitter))).toEqual({ id: version.id, status: 'SUBMITTED' });
  });

  it('refuses ids that are not ids, and ids of nothing, before anything else', async () => {
    await expectRefused('publish', 'not-an-id', operator, 'BAD_USER_INPUT');
    await expectRefused('publish', '00000000-0000-4000-8000-000000000000', operator, 'NOT_FOUND');
  });
});

describe('a message', () => {
  it('is required to reject or suspend, and at most 2,000 characters anywhere', async () => {
    const addon = await addonIn(repo);
    const submitted = await versionOf(addon, AddonVersionStatus.SUBMITTED);
    const active = await versionOf(addon, AddonVersionStatus.ACTIVE);
    const draft = await versionOf(addon, AddonVersionStatus.DRAFT);
    for (const [name, id, message] of [
      ['reject', submitted.id, null],
      ['reject', submitted.id, '   '],
      ['suspend', active.id, ''],
      ['submit', draft.id, 'x'.repeat(2001)],
    ] as const) {
      const result = await expectRefused(name, id, operator, 'BAD_USER_INPUT', message);
      expect(result.errors![0]!.extensions!.field).toBe('message');
    }
    expect(data(await move('submit', draft.id, owner, 'x'.repeat(2000)))).toMatchObject({ status: 'SUBMITTED' });
  });
});

describe('the release rule', () => {
  it('refuses to publish a version declaring a port an ACTIVE version of another addon declares, naming that addon and the port', async () => {
    const holder = await addonIn(repo, { name: 'port-holder' });
    await versionOf(holder, AddonVersionStatus.ACTIVE, { ports: [8080, { port: 9090, protocol: 'udp' }] });
    const newcomer = await addonIn(repo);
    const clashing = await versionOf(newcomer, AddonVersionStatus.APPROVED, { ports: [{ port: 8080 }, '7000'] });
    const result = await expectRefused('publish', clashing.id, owner, 'CONFLICT');
    expect(result.errors![0]!.message).toContain('review-charts/port-holder');
    expect(result.errors![0]!.message).toContain('port 8080/TCP');
    expect(result.errors![0]!.extensions!.clash).toEqual({ addon: 'review-charts/port-holder', version: expect.any(String), ports: ['8080/TCP'], slots: [] });

    // The same number over another protocol is another port; the same addon's versions never clash.
    const otherProtocol = await versionOf(newcomer, AddonVersionStatus.APPROVED, { ports: ['9090/tcp', '8080/udp'] });
    expect(data(await move('publish', otherProtocol.id, owner))).toMatchObject({ status: 'ACTIVE' });
    const upgrade = await versionOf(holder, AddonVersionStatus.APPROVED, { ports: [8080] });
    expect(data(await move('publish', upgrade.id, owner))).toMatchObject({ status: 'ACTIVE' });
  });

  it('refuses to restore a version declaring a slot an ACTIVE version of another addon declares', async () => {
    const holder = await addonIn(repo, { name: 'slot-holder' });
    await versionOf(holder, AddonVersionStatus.ACTIVE, { slots: ['sidebar', { name: 'toolbar' }] });
    const suspended = await versionOf(await addonIn(repo), AddonVersionStatus.SUSPENDED, { slots: [{ name: ' toolbar ' }, 'Sidebar'] });
    const result = await expectRefused('restore', suspended.id, operator, 'CONFLICT');
    expect(result.errors![0]!.message).toContain('review-charts/slot-holder');
    expect(result.errors![0]!.message).toContain('slot toolbar');
    // Slot names are case-sensitive: Sidebar is not sidebar.
    expect(result.errors![0]!.extensions!.clash).toMatchObject({ ports: [], slots: ['toolbar'] });
  });

  it('ignores versions that are not ACTIVE and addons of deleted repos', async () => {
    const holder = await addonIn(repo);
    await versionOf(holder, AddonVersionStatus.SUSPENDED, { ports: [8181] });
    await versionOf(holder, AddonVersionStatus.APPROVED, { ports: [8181] });
    const deleted = await newRepo(platform.subgraphs.repos, { deletedAt: new Date() });
    await versionOf(await addonIn(deleted), AddonVersionStatus.ACTIVE, { ports: [8181] });
    const version = await versionOf(await addonIn(repo), AddonVersionStatus.APPROVED, { ports: [8181] });
    expect(data(await move('publish', version.id, owner))).toMatchObject({ status: 'ACTIVE' });
  });

  it('does not name an addon whose repo the viewer cannot see', async () => {
    const hidden = await newRepo(platform.subgraphs.repos, { name: 'hidden-charts', ownerSub: 'someone-else', visibility: RepoVisibility.PRIVATE });
    await versionOf(await addonIn(hidden, { name: 'secret-addon' }), AddonVersionStatus.ACTIVE, { ports: [8282] });
    const version = await versionOf(await addonIn(repo), AddonVersionStatus.APPROVED, { ports: [8282] });
    const result = await expectRefused('publish', version.id, owner, 'CONFLICT');
    expect(result.errors![0]!.message).toContain('a repo you cannot see');
    expect(result.errors![0]!.message).not.toContain('secret-addon');
    expect(result.errors![0]!.extensions!.clash).toEqual({ addon: null, version: null, ports: ['8282/TCP'], slots: [] });
    // An operator sees every repo, and is told which addon holds the port.
    const asOperator = await expectRefused('publish', version.id, operator, 'CONFLICT');
    expect(asOperator.errors![0]!.message).toContain('hidden-charts/secret-addon');
  });

  it('lets exactly one of two racing publishes of a port through', async () => {
    const first = await versionOf(await addonIn(repo), AddonVersionStatus.APPROVED, { ports: [8383] });
    const second = await versionOf(await addonIn(repo), AddonVersionStatus.APPROVED, { ports: [8383] });
    const results = await Promise.all([move('publish', first.id, operator), move('publish', second.id, operator)]);
    expect(results.map((result) => codesOf(result)).sort()).toEqual([[], ['CONFLICT']]);
    const active = await withClient(platform.databaseUrl, async (client) =>
      (await client.query(`select count(*)::int as count from addons.addon_version where id = any($1) and status = 'ACTIVE'`, [[first.id, second.id]])).rows[0].count,
    );
    expect(active).toBe(1);
  });
});
