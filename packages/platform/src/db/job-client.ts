import type { EntityManager } from '@mikro-orm/postgresql';
import type { JobSqlClient } from '../jobs/enqueue.js';

/**
 * Lets `enqueueJob` run on the connection of a MikroORM transaction, so a job commits or rolls back
 * with the entity changes that asked for it. The queue's SQL numbers its placeholders in order
 * (`$1, $2, …`); knex binds `?` positionally.
 */
export function jobClientOf(em: EntityManager): JobSqlClient {
  return {
    async query(text, values) {
      const rows = await em.getConnection().execute(text.replace(/\$\d+/g, '?'), values, 'all', em.getTransactionContext());
      return { rows };
    },
  };
}
