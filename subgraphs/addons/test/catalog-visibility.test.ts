import { AddonVersionStatus, type Addon, type AddonVersion } from '@addon-platform/addons';
import { signSubgraphRequest } from '@addon-platform/platform';
import type { Repo } from '@addon-platform/repos';
import { codesOf, postGraphQL } from '../../../test/helpers/client.js';
import { newAddon, newAddonVersion } from '../../../test/helpers/factories.js';
import { startTestPlatform, type TestPlatform } from '../../../test/helpers/platform.js';
import { createMatrixRepos, signInViewers, type MatrixRepos, type MatrixViewer } from '../../../test/helpers/viewers.js';
import { AddonVersionSource } from '../src/versions/addon-version.entity.js';

/**
 * DESIGN's visibility rules for the catalog, viewer by viewer: addons follow their repo's visibility
 * (the matrix of subgraphs/repos/test/visibility.test.ts); of their versions, tenants and anonymous
 * see the ACTIVE ones, owners also their own (the repo's owner, or the submitter of a submitted
 * version), operators all. Pages and totalCount must hold exactly that.
 */
let platform: TestPlatform;
const OWNER = 'catalog-owner';
const SUBMITTER = 'catalog-submitter';

type RepoKey = keyof MatrixRepos;
let repos: MatrixRepos;
/** Per repo, one addon with an ACTIVE and a DRAFT version. */
let addons: Record<RepoKey, { addon: Addon; active: AddonVersion; draft: AddonVersion }>;
/** In the public repo, an addon with an ACTIVE version and a version SUBMITTED by another developer. */
let submitted: { addon: Addon; active: AddonVersion; submission: AddonVersion };

type ViewerCase = MatrixViewer & {
  sees: RepoKey[];
  /** Versions it sees beyond the ACTIVE ones of the repos it sees. */
  alsoSees: 'nothing' | 'drafts of its repos' | 'its submission' | 'everything';
};

const viewers: ViewerCase[] = [
  { name: 'anonymous', sees: ['public'], alsoSees: 'nothing' },
  { name: 'a tenant without selectors', claims: { sub: 'c-tenant-plain', roles: ['tenant'], tenant: 't1' }, sees: ['public'], alsoSees: 'nothing' },
  {
    name: 'a tenant holding a matching selector',
    claims: { sub: 'c-tenant-blue', roles: ['tenant'], tenant: 't1' },
    selectors: [{ key: 'team', value: 'blue' }],
    sees: ['public', 'selected', 'selectedTwoLabels'],
    alsoSees: 'nothing',
  },
  {
    name: 'a tenant whose selector matches only the second label of one repo',
    claims: { sub: 'c-tenant-prod', roles: ['tenant'], tenant: 't1' },
    selectors: [{ key: 'env', value: 'prod' }],
    sees: ['public', 'selectedTwoLabels'],
    alsoSees: 'nothing',
  },
  {
    name: 'a tenant whose selector has the right key and another value',
    claims: { sub: 'c-tenant-red', roles: ['tenant'], tenant: 't1' },
    selectors: [{ key: 'team', value: 'red' }],
    sees: ['public'],
    alsoSees: 'nothing',
  },
  {
    name: 'the owning developer',
    claims: { sub: OWNER, roles: ['developer'] },
    sees: ['public', 'private', 'selected', 'selectedTwoLabels'],
    alsoSees: 'drafts of its repos',
  },
  { name: 'another developer', claims: { sub: 'c-dev-other', roles: ['developer'] }, sees: ['public'], alsoSees: 'nothing' },
  {
    name: 'another developer holding a matching selector',
    claims: { sub: 'c-dev-selected', roles: ['developer'] },
    selectors: [{ key: 'team', value: 'blue' }],
    sees: ['public', 'selected', 'selectedTwoLabels'],
    alsoSees: 'nothing',
  },
  { name: 'the developer who submitted a version', claims: { sub: SUBMITTER, roles: ['developer'] }, sees: ['public'], alsoSees: 'its submission' },
  {
    name: 'an operator',
    claims: { sub: 'c-op', roles: ['operator'] },
    sees: ['public', 'private', 'selected', 'selectedTwoLabels'],
    alsoSees: 'everything',
  },
];

let tokens: Map<string, string | undefined>;

beforeAll(async () => {
  platform = await startTestPlatform();
  repos = await createMatrixRepos(platform, OWNER);
  const catalog = platform.subgraphs.addons;
  addons = {} as typeof addons;
  for (const [key, repo] of Object.entries(repos) as [RepoKey, Repo][]) {
    const addon = await newAddon(catalog, { repoId: repo.id });
    addons[key] = {
      addon,
      active: await newAddonVersion(catalog, { addonId: addon.id, version: '1.0.0' }),
      draft: await newAddonVersion(catalog, { addonId: addon.id, version: '2.0.0', status: AddonVersionStatus.DRAFT }),
    };
  }
  const addon = await newAddon(catalog, { repoId: repos.public.id });
  submitted = {
    addon,
    active: await newAddonVersion(catalog, { addonId: addon.id, version: '1.0.0' }),
    submission: await newAddonVersion(catalog, {
      addonId: addon.id,
      version: '1.1.0',
      status: AddonVersionStatus.SUBMITTED,
      source: AddonVersionSource.SUBMISSION,
      ownerSub: SUBMITTER,
    }),
  };

  tokens = await signInViewers(platform, viewers);
});
afterAll(async () => {
  await platform?.stop();
});

