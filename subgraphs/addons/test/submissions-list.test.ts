import { createTestOwner } from '@addon-platform/ontology/testing';
import { withClient } from '@addon-platform/platform/testing';
import { codesOf, postGraphQL } from '../../../test/helpers/client.js';
import { startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.js';
import { expiryIn, freshNonce, submitter, uniqueName } from './submission-helpers.js';

/** `submissions`: who sees which; and `transferAddonIdentity`, with its audit row. */
let platform: TestPlatform;
let client: ReturnType<typeof submitter>;
let operator: string;

beforeAll(async () => {
  platform = await startTestPlatform({ env: { JOB_CONCURRENCY: '0', SYNC_INTERVAL_MS: '0' } });
  client = submitter(platform);
  operator = await platform.token({ sub: 'list-operator', roles: ['operator'] });
});
afterAll(async () => {
  await platform?.stop();
});

const LIST = `query ($filter: SubmissionFilterInput, $first: Int, $after: String) {
  submissions(filter: $filter, first: $first, after: $after) {
    totalCount edges { node { id status reason ownerDid network submittedBy repo { id } versions { version } } } pageInfo { hasNextPage endCursor }
  }
}`;
const list = (token: string | undefined, filter: Record<string, unknown>, first = 100, after?: string) =>
  postGraphQL(platform.gateway.graphqlUrl, LIST, { variables: { filter, first, after }, token });

describe('submissions', () => {
  const owner = createTestOwner();
  let first: string;
  let second: string;
  const accepted: string[] = [];
  const rejectedOf: Record<string, string> = {};

  beforeAll(async () => {
    first = await client.developer();
    second = await client.developer();
    for (const token of [first, first, second]) {
      const result = await client.submit(token, owner.signLegacy([{ name: uniqueName('listed'), runtimeImage: 'example/run:1' }]), 'testnet');
      accepted.push(result.data!.submitAddons.id);
    }
    for (const [name, token] of [['first', first], ['second', second]] as const) {
      // Signed by another key under owner's DID: refused, and logged under the DID it names.
      const bad = createTestOwner().signLegacy([{ name: uniqueName('bad'), runtimeImage: 'example/run:1' }]);
      const result = await client.submit(token, { ...bad, owner: owner.did }, 'testnet');
      expect(codesOf(result)).toEqual(['SIGNATURE_INVALID']);
      rejectedOf[name] = result.errors![0]!.extensions!.submissionId;
    }
  });

  const idsOf = (result: any) => result.data.submissions.edges.map((edge: { node: { id: string } }) => edge.node.id).sort();

  it('lists the accepted ones to anyone who may see the network repo, rejected ones to none but their submitter and operators', async () => {
    const tenant = await platform.token({ sub: uniqueName('tenant'), roles: ['tenant'], tenant: 't1' });
    const cases: Array<[string | undefined, string[]]> = [
      [undefined, accepted],
      [tenant, accepted],
      [first, [...accepted, rejectedOf.first!]],
      [second, [...accepted, rejectedOf.second!]],
      [operator, [...accepted, rejectedOf.first!, rejectedOf.second!]],
    ];
    for (const [token, expected] of cases) {
      const result: any = await list(token, { ownerDid: owner.did });
      expect(result.errors).toBeUndefined();
      expect(result.data.submissions.totalCount).toBe(expected.length);
      expect(idsOf(result)).toEqual([...expected].sort());
    }
  });

  it('filters by status and network, and shows the submitter only to that user and operators', async () => {
    const anonymous: any = await list(undefined, { ownerDid: owner.did, status: 'REJECTED' });
    expect(anonymous.data.submissions.totalCount).toBe(0);
    expect((await list(operator, { ownerDid: owner.did, network: 'mainnet' })).data!.submissions.totalCount).toBe(0);
    const own: any = await list(first, { ownerDid: owner.did, status: 'ACCEPTED' });
    const submitters = own.data.submissions.edges.map((edge: any) => edge.node.submittedBy);
    // Two of the three are first's own; second's is not shown to first.
    expect(submitters.filter((sub: string | null) => sub !== null)).toHaveLength(2);
    expect(submitters.filter((sub: string | null) => sub === null)).toHaveLength(1);
    // Versions keep their own visibility: first sees its DRAFT versions, not second's.
    const mine = own.data.submissions.edges.find((edge: any) => edge.node.submittedBy !== null).node;
    const theirs = own.data.submissions.edges.find((edge: any) => edge.node.submittedBy === null).node;
    expect(mine).toMatchObject({ status: 'ACCEPTED', network: 'testnet', versions: [{ version: 'r1' }], repo: { id: expect.any(String) } });
    expect(theirs.versions).toEqual([]);
  });

  it('pages newest first with totalCount right and no gap or repeat', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const result: any = await list(operator, { ownerDid: owner.did }, 2, after);
      expect(result.data.submissions.totalCount).toBe(5);
      seen.push(...result.data.submissions.edges.map((edge: any) => edge.node.id));
      after = result.data.submissions.pageInfo.hasNextPage ? result.data.submissions.pageInfo.endCursor : undefined;
    } while (after);
    expect([...seen].sort()).toEqual([...accepted, rejectedOf.first!, rejectedOf.second!].sort());
    expect(new Set(seen).size).toBe(5);
  });

  it("hides accepted ones from viewers who may not see the network's repo", async () => {
    const mainnetOwner = createTestOwner();
    const envelope = mainnetOwner.signEnvelope({ addons: [{ name: uniqueName('main'), version: '1.0.0' }], network: 'mainnet', nonce: freshNonce(), expiry: expiryIn(60_000) });
    expect((await client.submit(await client.developer(), envelope)).errors).toBeUndefined();
    await withClient(platform.databaseUrl, (db) => db.query(`update repos.repo set visibility = 'PRIVATE' where name = 'ontology-mainnet'`));
    try {
      expect((await list(undefined, { ownerDid: mainnetOwner.did })).data!.submissions.totalCount).toBe(0);
      expect((await list(operator, { ownerDid: mainnetOwner.did })).data!.submissions.totalCount).toBe(1);
    } finally {
      await withClient(platform.databaseUrl, (db) => db.query(`update repos.repo set visibility = 'PUBLIC' where name = 'ontology-mainnet'`));
    }
  });
});

