import { mkdtemp, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestOwner, type TestOwner } from '@addon-platform/ontology/testing';
import { waitFor, withClient } from '@addon-platform/platform/testing';
import { createGitRepository, startGitDaemon, type RunningGitServer, type TestGitRepository } from '@addon-platform/sources/testing';
import { postGraphQL } from '../../../test/helpers/client.js';
import { startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.js';
import { configSchemaReadCommand } from '@addon-platform/platform';
import { expiryIn, freshNonce, INDEX_DIR, queuedJobs, runJob, submitter, uniqueName } from './submission-helpers.js';

/**
 * Syncs of git ADDON_INDEX repos (ADR 012, "Index syncs"): each entry of config.json's `drivers`
 * through the verifier and the submission rules, into the synced repo, over a real git daemon.
 */
let platform: TestPlatform;
let daemon: RunningGitServer;
let basePath: string;
let operator: string;

const WITNESS = 'witnessTest001.addon.ont';
const RUN_FIELDS = 'id status added updated unchanged removed rejected failure errors { entry reason }';

beforeAll(async () => {
  basePath = await mkdtemp(join(tmpdir(), 'addon-platform-index-sync-'));
  daemon = await startGitDaemon({ basePath });
  // The runtimes worker stays off: these tests read the jobs the sync sends it.
  platform = await startTestPlatform({ env: { URL_ALLOW_LIST: '127.0.0.1/32', SYNC_INTERVAL_MS: '0' }, serviceEnv: { runtimes: { JOB_CONCURRENCY: '0' } } });
  operator = await platform.token({ sub: 'op', roles: ['operator'] });
});
afterAll(async () => {
  await platform?.stop();
  await daemon?.close();
  await rm(basePath, { recursive: true, force: true });
});

/** A folder holding config.json: a fixture's, or the given drivers. */
async function configDir(content: { fixture: string } | { drivers: unknown[] }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'addon-platform-index-config-'));
  if ('fixture' in content) await copyFile(join(INDEX_DIR, 'config', content.fixture), join(dir, 'config.json'));
  else await writeFile(join(dir, 'config.json'), JSON.stringify({ drivers: content.drivers }, null, 2));
  return dir;
}

