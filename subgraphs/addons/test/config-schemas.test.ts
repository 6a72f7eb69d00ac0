import { randomUUID } from 'node:crypto';
import { createTestOwner } from '@addon-platform/ontology/testing';
import { configSchemaReadCommand } from '@addon-platform/platform';
import { withClient } from '@addon-platform/platform/testing';
import { postGraphQL } from '../../../test/helpers/client.js';
import { startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.js';
import { MAX_SCHEMA_BYTES } from '../src/config-schemas/config-schema.service.js';
import { runJob, submitter, uniqueName } from './submission-helpers.js';

/**
 * "The config schema of version V is S" (`addons.recordConfigSchema`), run by the addons worker as the
 * runtimes subgraph sends it once V's config service answered `GET /config`.
 */
let platform: TestPlatform;
let client: ReturnType<typeof submitter>;
let operator: string;

beforeAll(async () => {
  platform = await startTestPlatform({ env: { SYNC_INTERVAL_MS: '0', SUBMISSION_RATE_LIMIT: '50' } });
  client = submitter(platform);
  operator = await platform.token({ sub: 'op', roles: ['operator'] });
});
afterAll(async () => {
  await platform?.stop();
});

const PENDING = 'Its config service has not served its config schema yet; AddonVersion.configService shows how it is going.';
const SCHEMA = { type: 'object', properties: { port: { type: 'integer', minimum: 1 }, endpoint: { type: 'string', format: 'uri' } }, required: ['port'] };
const UI_SCHEMA = { port: { 'ui:widget': 'updown' } };

const VERSION = `query ($id: ID!) {
  addonVersion(id: $id) { id launchable notLaunchableReason configSchema configSchemaValidated configSchemaSource uiSchemas { name content } }
}`;

async function versionOf(id: string): Promise<Record<string, any>> {
  const result = await postGraphQL(platform.gateway.graphqlUrl, VERSION, { variables: { id }, token: operator });
  expect(result.errors).toBeUndefined();
  return result.data!.addonVersion;
}

/** Submits one legacy entry and answers its version's id. */
async function submitted(images: { configImage?: string; runtimeImage?: string }): Promise<string> {
  const result = await client.submit(await client.developer(), createTestOwner().signLegacy([{ name: uniqueName('form'), ...images }]), 'testnet');
  expect(result.errors).toBeUndefined();
  return result.data!.submitAddons.versions[0].id;
}

/** The version's row and its addon's: what a dropped read must leave as it was. */
const rowsOf = (versionId: string) =>
  withClient(platform.databaseUrl, async (db) => ({
    version: (await db.query('select * from addons.addon_version where id = $1', [versionId])).rows[0],
    addon: (await db.query('select a.* from addons.addon a join addons.addon_version v on v.addon_id = a.id where v.id = $1', [versionId])).rows[0],
  }));

const PULLABLE = { configImage: 'registry.example.com/team/form:1.0', runtimeImage: 'registry.example.com/team/run:1.0' };

describe('a version with a pullable config image', () => {
  it('is launchable once its config service served its schema, with the schema and the UI schema on the version', async () => {
    const id = await submitted(PULLABLE);
    expect(await versionOf(id)).toMatchObject({ launchable: false, notLaunchableReason: PENDING, configSchema: null, configSchemaValidated: false, uiSchemas: [] });
    const before = await rowsOf(id);

    await runJob(platform, configSchemaReadCommand(id, SCHEMA, UI_SCHEMA));

    expect(await versionOf(id)).toEqual({
      id,
      launchable: true,
      notLaunchableReason: null,
      configSchema: SCHEMA,
      configSchemaValidated: true,
      configSchemaSource: JSON.stringify(SCHEMA, null, 2),
      uiSchemas: [{ name: 'config-service', content: JSON.stringify(UI_SCHEMA, null, 2) }],
    });
    const after = await rowsOf(id);
    expect(after.version.updated_at.getTime()).toBeGreaterThan(before.version.updated_at.getTime());
    expect(after.addon.updated_at.getTime()).toBeGreaterThan(before.addon.updated_at.getTime());
    // The runtimes subgraph reads it through the published view.
    const [published] = await withClient(platform.databaseUrl, async (db) => (await db.query('select * from addons.launchable_version where version_id = $1', [id])).rows);
    expect(published).toMatchObject({ launchable: true, not_launchable_reason: null, config_schema: SCHEMA, config_schema_validated: true, revision: 1, sort_key: after.version.sort_key });
  });

  it('changes nothing when the same read comes again', async () => {
    const id = await submitted(PULLABLE);
    await runJob(platform, configSchemaReadCommand(id, SCHEMA, UI_SCHEMA));
    const once = await rowsOf(id);
    await runJob(platform, configSchemaReadCommand(id, SCHEMA, UI_SCHEMA));
    expect(await rowsOf(id)).toEqual(once);
  });

  it('takes a newer read in place of the earlier one, dropping a UI schema no longer served', async () => {
    const id = await submitted(PULLABLE);
    await runJob(platform, configSchemaReadCommand(id, SCHEMA, UI_SCHEMA));
    const newer = { type: 'object', properties: { replicas: { type: 'integer' } } };
    await runJob(platform, configSchemaReadCommand(id, newer, null));
    expect(await versionOf(id)).toMatchObject({ launchable: true, configSchema: newer, configSchemaSource: JSON.stringify(newer, null, 2), uiSchemas: [] });
  });

  it('stays not launchable for its runtime image when it names none', async () => {
    const id = await submitted({ configImage: PULLABLE.configImage });
    expect((await versionOf(id)).notLaunchableReason).toBe(`It names no runtimeImage, so it has nothing to launch; submit a new version that names one. ${PENDING}`);
    await runJob(platform, configSchemaReadCommand(id, SCHEMA, null));
    expect(await versionOf(id)).toMatchObject({
      launchable: false,
      notLaunchableReason: 'It names no runtimeImage, so it has nothing to launch; submit a new version that names one.',
      configSchema: SCHEMA,
      configSchemaValidated: true,
    });
  });
});

describe('a config schema read that is dropped, changing nothing', () => {
  let id: string;
  beforeAll(async () => {
    id = await submitted(PULLABLE);
  });

  const send = (payload: object) => runJob(platform, { task: 'addons.recordConfigSchema', payload });
  const cases: Array<[string, () => object]> = [
    ['a version id that is not a UUID', () => ({ versionId: 'not-a-uuid', configSchema: SCHEMA, uiSchema: null })],
    ['an unknown version', () => configSchemaReadCommand(randomUUID(), SCHEMA, null).payload],
    ['a schema that is not a JSON object', () => ({ versionId: id, configSchema: [SCHEMA], uiSchema: null })],
    ['a schema given as text', () => ({ versionId: id, configSchema: JSON.stringify(SCHEMA), uiSchema: null })],
    ['a schema that does not compile', () => configSchemaReadCommand(id, { type: 'object', properties: { port: { type: 'integr' } } }, null).payload],
    ['a schema referring to nothing', () => configSchemaReadCommand(id, { $ref: '#/definitions/missing' }, null).payload],
    ['an oversized schema', () => configSchemaReadCommand(id, { type: 'object', description: 'x'.repeat(MAX_SCHEMA_BYTES) }, null).payload],
    ['an oversized UI schema', () => configSchemaReadCommand(id, SCHEMA, { help: 'x'.repeat(MAX_SCHEMA_BYTES) }).payload],
    ['a UI schema that is not an object', () => ({ versionId: id, configSchema: SCHEMA, uiSchema: 'ui' })],
    ['no UI schema field', () => ({ versionId: id, configSchema: SCHEMA })],
  ];

  it.each(cases)('%s', async (_name, payload) => {
    const before = await rowsOf(id);
    await send(payload());
    expect(await rowsOf(id)).toEqual(before);
    expect(before.version).toMatchObject({ launchable: false, config_schema: null });
  });

  it('for a REMOVED version', async () => {
    const removed = await submitted(PULLABLE);
    await withClient(platform.databaseUrl, (db) => db.query(`update addons.addon_version set status = 'REMOVED' where id = $1`, [removed]));
    const before = await rowsOf(removed);
    await runJob(platform, configSchemaReadCommand(removed, SCHEMA, null));
    expect(await rowsOf(removed)).toEqual(before);
  });

  it('for a version whose config image is a web address: it gets no config service, and keeps its own reason', async () => {
    const web = await submitted({ configImage: 'https://hub.docker.com/r/team/form', runtimeImage: PULLABLE.runtimeImage });
    const before = await rowsOf(web);
    expect(before.version.launchable).toBe(false);
    expect(before.version.not_launchable_reason).toMatch(/^configImage "https:\/\/hub\.docker\.com\/r\/team\/form" is a web address/);
    expect(before.version.not_launchable_reason).not.toContain(PENDING);
    await runJob(platform, configSchemaReadCommand(web, SCHEMA, null));
    expect(await rowsOf(web)).toEqual(before);
  });
});