/** The addons a viewer sees, each with the versions it sees, from the fixture above. */
function expectedCatalog({ sees, alsoSees }: ViewerCase): Map<string, string[]> {
  const catalog = new Map<string, string[]>();
  for (const key of sees) {
    const { addon, active, draft } = addons[key];
    catalog.set(addon.id, alsoSees === 'drafts of its repos' || alsoSees === 'everything' ? [draft.id, active.id] : [active.id]);
  }
  if (sees.includes('public')) {
    const mine = alsoSees === 'its submission' || alsoSees === 'everything';
    catalog.set(submitted.addon.id, mine ? [submitted.submission.id, submitted.active.id] : [submitted.active.id]);
  }
  return catalog;
}

const allVersions = () => [...Object.values(addons).flatMap(({ active, draft }) => [active, draft]), submitted.active, submitted.submission];

/** Reads every page of a connection one item at a time, checking totalCount on each page. */
async function readAllPages(token: string | undefined, query: string, variables: Record<string, unknown>, pick: (data: any) => any, expectedTotal: number) {
  const ids: string[] = [];
  let after: string | null = null;
  do {
    const result: any = await postGraphQL(platform.gateway.graphqlUrl, query, { variables: { ...variables, after }, token });
    expect(result.errors).toBeUndefined();
    const connection = pick(result.data);
    expect(connection.totalCount).toBe(expectedTotal);
    ids.push(...connection.edges.map((edge: { node: { id: string } }) => edge.node.id));
    after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
  } while (after);
  return ids;
}

const ADDONS_PAGE = `query ($after: String, $status: AddonVersionStatus) {
  addons(filter: { owner: "${OWNER}", status: $status }, first: 1, after: $after) {
    totalCount edges { node { id } } pageInfo { hasNextPage endCursor }
  }
}`;

const VERSIONS_PAGE = `query ($id: ID!, $after: String) {
  addon(id: $id) { versions(first: 1, after: $after) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }
}`;

describe.each(viewers)('$name', (viewer) => {
  const token = () => tokens.get(viewer.name);

  it('pages through exactly the addons of the repos it may see, with totalCount right on every page', async () => {
    const expected = [...expectedCatalog(viewer).keys()].sort();
    const seen = await readAllPages(token(), ADDONS_PAGE, {}, (data) => data.addons, expected.length);
    expect(seen.sort()).toEqual(expected);
  });

  it("pages through each addon's versions it may see, newest first, with totalCount right on every page", async () => {
    for (const [addonId, versionIds] of expectedCatalog(viewer)) {
      const seen = await readAllPages(token(), VERSIONS_PAGE, { id: addonId }, (data) => data.addon.versions, versionIds.length);
      expect(seen).toEqual(versionIds);
    }
  });

  it('finds by status only the addons with a version in that status it may see', async () => {
    const catalog = expectedCatalog(viewer);
    const byStatus = (status: AddonVersionStatus) =>
      [...catalog]
        .filter(([, versionIds]) => allVersions().some((version) => versionIds.includes(version.id) && version.status === status))
        .map(([addonId]) => addonId)
        .sort();
    for (const status of [AddonVersionStatus.ACTIVE, AddonVersionStatus.DRAFT, AddonVersionStatus.SUBMITTED]) {
      const expected = byStatus(status);
      const seen = await readAllPages(token(), ADDONS_PAGE, { status }, (data) => data.addons, expected.length);
      expect({ status, seen: seen.sort() }).toEqual({ status, seen: expected });
    }
  });

  it('reads a visible version by id and gets NOT_FOUND for each hidden one, whose latestVersion stays the ACTIVE one', async () => {
    const visible = new Set([...expectedCatalog(viewer).values()].flat());
    for (const version of allVersions()) {
      const result = await postGraphQL(platform.gateway.graphqlUrl, 'query ($id: ID!) { addonVersion(id: $id) { id addon { id latestVersion { id } } } }', {
        variables: { id: version.id },
        token: token(),
      });
      if (visible.has(version.id)) {
        expect(result.errors).toBeUndefined();
        const active = [...Object.values(addons), submitted].find(({ addon }) => addon.id === version.addonId)!.active;
        expect(result.data?.addonVersion).toEqual({ id: version.id, addon: { id: version.addonId, latestVersion: { id: active.id } } });
      } else {
        expect(codesOf(result)).toEqual(['NOT_FOUND']);
      }
    }
  });

  it('resolves gateway entity fetches of AddonVersion to null for each hidden version', async () => {
    const visible = new Set([...expectedCatalog(viewer).values()].flat());
    const versions = allVersions();
    const body = JSON.stringify({
      query: 'query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on AddonVersion { id version } } }',
      variables: { representations: versions.map(({ id }) => ({ __typename: 'AddonVersion', id })) },
    });
    const url = platform.subgraphs.addons.graphqlUrl;
    const authorization = token() ? `Bearer ${token()}` : undefined;
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(authorization ? { authorization } : {}),
        ...signSubgraphRequest(platform.gatewaySecret, { method: 'POST', path: url.pathname, body, authorization }),
      },
      body,
    });
    const result = (await response.json()) as { data?: { _entities: Array<{ id: string } | null> }; errors?: unknown };
    expect(result.errors).toBeUndefined();
    expect(result.data!._entities).toEqual(versions.map((version) => (visible.has(version.id) ? { id: version.id, version: version.version } : null)));
  });
});
