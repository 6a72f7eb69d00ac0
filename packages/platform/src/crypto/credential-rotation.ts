import { LockMode, type EntityClass } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { CredentialCipher } from './credential-cipher.js';

/** A column of sealed credentials: its entity (keyed by a uuid `id`), its property, and the context a row's value is bound to, from the row's id. */
export interface SealedCredentials {
  entity: EntityClass<{ id: string }>;
  property: string;
  contextOf(id: string): string;
}

const BATCH = 200;

/**
 * Re-seals every value of a sealed-credentials column that an older key sealed with the current key
 * (the first of `CREDENTIAL_KEYS`), batch by batch, each row locked while it changes so a concurrent
 * update is not lost. Returns how many were re-sealed. Once every subgraph's columns are re-sealed,
 * the older key can leave `CREDENTIAL_KEYS` (ADR 007).
 */
export async function resealCredentials(em: EntityManager, column: SealedCredentials, cipher: CredentialCipher): Promise<number> {
  let resealed = 0;
  let afterId = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const batch = await em.fork().transactional(async (tx) => {
      const rows = await tx.find(
        column.entity,
        { id: { $gt: afterId }, [column.property]: { $ne: null } } as never,
        { orderBy: { id: 'asc' } as never, limit: BATCH, lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      for (const row of rows) {
        const values = row as Record<string, unknown>;
        const sealed = values[column.property] as string;
        if (cipher.isCurrent(sealed)) continue;
        const context = column.contextOf(row.id);
        values[column.property] = cipher.seal(cipher.open(sealed, context), context);
        resealed += 1;
      }
      return rows;
    });
    if (batch.length < BATCH) return resealed;
    afterId = batch[batch.length - 1]!.id;
  }
}
