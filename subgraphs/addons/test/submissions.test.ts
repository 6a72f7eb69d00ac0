import { complementSignature } from '@addon-platform/ontology';
import { createTestOwner } from '@addon-platform/ontology/testing';
import { withClient } from '@addon-platform/platform/testing';
import { codesOf } from '../../../test/helpers/client.js';
import { startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.js';
import { catalogSnapshot, expectRefused, expiryIn, freshNonce, queuedJobs, readIndexSubmissions, rejectedIds, submitter, uniqueName } from './submission-helpers.js';

/** submitAddons: the real testnet history, and every refusal DESIGN names, each leaving only its log row. */
let platform: TestPlatform;
let client: ReturnType<typeof submitter>;

beforeAll(async () => {
  // No worker takes the queued jobs away, and no schedule adds any: the tests look at the queue.
  platform = await startTestPlatform({ env: { JOB_CONCURRENCY: '0', SYNC_INTERVAL_MS: '0', SUBMISSION_RATE_LIMIT: '25' } });
  client = submitter(platform);
});
afterAll(async () => {
  await platform?.stop();
});

const WITNESS = 'witnessTest001.addon.ont';
const INVALID_COMMIT = '406f90f';

describe('the testnet history replayed through submitAddons', () => {
  it('accepts each valid submission in order as the next revision, refuses the second owner of witnessTest001.addon.ont and the bad signature, and recognises s and n−s as one content', async () => {
    const history = readIndexSubmissions();
    const token = await client.developer();
    const firstWitnessOwner = history.find((entry) => entry.submission.addons[0]!.domain === WITNESS)!.vector.owner;
    const revisions = new Map<string, number>();
    for (const entry of history) {
      const identity = (entry.submission.addons[0]!.domain ?? entry.submission.addons[0]!.name) as string;
      if (!entry.vector.valid) {
        expect(entry.vector.commit.startsWith(INVALID_COMMIT)).toBe(true);
        await expectRefused(platform, () => client.submit(token, entry.text, 'testnet'), { code: 'SIGNATURE_INVALID', reason: 'SIGNATURE_MISMATCH', ownerDid: entry.vector.owner });
      } else if (identity === WITNESS && entry.vector.owner !== firstWitnessOwner) {
        await expectRefused(platform, () => client.submit(token, entry.text, 'testnet'), { code: 'FORBIDDEN', reason: 'IDENTITY_BOUND', ownerDid: entry.vector.owner });
      } else {
        const result = await client.submit(token, entry.text, 'testnet');
        expect(result.errors).toBeUndefined();
        const revision = (revisions.get(identity) ?? 0) + 1;
        revisions.set(identity, revision);
        expect(result.data!.submitAddons).toMatchObject({ status: 'ACCEPTED', form: 'LEGACY', ownerDid: entry.vector.owner, network: 'testnet' });
        expect(result.data!.submitAddons.versions).toEqual([
          expect.objectContaining({ version: `r${revision}`, revision, status: 'DRAFT', addon: expect.objectContaining({ name: identity }) }),
        ]);
      }
    }
    expect(Object.fromEntries(revisions)).toEqual({
      'claim.addon.ont': 3,
      [WITNESS]: 1,
      rongyi: 1,
      rongyi2: 1,
      rongyi3: 2,
      demo7: 1,
      demov2: 1,
      demo8: 1,
      'triones-node': 2,
    });

    // The same content again, with its signature as it was and with s replaced by n − s: both replays.
    const first = history[0]!.submission;
    await expectRefused(platform, () => client.submit(token, first, 'testnet'), { code: 'CONFLICT', reason: 'REPLAY' });
    const flipped = await expectRefused(platform, () => client.submit(token, { ...first, sig: complementSignature(first.sig) }, 'testnet'), { code: 'CONFLICT', reason: 'REPLAY' });
    expect(flipped.content_hash).toBeTruthy();

    // The first witness submission names a web page as its image: kept, and the version says why it cannot launch.
    const witness = await withClient(platform.databaseUrl, async (db) => (await db.query(`select v.* from addons.addon_version v join addons.addon a on a.id = v.addon_id where a.name = $1`, [WITNESS])).rows);
    expect(witness).toEqual([expect.objectContaining({ config_image: 'https://hub.docker.com/repository/docker/carltraveler/witnessv0:latest', launchable: false })]);
    expect(witness[0].not_launchable_reason).toMatch(/web address/);
    // No config service runs for it, so nothing is awaited from one.
    expect(witness[0].not_launchable_reason).not.toMatch(/config service/);
  });
});

describe('an accepted submission', () => {
  it('creates the addon in the network repo with the submitter as owner, a version per entry, and a config-service job for each pullable config image', async () => {
    const token = await client.developer();
    const owner = createTestOwner();
    const [withConfig, withoutConfig] = [uniqueName('form'), uniqueName('plain')];
    const result = await client.submit(
      token,
      owner.signLegacy([
        { name: withConfig, configImage: 'registry.example.com/team/form:1.0', runtimeImage: 'registry.example.com/team/run:1.0' },
        { name: withoutConfig, runtimeImage: 'registry.example.com/team/plain:2.0' },
      ]),
      'testnet',
    );
    expect(result.errors).toBeUndefined();
    const versions = result.data!.submitAddons.versions;
    expect(versions).toEqual([
      // Not launchable until its config service has served the config schema (config-schemas.test.ts).
      expect.objectContaining({
        version: 'r1',
        configImage: 'registry.example.com/team/form:1.0',
        launchable: false,
        notLaunchableReason: 'Its config service has not served its config schema yet; AddonVersion.configService shows how it is going.',
      }),
      expect.objectContaining({ version: 'r1', configImage: null, launchable: true }),
    ]);
    const jobs = await queuedJobs(platform, 'runtimes.launchConfigService');
    expect(jobs.filter((job) => versions.some((version: { id: string }) => version.id === job.payload.versionId))).toEqual([
      { key: `config-service:${versions[0].id}`, payload: { versionId: versions[0].id } },
    ]);
    const rows = await withClient(platform.databaseUrl, async (db) => (await db.query('select owner_sub, source from addons.addon_version where id = any($1::uuid[])', [versions.map((v: { id: string }) => v.id)])).rows);
    expect(rows.every((row) => row.source === 'SUBMISSION' && row.owner_sub.startsWith('dev-'))).toBe(true);
  });

  it('starts versions ACTIVE where the repo says so, and then tells the runtimes subgraph', async () => {
    await withClient(platform.databaseUrl, (db) => db.query(`update repos.repo set default_status = 'ACTIVE' where name = 'ontology-mainnet'`));
    try {
      const owner = createTestOwner();
      const name = uniqueName('live');
      const result = await client.submit(
        await client.developer(),
        owner.signEnvelope({ addons: [{ name, version: '1.0.0', configImage: 'example/form:1', runtimeImage: 'example/run:1' }], network: 'mainnet', nonce: freshNonce(), expiry: expiryIn(60_000) }),
      );
      expect(result.errors).toBeUndefined();
      const [version] = result.data!.submitAddons.versions;
      expect(version).toMatchObject({ version: '1.0.0', revision: null, status: 'ACTIVE' });
      const activated = await queuedJobs(platform, 'runtimes.versionActivated');
      expect(activated.map((job) => job.payload)).toContainEqual({ addonId: version.addon.id, versionId: version.id });
      expect((await queuedJobs(platform, 'runtimes.launchConfigService')).map((job) => job.payload.versionId)).toContain(version.id);
      const audit = await withClient(platform.databaseUrl, async (db) => (await db.query('select from_status, to_status, actor_sub from addons.addon_version_audit where version_id = $1', [version.id])).rows);
      expect(audit).toEqual([{ from_status: null, to_status: 'ACTIVE', actor_sub: expect.stringMatching(/^dev-/) }]);
    } finally {
      await withClient(platform.databaseUrl, (db) => db.query(`update repos.repo set default_status = 'DRAFT' where name = 'ontology-mainnet'`));
    }
  });

  it('refuses a submission landing ACTIVE whose ports clash with another ACTIVE addon, writing only its row', async () => {
    await withClient(platform.databaseUrl, (db) => db.query(`update repos.repo set default_status = 'ACTIVE' where name = 'ontology-mainnet'`));
    try {
      const token = await client.developer();
      const submitPorts = (owner: ReturnType<typeof createTestOwner>, name: string) =>
        client.submit(token, owner.signEnvelope({ addons: [{ name, version: '1.0.0', runtimeImage: 'example/run:1', ports: [47_811] }], network: 'mainnet', nonce: freshNonce(), expiry: expiryIn(60_000) }));
      const holder = uniqueName('port-holder');
      const first = await submitPorts(createTestOwner(), holder);
      expect(first.errors).toBeUndefined();
      expect(first.data!.submitAddons.versions[0].status).toBe('ACTIVE');
      const row = await expectRefused(platform, () => submitPorts(createTestOwner(), uniqueName('port-taker')), { code: 'CONFLICT', reason: 'RELEASE_CLASH' });
      expect(row.message).toContain(holder);
      expect(row.message).toContain('47811/TCP');
    } finally {
      await withClient(platform.databaseUrl, (db) => db.query(`update repos.repo set default_status = 'DRAFT' where name = 'ontology-mainnet'`));
    }
  });

  it('takes an envelope as JSON text or as an object, and increasing versions', async () => {
    const token = await client.developer();
    const owner = createTestOwner();
    const name = uniqueName('env');
    const envelope = (version: string) => owner.signEnvelope({ addons: [{ name, version, runtimeImage: 'example/run:1' }], network: 'testnet', nonce: freshNonce(), expiry: expiryIn(60_000) });
    const first = await client.submit(token, JSON.stringify(envelope('1.0.0')));
    expect(first.errors).toBeUndefined();
    expect(first.data!.submitAddons).toMatchObject({ form: 'ENVELOPE', network: 'testnet', versions: [{ version: '1.0.0', revision: null }] });
    const second = await client.submit(token, envelope('1.1.0'), 'testnet');
    expect(second.errors).toBeUndefined();
    expect(second.data!.submitAddons.versions[0].version).toBe('1.1.0');
  });
});

describe('a refused submission', () => {
  const signed = (owner = createTestOwner(), name = uniqueName('addon')) => ({ owner, name, submission: owner.signLegacy([{ name, configImage: 'example/form:1', runtimeImage: 'example/run:1' }]) });

  it('is refused as SIGNATURE_INVALID when a byte of an addon field changed after signing', async () => {
    const token = await client.developer();
    const { owner, submission } = signed();
    const addons = submission.addons as Array<Record<string, string>>;
    const tampered = { ...submission, addons: [{ ...addons[0], runtimeImage: 'example/run:2' }] };
    await expectRefused(platform, () => client.submit(token, tampered, 'testnet'), { code: 'SIGNATURE_INVALID', reason: 'SIGNATURE_MISMATCH', ownerDid: owner.did });
  });

  it("is refused as SIGNATURE_INVALID under another owner's DID", async () => {
    const token = await client.developer();
    const other = createTestOwner();
    const { submission } = signed();
    await expectRefused(platform, () => client.submit(token, { ...submission, owner: other.did }, 'testnet'), { code: 'SIGNATURE_INVALID', reason: 'SIGNATURE_MISMATCH', ownerDid: other.did });
  });

  it.each([
    ['non-hex', () => `01${'zz'.repeat(64)}`, 'BAD_SIGNATURE'],
    ['short', (sig: string) => sig.slice(0, 100), 'BAD_SIGNATURE'],
    ['malformed', () => 'not a signature', 'BAD_SIGNATURE'],
    ['of an unknown scheme', (sig: string) => `02${sig.slice(2)}`, 'UNKNOWN_SIGNATURE_SCHEME'],
  ])('is refused as BAD_USER_INPUT when the sig is %s', async (_name, change, reason) => {
    const token = await client.developer();
    const { owner, submission } = signed();
    await expectRefused(platform, () => client.submit(token, { ...submission, sig: change(submission.sig as string) }, 'testnet'), { code: 'BAD_USER_INPUT', reason, ownerDid: owner.did });
  });

  it('is refused as a replay when its signature, or the same signature with n − s, comes again', async () => {
    const token = await client.developer();
    const { submission } = signed();
    expect((await client.submit(token, submission, 'testnet')).errors).toBeUndefined();
    await expectRefused(platform, () => client.submit(token, submission, 'testnet'), { code: 'CONFLICT', reason: 'REPLAY' });
    await expectRefused(platform, () => client.submit(token, { ...submission, sig: complementSignature(submission.sig as string) }, 'testnet'), { code: 'CONFLICT', reason: 'REPLAY' });
  });

  it('is refused when an accepted envelope of the owner already used its nonce', async () => {
    const token = await client.developer();
    const owner = createTestOwner();
    const nonce = freshNonce();
    const envelope = (name: string) => owner.signEnvelope({ addons: [{ name, version: '1.0.0', runtimeImage: 'example/run:1' }], network: 'testnet', nonce, expiry: expiryIn(60_000) });
    expect((await client.submit(token, envelope(uniqueName('a')))).errors).toBeUndefined();
    await expectRefused(platform, () => client.submit(token, envelope(uniqueName('b'))), { code: 'CONFLICT', reason: 'NONCE_REUSED', ownerDid: owner.did });
  });

  it('is refused as SUBMISSION_EXPIRED once its expiry has passed', async () => {
    const token = await client.developer();
    const owner = createTestOwner();
    const expired = owner.signEnvelope({ addons: [{ name: uniqueName('old'), version: '1.0.0' }], network: 'testnet', nonce: freshNonce(), expiry: expiryIn(-1000) });
    await expectRefused(platform, () => client.submit(token, expired), { code: 'SUBMISSION_EXPIRED', reason: 'EXPIRED', ownerDid: owner.did });
  });

  it("is refused as CONFLICT when a version is not greater than the addon's latest", async () => {
    const token = await client.developer();
    const owner = createTestOwner();
    const name = uniqueName('semver');
    const envelope = (version: string) => owner.signEnvelope({ addons: [{ name, version }], network: 'testnet', nonce: freshNonce(), expiry: expiryIn(60_000) });
    expect((await client.submit(token, envelope('1.2.0'))).errors).toBeUndefined();
    for (const version of ['1.2.0', '1.1.9', '1.2.0+build.2', '1.2.0-rc.1']) {
      await expectRefused(platform, () => client.submit(token, envelope(version)), { code: 'CONFLICT', reason: 'VERSION_NOT_GREATER', ownerDid: owner.did });
    }
  });

  it('is refused as FORBIDDEN when another owner DID holds the identity in that network', async () => {
    const token = await client.developer();
    const { name } = signed();
    const first = signed(createTestOwner(), name);
    expect((await client.submit(token, first.submission, 'testnet')).errors).toBeUndefined();
    const second = signed(createTestOwner(), name.toUpperCase());
    await expectRefused(platform, () => client.submit(token, second.submission, 'testnet'), { code: 'FORBIDDEN', reason: 'IDENTITY_BOUND', ownerDid: second.owner.did });
  });

  it('is refused as BAD_USER_INPUT when two entries name one identity in different cases', async () => {
    const token = await client.developer();
    const owner = createTestOwner();
    const name = uniqueName('twice');
    const submission = owner.signLegacy([{ name, runtimeImage: 'example/run:1' }, { name: name.toUpperCase(), runtimeImage: 'example/run:2' }]);
    await expectRefused(platform, () => client.submit(token, submission, 'testnet'), { code: 'BAD_USER_INPUT', reason: 'DUPLICATE_ADDON', ownerDid: owner.did });
  });

  it.each([
    ['text that is not JSON', 'not json {', 'NOT_JSON'],
    ['an object of neither form', { hello: 'world' }, 'UNKNOWN_FIELD'],
    ['an array', [1, 2], 'WRONG_TYPE'],
  ])('is refused as BAD_USER_INPUT for %s', async (_name, submission, reason) => {
    const token = await client.developer();
    const row = await expectRefused(platform, () => client.submit(token, submission, 'testnet'), { code: 'BAD_USER_INPUT', reason });
    expect(row.owner_did).toBeNull();
  });

  it('is refused before parsing when it is over the size cap, and its log keeps the first bytes only', async () => {
    const token = await client.developer();
    const row = await expectRefused(platform, () => client.submit(token, `{"owner": "${'x'.repeat(70 * 1024)}"}`, 'testnet'), { code: 'BAD_USER_INPUT', reason: 'TOO_LARGE' });
    expect(row.body_truncated).toBe(true);
    expect(row.body.length).toBe(64 * 1024);
  });

  it('is refused as FORBIDDEN in the legacy form on a network whose policy takes envelopes only', async () => {
    const token = await client.developer();
    const { owner, submission } = signed();
    await expectRefused(platform, () => client.submit(token, submission, 'mainnet'), { code: 'FORBIDDEN', reason: 'LEGACY_REFUSED', ownerDid: owner.did });
  });

  it('is refused as BAD_USER_INPUT in the legacy form without a network, or for a network not served', async () => {
    const token = await client.developer();
    const { submission } = signed();
    await expectRefused(platform, () => client.submit(token, submission, null), { code: 'BAD_USER_INPUT', reason: 'MISSING_NETWORK' });
    await expectRefused(platform, () => client.submit(token, submission, 'devnet'), { code: 'BAD_USER_INPUT', reason: 'UNKNOWN_NETWORK' });
  });

  it('is refused when the network argument contradicts the envelope', async () => {
    const token = await client.developer();
    const owner = createTestOwner();
    const envelope = owner.signEnvelope({ addons: [{ name: uniqueName('x'), version: '1.0.0' }], network: 'testnet', nonce: freshNonce(), expiry: expiryIn(60_000) });
    await expectRefused(platform, () => client.submit(token, envelope, 'mainnet'), { code: 'BAD_USER_INPUT', reason: 'NETWORK_MISMATCH' });
  });

  it('is refused over the rate limit, counted from the log', async () => {
    const token = await client.developer();
    for (let i = 0; i < 25; i++) expect(codesOf(await client.submit(token, 'junk', 'testnet'))).toEqual(['BAD_USER_INPUT']);
    const { submission } = signed();
    const row = await expectRefused(platform, () => client.submit(token, submission, 'testnet'), { code: 'RATE_LIMITED', reason: 'RATE_LIMITED' });
    expect(row.body).toBeNull();
    // Another user is not held back by it.
    expect((await client.submit(await client.developer(), submission, 'testnet')).errors).toBeUndefined();
  });
});

describe('a caller without the role', () => {
  it('is refused as UNAUTHENTICATED or FORBIDDEN, and nothing is recorded', async () => {
    const { submission } = { submission: createTestOwner().signLegacy([{ name: uniqueName('x'), runtimeImage: 'example/run:1' }]) };
    const tenant = await platform.token({ sub: uniqueName('tenant'), roles: ['tenant'], tenant: 't1' });
    for (const [token, code] of [
      [undefined, 'UNAUTHENTICATED'],
      [tenant, 'FORBIDDEN'],
    ] as const) {
      const before = await catalogSnapshot(platform);
      const rejected = await rejectedIds(platform);
      const result = await client.submit(token, submission, 'testnet');
      expect(codesOf(result)).toEqual([code]);
      expect(result.errors![0]!.extensions!.submissionId).toBeUndefined();
      expect(await catalogSnapshot(platform)).toEqual(before);
      expect(await rejectedIds(platform)).toEqual(rejected);
    }
  });
});
