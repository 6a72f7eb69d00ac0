import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { enqueueJob, type EnqueueOptions, type TaskName } from '@addon-platform/platform';
import { waitFor, withClient } from '@addon-platform/platform/testing';
import { postGraphQL, type GraphQLResult } from '../../../test/helpers/client.js';
import type { TestPlatform } from '../../../test/helpers/platform.js';

/** The real testnet index submissions (fixtures/ontology-addon-index/), oldest first by `order`. */
export const INDEX_DIR = fileURLToPath(new URL('../../../fixtures/ontology-addon-index/', import.meta.url));

export interface IndexSubmission {
  file: string;
  /** The file's text, exactly as the index held it. */
  text: string;
  submission: { owner: string; addons: Array<Record<string, unknown>>; sig: string };
  vector: { owner: string; valid: boolean; commit: string; order: number; highS: boolean };
}

export function readIndexSubmissions(): IndexSubmission[] {
  const vectors = JSON.parse(readFileSync(`${INDEX_DIR}vectors.json`, 'utf8')) as Record<string, IndexSubmission['vector']>;
  return Object.entries(vectors)
    .map(([file, vector]) => {
      const text = readFileSync(`${INDEX_DIR}${file}`, 'utf8');
      return { file, text, submission: JSON.parse(text), vector };
    })
    .sort((a, b) => a.vector.order - b.vector.order);
}

export const SUBMIT = `mutation ($submission: JSON!, $network: String) {
  submitAddons(submission: $submission, network: $network) {
    id status form ownerDid network contentHash nonce code
    versions { id version revision status configImage runtimeImage launchable notLaunchableReason addon { id name } }
  }
}`;

export const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
export const freshNonce = () => randomBytes(16).toString('hex');
/** An expiry `ms` from now, to the second, as envelopes write it. */
export const expiryIn = (ms: number) => new Date(Date.now() + ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function submitter(platform: TestPlatform) {
  return {
    /** A developer of its own, so no test spends another's rate limit. */
    developer: () => platform.token({ sub: uniqueName('dev'), roles: ['developer'] }),
    submit: (token: string | undefined, submission: unknown, network?: string | null): Promise<GraphQLResult> =>
      postGraphQL(platform.gateway.graphqlUrl, SUBMIT, { variables: { submission, network }, token }),
  };
}

/** Every catalog row, identity binding and queued job: what a refusal must leave as it was. */
export function catalogSnapshot(platform: TestPlatform): Promise<unknown> {
  return withClient(platform.databaseUrl, async (client) => ({
    addons: (await client.query('select * from addons.addon order by id')).rows,
    versions: (await client.query('select * from addons.addon_version order by id')).rows,
    identities: (await client.query('select * from addons.addon_identity order by network, identity_key')).rows,
    transfers: (await client.query('select * from addons.addon_identity_transfer order by id')).rows,
    accepted: (await client.query(`select * from addons.submission where status = 'ACCEPTED' order by id`)).rows,
    jobs: (await client.query('select id, task_id, key, payload, revision from graphile_worker._private_jobs order by id')).rows,
  }));
}

export function rejectedIds(platform: TestPlatform): Promise<string[]> {
  return withClient(platform.databaseUrl, async (client) => (await client.query(`select id from addons.submission where status = 'REJECTED' order by id`)).rows.map((row) => row.id as string));
}

export function submissionRow(platform: TestPlatform, id: string): Promise<Record<string, any>> {
  return withClient(platform.databaseUrl, async (client) => (await client.query('select * from addons.submission where id = $1', [id])).rows[0]);
}

/** Jobs queued for the runtimes subgraph, by task and key. */
export function queuedJobs(platform: TestPlatform, task: string): Promise<Array<{ key: string | null; payload: Record<string, string> }>> {
  return withClient(platform.databaseUrl, async (client) =>
    (
      await client.query(
        `select j.key, j.payload from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id where t.identifier = $1 order by j.id`,
        [task],
      )
    ).rows,
  );
}

/**
 * Enqueues a job as its sender would and waits for a worker to finish it (a finished job leaves the
 * queue); fails at once if its run threw.
 */
export async function runJob(platform: TestPlatform, command: { task: TaskName; payload: object; options?: EnqueueOptions }): Promise<void> {
  const { id } = await withClient(platform.databaseUrl, (client) => enqueueJob(client, command.task, command.payload, command.options));
  await waitFor(
    () =>
      withClient(platform.databaseUrl, async (client) => {
        const [job] = (await client.query('select last_error from graphile_worker._private_jobs where id = $1', [id])).rows;
        if (job?.last_error) throw new Error(`job ${command.task} failed: ${job.last_error}`);
        return job === undefined;
      }),
    { description: `job ${command.task} ${id} to finish` },
  );
}

/**
 * Submits and checks the refusal as a user sees it and as the database keeps it: the code and reason,
 * a submission id, exactly one new REJECTED row (that one), and nothing else changed.
 */
export async function expectRefused(
  platform: TestPlatform,
  send: () => Promise<GraphQLResult>,
  expected: { code: string; reason: string; ownerDid?: string | null },
): Promise<Record<string, any>> {
  const before = await catalogSnapshot(platform);
  const rejectedBefore = await rejectedIds(platform);
  const result = await send();
  expect(result.data?.submitAddons ?? null).toBeNull();
  expect(result.errors).toHaveLength(1);
  const error = result.errors![0]!;
  expect(error.extensions).toMatchObject({ code: expected.code, reason: expected.reason });
  expect(error.message.length).toBeGreaterThan(10);
  const submissionId = error.extensions!.submissionId as string;
  expect(submissionId).toMatch(/^[0-9a-f-]{36}$/);
  expect(await catalogSnapshot(platform)).toEqual(before);
  const rejectedAfter = await rejectedIds(platform);
  expect(rejectedAfter.filter((id) => !rejectedBefore.includes(id))).toEqual([submissionId]);
  const row = await submissionRow(platform, submissionId);
  expect(row).toMatchObject({ status: 'REJECTED', code: expected.code, reason: expected.reason, message: error.message });
  if (expected.ownerDid !== undefined) expect(row.owner_did).toBe(expected.ownerDid);
  return row;
}