describe('transferAddonIdentity', () => {
  const TRANSFER = `mutation ($network: String!, $identity: String!, $newOwnerDid: String!, $reason: String!) {
    transferAddonIdentity(network: $network, identity: $identity, newOwnerDid: $newOwnerDid, reason: $reason) {
      id network identity fromOwnerDid toOwnerDid transferredBy reason createdAt addon { name }
    }
  }`;
  const transfer = (token: string, variables: Record<string, string>) => postGraphQL(platform.gateway.graphqlUrl, TRANSFER, { variables, token });

  it("moves an identity to another owner DID, audited, after which the new owner's submissions are accepted and the old owner's refused", async () => {
    const token = await client.developer();
    const [previous, next] = [createTestOwner(), createTestOwner()];
    const name = uniqueName('moved');
    const entry = (image: string) => [{ name, runtimeImage: image }];
    expect((await client.submit(token, previous.signLegacy(entry('example/run:1')), 'testnet')).errors).toBeUndefined();
    expect(codesOf(await client.submit(token, next.signLegacy(entry('example/run:2')), 'testnet'))).toEqual(['FORBIDDEN']);

    const result = await transfer(operator, { network: 'testnet', identity: name, newOwnerDid: next.did, reason: 'The owner rotated its key (ticket 42).' });
    expect(result.errors).toBeUndefined();
    expect(result.data!.transferAddonIdentity).toMatchObject({
      network: 'testnet',
      identity: name,
      fromOwnerDid: previous.did,
      toOwnerDid: next.did,
      transferredBy: 'list-operator',
      reason: 'The owner rotated its key (ticket 42).',
      addon: { name },
    });
    const audit = await withClient(platform.databaseUrl, async (db) => (await db.query('select * from addons.addon_identity_transfer where identity = $1', [name])).rows);
    expect(audit).toEqual([expect.objectContaining({ from_owner_did: previous.did, to_owner_did: next.did, transferred_by: 'list-operator', created_at: expect.any(Date) })]);

    const accepted = await client.submit(token, next.signLegacy(entry('example/run:3')), 'testnet');
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data!.submitAddons.versions[0]).toMatchObject({ version: 'r2', revision: 2 });
    expect(codesOf(await client.submit(token, previous.signLegacy(entry('example/run:4')), 'testnet'))).toEqual(['FORBIDDEN']);
  });

  it('is refused to non-operators, and for an identity that is not bound or a DID that is not one', async () => {
    const developer = await client.developer();
    const owner = createTestOwner();
    const name = uniqueName('kept');
    expect((await client.submit(developer, owner.signLegacy([{ name, runtimeImage: 'example/run:1' }]), 'testnet')).errors).toBeUndefined();
    const variables = { network: 'testnet', identity: name, newOwnerDid: createTestOwner().did, reason: 'mine now' };
    expect(codesOf(await transfer(developer, variables))).toEqual(['FORBIDDEN']);
    expect(codesOf(await transfer(operator, { ...variables, identity: uniqueName('nobody') }))).toEqual(['NOT_FOUND']);
    expect(codesOf(await transfer(operator, { ...variables, newOwnerDid: 'did:ont:nope' }))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await transfer(operator, { ...variables, reason: '  ' }))).toEqual(['BAD_USER_INPUT']);
    const unchanged = await withClient(platform.databaseUrl, async (db) => (await db.query('select owner_did from addons.addon_identity where identity = $1', [name])).rows);
    expect(unchanged).toEqual([{ owner_did: owner.did }]);
  });
});
