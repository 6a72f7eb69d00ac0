import { LockMode } from '@mikro-orm/core';
import { repoCredentialContext, type CredentialCipher, type EntityManager } from '@addon-platform/platform';
import { Repo } from './repo.entity.js';

const BATCH = 200;

/**
 * Re-seals every repo credential that an older key sealed with the current key (the first of
 * `CREDENTIAL_KEYS`), batch by batch, each row locked while it changes so a concurrent update is not
 * lost. Returns how many were re-sealed. After it, the older key can leave `CREDENTIAL_KEYS` (ADR 007).
 */
export async function resealRepoCredentials(em: EntityManager, cipher: CredentialCipher): Promise<number> {
  let resealed = 0;
  let afterId = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const batch = await em.fork().transactional(async (tx) => {
      const repos = await tx.find(
        Repo,
        { id: { $gt: afterId }, credentialSealed: { $ne: null } },
        { orderBy: { id: 'asc' }, limit: BATCH, lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      for (const repo of repos) {
        if (cipher.isCurrent(repo.credentialSealed!)) continue;
        const context = repoCredentialContext(repo.id);
        repo.credentialSealed = cipher.seal(cipher.open(repo.credentialSealed!, context), context);
        resealed += 1;
      }
      return repos;
    });
    if (batch.length < BATCH) return resealed;
    afterId = batch[batch.length - 1]!.id;
  }
}
