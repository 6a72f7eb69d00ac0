import type { FilterQuery } from '@mikro-orm/core';
import {
  domainError,
  emptyConnection,
  isOperator,
  readId,
  alignToIds,
  entityColumns,
  selectRows,
  paginate,
  paginateChildren,
  type Connection,
  type EntityManager,
  type Viewer,
} from '@addon-platform/platform';
import { RuntimeInstance, RuntimeInstanceKind, RuntimeInstanceStatus } from './runtime-instance.entity.js';
import { RuntimeOperationRun } from './runtime-operation.entity.js';

/**
 * Instances the viewer may see: its tenant's, or all for operators; null when it may see none (anonymous,
 * or a token without a tenant).
 */
function ownedBy(viewer: Viewer): FilterQuery<RuntimeInstance> | null {
  if (isOperator(viewer)) return {};
  // Config services belong to the platform, whatever its tenant string: no tenant's token reaches them.
  return viewer.tenant ? { tenant: viewer.tenant, kind: RuntimeInstanceKind.TENANT } : null;
}

export interface RuntimeInstanceFilter {
  status?: RuntimeInstanceStatus[] | null;
  addonId?: string | null;
  versionId?: string | null;
  environmentId?: string | null;
  name?: string | null;
  kind?: RuntimeInstanceKind | null;
}

function matching(filter: RuntimeInstanceFilter): FilterQuery<RuntimeInstance>[] {
  const where: FilterQuery<RuntimeInstance>[] = [];
  if (filter.status != null) where.push({ status: { $in: filter.status } });
  if (filter.addonId != null) where.push({ addonId: readId(filter.addonId, 'filter.addonId') });
  if (filter.versionId != null) where.push({ versionId: readId(filter.versionId, 'filter.versionId') });
  if (filter.environmentId != null) where.push({ environmentId: readId(filter.environmentId, 'filter.environmentId') });
  if (filter.name != null) where.push({ name: filter.name });
  if (filter.kind != null) where.push({ kind: filter.kind });
  return where;
}

const NEWEST_FIRST = { createdAt: 'desc', id: 'desc' } as const;

export class RuntimeInstanceService {
  constructor(private readonly em: EntityManager) {}

  /** The instance, or `NOT_FOUND` when absent or another tenant's alike. */
  async getInstance(viewer: Viewer, id: string): Promise<RuntimeInstance> {
    const scope = ownedBy(viewer);
    const instance = scope && (await this.em.findOne(RuntimeInstance, { $and: [{ id: readId(id) }, scope] }));
    if (!instance) throw domainError('NOT_FOUND', `No runtime instance with id ${id} is visible to you.`, { field: 'id' });
    return instance;
  }

  async listInstances(viewer: Viewer, filter: RuntimeInstanceFilter, page: { first: number; after?: string }): Promise<Connection<RuntimeInstance>> {
    const scope = ownedBy(viewer);
    if (!scope) return emptyConnection();
    return paginate(this.em, RuntimeInstance, { $and: [scope, ...matching(filter)] }, page, NEWEST_FIRST);
  }

  /** The viewer's instances of each addon, a page per addon, newest first; in one query. */
  async listAddonsInstances(viewer: Viewer, addonIds: readonly string[], page: { first: number; after?: string }): Promise<Connection<RuntimeInstance>[]> {
    const scope = ownedBy(viewer);
    if (!scope) return addonIds.map(() => emptyConnection());
    return paginateChildren(this.em, RuntimeInstance, { parent: 'addonId', parentIds: addonIds, where: scope, page, orderBy: NEWEST_FIRST });
  }

  /** The viewer's instances running each version, a page per version, newest first; in one query. */
  async listVersionsInstances(viewer: Viewer, versionIds: readonly string[], page: { first: number; after?: string }): Promise<Connection<RuntimeInstance>[]> {
    const scope = ownedBy(viewer);
    if (!scope) return versionIds.map(() => emptyConnection());
    return paginateChildren(this.em, RuntimeInstance, { parent: 'versionId', parentIds: versionIds, where: scope, page, orderBy: NEWEST_FIRST });
  }

  /** Operations by id, for instances already shown to the viewer. */
  async findOperations(ids: readonly string[]): Promise<(RuntimeOperationRun | null)[]> {
    return alignToIds(ids, await this.em.find(RuntimeOperationRun, { id: { $in: [...ids] } }));
  }

  /**
   * Instances by id as they are now, in the order asked, null where absent: plain rows, not managed
   * entities, read on every event of a subscription (an ORM find per event cost more than the rest of
   * delivering it). The caller has checked the viewer may see them.
   */
  async readInstancesNow(ids: readonly string[]): Promise<(RuntimeInstance | null)[]> {
    const rows = await selectRows<RuntimeInstance & { createdAt: string | Date; updatedAt: string | Date }>(this.em, {
      sql: `select ${entityColumns(this.em, RuntimeInstance, 'i')} from runtimes.runtime_instance i where i.id = any(?::uuid[])`,
      bindings: [[...ids]],
    });
    // The ORM's connections leave timestamps as PostgreSQL prints them.
    return alignToIds(ids, rows.map((row) => ({ ...row, createdAt: new Date(row.createdAt), updatedAt: new Date(row.updatedAt) })));
  }

  /** Visible instances among `ids`, in the order asked, null where hidden; for entity fetches. */
  async findVisibleInstances(viewer: Viewer, ids: readonly string[]): Promise<(RuntimeInstance | null)[]> {
    const scope = ownedBy(viewer);
    const instances = scope ? await this.em.find(RuntimeInstance, { $and: [{ id: { $in: [...ids] } }, scope] }) : [];
    return alignToIds(ids, instances);
  }
}
