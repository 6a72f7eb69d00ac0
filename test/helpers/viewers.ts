import type { TokenClaims } from '@addon-platform/platform';
import { RepoVisibility, type Repo } from '@addon-platform/repos';
import { postGraphQL } from './client.js';
import { newRepo } from './factories.js';
import type { TestPlatform } from './platform.js';

/** A viewer of a visibility matrix: anonymous without claims; `selectors` are its repo selectors. */
export interface MatrixViewer {
  name: string;
  claims?: { sub: string; roles: string[]; tenant?: string };
  selectors?: { key: string; value: string }[];
}

/**
 * Mints each viewer's token (none for anonymous) and has an operator give it its repo selectors;
 * answers the tokens by viewer name.
 */
export async function signInViewers(platform: TestPlatform, viewers: readonly MatrixViewer[]): Promise<Map<string, string | undefined>> {
  const operator = await platform.token({ sub: 'matrix-operator', roles: ['operator'] });
  const tokens = new Map<string, string | undefined>();
  for (const viewer of viewers) {
    tokens.set(viewer.name, viewer.claims ? await platform.token(viewer.claims as TokenClaims) : undefined);
    if (!viewer.selectors) continue;
    const result = await postGraphQL(
      platform.gateway.graphqlUrl,
      'mutation ($user: String!, $selectors: [RepoLabelInput!]!) { setUserRepoSelectors(userId: $user, selectors: $selectors) { userId } }',
      { variables: { user: viewer.claims!.sub, selectors: viewer.selectors }, token: operator },
    );
    if (result.errors) throw new Error(`setting the selectors of ${viewer.name}: ${JSON.stringify(result.errors)}`);
  }
  return tokens;
}

/** The repos of a visibility matrix: one of each visibility, and a SELECTED repo with two labels. */
export type MatrixRepos = Record<'public' | 'private' | 'selected' | 'selectedTwoLabels', Repo>;

/** Creates the matrix's repos, all owned by `ownerSub`; the selectors of the viewers match `team=blue` or `env=prod`. */
export async function createMatrixRepos(platform: TestPlatform, ownerSub: string): Promise<MatrixRepos> {
  const make = (visibility: RepoVisibility, labels: { key: string; value: string }[] = []) => newRepo(platform.subgraphs.repos, { visibility, labels, ownerSub });
  return {
    public: await make(RepoVisibility.PUBLIC),
    private: await make(RepoVisibility.PRIVATE, [{ key: 'team', value: 'blue' }]),
    selected: await make(RepoVisibility.SELECTED, [{ key: 'team', value: 'blue' }]),
    selectedTwoLabels: await make(RepoVisibility.SELECTED, [
      { key: 'team', value: 'blue' },
      { key: 'env', value: 'prod' },
    ]),
  };
}