async function indexRepository(content: { fixture: string } | { drivers: unknown[] }): Promise<TestGitRepository> {
  const dir = await configDir(content);
  try {
    return await createGitRepository(dir, { basePath, name: `${uniqueName('index')}.git` });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function commit(repository: TestGitRepository, content: { fixture: string } | { drivers: unknown[] }): Promise<void> {
  const dir = await configDir(content);
  try {
    await repository.commit(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** An operator's GraphQL request through the gateway; answers `data`, failing on errors unless `tolerate`. */
async function asOperator(document: string, variables: Record<string, unknown>, tolerate = false): Promise<Record<string, any> | undefined> {
  const result = await postGraphQL(platform.gateway.graphqlUrl, document, { variables, token: operator });
  if (!tolerate) expect(result.errors).toBeUndefined();
  return result.data ?? undefined;
}

async function createIndexRepo(repository: TestGitRepository, network = 'testnet'): Promise<string> {
  const input = { name: uniqueName('index'), type: 'ADDON_INDEX', url: `${daemon.url}/${repository.name}`, network, visibility: 'PUBLIC' };
  return (await asOperator('mutation ($input: CreateRepoInput!) { createRepo(input: $input) { id } }', { input }))!.createRepo.id;
}

/** Waits for the repo's newest run other than `afterRunId` to finish, and answers it. */
async function finishedRun(repoId: string, afterRunId?: string): Promise<Record<string, any>> {
  const done = async () => {
    const run = (await asOperator(`query ($id: ID!) { repo(id: $id) { lastSync { ${RUN_FIELDS} } } }`, { id: repoId }, true))?.repo.lastSync;
    return run && run.id !== afterRunId && ['SUCCEEDED', 'FAILED'].includes(run.status) ? run : undefined;
  };
  return waitFor(done, { timeoutMs: 30_000, description: `a finished sync of ${repoId}` });
}

async function syncAgain(repoId: string, previousRunId: string): Promise<Record<string, any>> {
  await asOperator('mutation ($id: ID!) { syncRepo(repoId: $id) { id } }', { id: repoId });
  return finishedRun(repoId, previousRunId);
}

const query = <Row = Record<string, any>>(sql: string, params: unknown[]): Promise<Row[]> =>
  withClient(platform.databaseUrl, async (client) => (await client.query(sql, params)).rows as Row[]);

const versionsOf = (repoId: string) =>
  query<{ addon: string; version: string; status: string; source: string; owner_sub: string | null }>(
    `select a.name as addon, v.version, v.status, v.source, v.owner_sub from addons.addon_version v join addons.addon a on a.id = v.addon_id
      where a.repo_id = $1 order by a.name, v.sort_key`,
    [repoId],
  );

const acceptedOf = (repoId: string) =>
  query(`select owner_did, submitter_sub, sync_run_id, form, array_length(version_ids, 1) as versions from addons.submission where repo_id = $1 and status = 'ACCEPTED' order by created_at, id`, [repoId]);

/** The problems of a run as {entry index: reason}. */
const problemsOf = (run: Record<string, any>) =>
  Object.fromEntries((run.errors as Array<{ entry: string; reason: string }>).map((problem) => [Number(/^drivers\[(\d+)\]/.exec(problem.entry)![1]), problem.reason]));

describe('the real testnet index at commit 50e334d', () => {
  let repository: TestGitRepository;
  let repoId: string;
  let first: Record<string, any>;
  const expectedVersions = [
    ['claim.addon.ont', 'r1'],
    ['claim.addon.ont', 'r2'],
    ['claim.addon.ont', 'r3'],
    ['rongyi', 'r1'],
    ['rongyi2', 'r1'],
    ['rongyi3', 'r1'],
    ['rongyi3', 'r2'],
    [WITNESS, 'r1'],
  ];

  beforeAll(async () => {
    repository = await indexRepository({ fixture: 'testnet-50e334d-config.json' });
    repoId = await createIndexRepo(repository);
    first = await finishedRun(repoId);
  });

  it('imports the 8 acceptable entries, counts the identical pair once, and rejects the driver entry and the second owner of witnessTest001.addon.ont', async () => {
    // 17 entries: [0] the unsigned DID driver; [1], [3], [4] claim.addon.ont (APe4…) r1–r3; [5] byte-identical to [4];
    // [2] witnessTest001 by AVnH… binds it; [6]–[12] witnessTest001 by Adg3…: refused; [13]–[16] rongyi, rongyi2, rongyi3 ×2.
    expect(first).toMatchObject({ status: 'SUCCEEDED', failure: null, added: 8, updated: 0, unchanged: 1, removed: 0, rejected: 8 });
    const problems = problemsOf(first);
    expect(Object.keys(problems).map(Number)).toEqual([0, 6, 7, 8, 9, 10, 11, 12]);
    expect(problems[0]).toMatch(/^UNSIGNED: not a signed submission/);
    for (const index of [6, 7, 8, 9, 10, 11, 12]) expect(problems[index]).toMatch(/^FORBIDDEN IDENTITY_BOUND: The addon "witnessTest001\.addon\.ont" of testnet belongs to did:ont:AVnHVsduMWZW4V2M11wH2owgVgG3paFLvT/);
    expect(first.errors[1].entry).toBe('drivers[6] (did:ont:Adg3mfNAbfNwjvtbBSziZnXKKP3HbHNqM5)');

    const versions = await versionsOf(repoId);
    expect(versions.map((version) => [version.addon, version.version])).toEqual(expectedVersions);
    for (const version of versions) expect(version).toMatchObject({ status: 'DRAFT', source: 'SUBMISSION', owner_sub: null });

    // Logged as submissions of the run, so a replay through the API is recognised.
    const accepted = await acceptedOf(repoId);
    expect(accepted).toHaveLength(8);
    for (const row of accepted) expect(row).toMatchObject({ submitter_sub: null, sync_run_id: first.id, form: 'LEGACY', versions: 1 });
    expect(await query(`select count(*)::int as n from addons.submission where status = 'REJECTED'`, [])).toEqual([{ n: 0 }]);
    const [binding] = await query(`select owner_did from addons.addon_identity where network = 'testnet' and identity_key = lower($1)`, [WITNESS]);
    expect(binding!.owner_did).toBe('did:ont:AVnHVsduMWZW4V2M11wH2owgVgG3paFLvT');

    // A config service job for each version whose config image is pullable: all but witnessTest001's web URL.
    const ids = new Set((await query<{ id: string }>('select v.id from addons.addon_version v join addons.addon a on a.id = v.addon_id where a.repo_id = $1', [repoId])).map((row) => row.id));
    const launches = (await queuedJobs(platform, 'runtimes.launchConfigService')).filter((job) => ids.has(job.payload.versionId!));
    expect(launches).toHaveLength(7);
  });

  it('counts every accepted entry unchanged on a second sync, and adds nothing', async () => {
    const second = await syncAgain(repoId, first.id);
    expect(second).toMatchObject({ status: 'SUCCEEDED', added: 0, updated: 0, unchanged: 9, removed: 0, rejected: 8 });
    expect((await versionsOf(repoId)).map((version) => [version.addon, version.version])).toEqual(expectedVersions);
    expect(await acceptedOf(repoId)).toHaveLength(8);
    first = second;
  });

  it('marks the versions of entries no longer listed REMOVED, and brings them back when listed again', async () => {
    // The next commit of the real history rewrote the index to the driver and one bad signature.
    await commit(repository, { fixture: 'testnet-406f90f-config.json' });
    const shrunk = await syncAgain(repoId, first.id);
    expect(shrunk).toMatchObject({ status: 'SUCCEEDED', added: 0, updated: 0, unchanged: 0, removed: 8, rejected: 2 });
    const problems = problemsOf(shrunk);
    expect(problems[0]).toMatch(/^UNSIGNED/);
    expect(problems[1]).toMatch(/^SIGNATURE_INVALID SIGNATURE_MISMATCH: /);
    expect(new Set((await versionsOf(repoId)).map((version) => version.status))).toEqual(new Set(['REMOVED']));

    await commit(repository, { fixture: 'testnet-50e334d-config.json' });
    const again = await syncAgain(repoId, shrunk.id);
    expect(again).toMatchObject({ status: 'SUCCEEDED', added: 0, updated: 8, unchanged: 1, removed: 0, rejected: 8 });
    expect(new Set((await versionsOf(repoId)).map((version) => version.status))).toEqual(new Set(['DRAFT']));
    const audit = await query(
      `select e.from_status, e.to_status, e.message, e.actor_sub, e.sync_run_id from addons.addon_version_audit e join addons.addon_version v on v.id = e.version_id
         join addons.addon a on a.id = v.addon_id where a.repo_id = $1 order by e.seq`,
      [repoId],
    );
    expect(audit).toHaveLength(16);
    expect(audit.slice(0, 8)).toEqual(Array(8).fill({ from_status: 'DRAFT', to_status: 'REMOVED', message: 'No longer listed by its source.', actor_sub: null, sync_run_id: shrunk.id }));
    expect(audit.slice(8)).toEqual(Array(8).fill({ from_status: 'REMOVED', to_status: 'DRAFT', message: 'Listed again by its source.', actor_sub: null, sync_run_id: again.id }));
  });
});

describe('signed entries of test owners', () => {
  let owner: TestOwner;
  const legacy = (name: string, tag: string) => owner.signLegacy([{ name, configImage: `example.org/config:${tag}`, runtimeImage: `example.org/runtime:${tag}` }]);

  beforeAll(() => {
    owner = createTestOwner();
  });

  it('counts content accepted through submitAddons unchanged, and the sync’s acceptances are replays for submitAddons', async () => {
    const name = uniqueName('api-first');
    const client = submitter(platform);
    const developer = await client.developer();
    const first = legacy(name, '1');
    const submitted = await client.submit(developer, JSON.stringify(first), 'testnet');
    expect(submitted.errors).toBeUndefined();
    const second = legacy(name, '2');

    const repoId = await createIndexRepo(await indexRepository({ drivers: [first, second] }));
    const run = await finishedRun(repoId);
    expect(run).toMatchObject({ status: 'SUCCEEDED', added: 1, updated: 0, unchanged: 1, removed: 0, rejected: 0 });
    // The new content lands in this repo, under the identity bound to the owner through the API.
    expect(await versionsOf(repoId)).toEqual([expect.objectContaining({ addon: name, version: 'r1', status: 'DRAFT' })]);

    const replay = await client.submit(developer, JSON.stringify(second), 'testnet');
    expect(replay.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'REPLAY' });
  });

  it('keeps the config schema its config service served when a sync reads the same entry again', async () => {
    const repoId = await createIndexRepo(await indexRepository({ drivers: [legacy(uniqueName('schema-kept'), '1')] }));
    const run = await finishedRun(repoId);
    const launchOf = async () =>
      (await query(`select v.id, v.launchable, v.not_launchable_reason, v.config_schema, v.config_schema_validated, v.updated_at from addons.addon_version v join addons.addon a on a.id = v.addon_id where a.repo_id = $1`, [repoId]))[0]!;
    const listed = await launchOf();
    expect(listed).toMatchObject({ launchable: false, not_launchable_reason: expect.stringMatching(/^Its config service has not served its config schema yet/) });

    const schema = { type: 'object', properties: { port: { type: 'integer' } } };
    await runJob(platform, configSchemaReadCommand(listed.id, schema, null));
    const read = await launchOf();
    expect(read).toMatchObject({ launchable: true, not_launchable_reason: null, config_schema: schema, config_schema_validated: true });

    expect(await syncAgain(repoId, run.id)).toMatchObject({ status: 'SUCCEEDED', added: 0, updated: 0, unchanged: 1 });
    expect(await launchOf()).toEqual(read);
  });

  it('rejects an entry with a changed byte, with its reason, and imports the rest', async () => {
    const tampered = legacy(uniqueName('tampered'), '1') as { addons: Array<Record<string, string>> };
    tampered.addons[0]!.runtimeImage = tampered.addons[0]!.runtimeImage!.replace('runtime:1', 'runtime:2');
    const good = [legacy(uniqueName('good'), '1'), legacy(uniqueName('good'), '1')];
    const repoId = await createIndexRepo(await indexRepository({ drivers: [good[0], tampered, good[1]] }));
    const run = await finishedRun(repoId);
    expect(run).toMatchObject({ status: 'SUCCEEDED', added: 2, updated: 0, unchanged: 0, removed: 0, rejected: 1 });
    expect(run.errors).toEqual([{ entry: `drivers[1] (${owner.did})`, reason: expect.stringMatching(/^SIGNATURE_INVALID SIGNATURE_MISMATCH: /) }]);
    expect(await versionsOf(repoId)).toHaveLength(2);
  });

  it('keeps an accepted envelope unchanged after its expiry, and refuses new expired content and another network’s envelope', async () => {
    const envelope = (name: string, expiry: string, network = 'testnet') =>
      owner.signEnvelope({ addons: [{ name, version: '1.0.0', configImage: 'example.org/config:1', runtimeImage: 'example.org/runtime:1' }], network, nonce: freshNonce(), expiry });
    const soon = new Date(Date.now() + 4000);
    const fresh = envelope(uniqueName('fresh'), soon.toISOString().replace(/\.\d{3}Z$/, 'Z'));
    const mainnet = envelope(uniqueName('mainnet'), expiryIn(3_600_000), 'mainnet');
    const expired = envelope(uniqueName('expired'), expiryIn(-60_000));
    const repoId = await createIndexRepo(await indexRepository({ drivers: [fresh, mainnet, expired] }));
    const run = await finishedRun(repoId);
    expect(run).toMatchObject({ status: 'SUCCEEDED', added: 1, unchanged: 0, rejected: 2 });
    const problems = problemsOf(run);
    expect(problems[1]).toMatch(/^BAD_USER_INPUT NETWORK_MISMATCH: /);
    expect(problems[2]).toMatch(/^SUBMISSION_EXPIRED EXPIRED: /);

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, soon.getTime() + 1000 - Date.now())));
    const later = await syncAgain(repoId, run.id);
    expect(later).toMatchObject({ status: 'SUCCEEDED', added: 0, updated: 0, unchanged: 1, removed: 0, rejected: 2 });
    expect(await versionsOf(repoId)).toEqual([expect.objectContaining({ version: '1.0.0', status: 'DRAFT' })]);
  });
});
