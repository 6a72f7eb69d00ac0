import { repoCredentialContext, type CredentialCipher, type EntityManager } from '@addon-platform/platform';
import type { SourceCredential, SourceLocation, SourceType } from '@addon-platform/sources';

/** A repo's source as the repos subgraph publishes it in `repos.repo_source`, credential opened. */
export interface RepoSource {
  repoId: string;
  name: string;
  type: SourceType;
  location: SourceLocation;
  network: string | null;
  providers: string[];
  defaultStatus: 'DRAFT' | 'ACTIVE';
}

interface RepoSourceRow {
  repo_id: string;
  name: string;
  type: SourceType;
  url: string | null;
  path: string | null;
  ref: string | null;
  network: string | null;
  providers: string[];
  credential_sealed: string | null;
  default_status: 'DRAFT' | 'ACTIVE';
}

/** The live repo's source, or null when the repo is gone (deleted) or has none (a built-in index). */
export async function readRepoSource(em: EntityManager, cipher: CredentialCipher, repoId: string): Promise<RepoSource | null> {
  const [row] = await em.getConnection().execute<RepoSourceRow[]>('select * from repos.repo_source where repo_id = ?', [repoId]);
  if (!row || row.url === null) return null;
  const credential = row.credential_sealed
    ? (JSON.parse(cipher.open(row.credential_sealed, repoCredentialContext(row.repo_id))) as SourceCredential)
    : null;
  return {
    repoId: row.repo_id,
    name: row.name,
    type: row.type,
    location: { url: row.url, path: row.path, ref: row.ref, credential },
    network: row.network,
    providers: row.providers,
    defaultStatus: row.default_status,
  };
}
