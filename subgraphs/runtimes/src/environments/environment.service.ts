import { randomUUID } from 'node:crypto';
import type { FilterQuery } from '@mikro-orm/core';
import { UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import {
  alignToIds,
  domainError,
  emptyConnection,
  environmentCredentialContext,
  isOperator,
  paginate,
  readId,
  requireRole,
  type Connection,
  type CredentialCipher,
  type EntityManager,
  type Viewer,
} from '@addon-platform/platform';
import { ConfigServices } from '../instances/config-services.js';
import type { ClusterAccess, ClusterCredential } from './cluster-access.js';
import { Environment, EnvironmentKind } from './environment.entity.js';
import { readLabels, readName, readTenants, type LabelInput, type TenantsInput } from './environment-fields.js';
import { readNamespacePattern } from './namespace-pattern.js';

export interface NewEnvironment {
  name: string;
  kind: EnvironmentKind;
  /** Write-only: YAML (or JSON) text; sealed, never returned. */
  kubeconfig?: string | null;
  inCluster?: boolean | null;
  namespacePattern: string;
  tenants: TenantsInput;
  labels?: LabelInput[] | null;
  platform?: boolean | null;
}

/** Absent fields stay as they are. A new kubeconfig or inCluster is probed before it is saved. */
export interface EnvironmentChanges {
  name?: string | null;
  kubeconfig?: string | null;
  inCluster?: boolean | null;
  namespacePattern?: string | null;
  tenants?: TenantsInput | null;
  labels?: LabelInput[] | null;
  platform?: boolean | null;
}

export interface EnvironmentFilter {
  kind?: EnvironmentKind | null;
  name?: string | null;
  label?: LabelInput | null;
}

/** Live environments the viewer may see: all for operators, those allowing its tenant for others. */
function usableBy(viewer: Viewer): FilterQuery<Environment> | null {
  if (isOperator(viewer)) return { deletedAt: null };
  if (!viewer.tenant) return null;
  return { deletedAt: null, $or: [{ tenantsAll: true }, { tenants: { $contains: [viewer.tenant] } }] };
}

function matching(filter: EnvironmentFilter): FilterQuery<Environment>[] {
  const where: FilterQuery<Environment>[] = [];
  if (filter.kind != null) where.push({ kind: filter.kind });
  if (filter.name != null) where.push({ name: filter.name });
  if (filter.label != null) where.push({ labels: { $contains: [{ key: filter.label.key, value: filter.label.value }] } } as FilterQuery<Environment>);
  return where;
}

const BY_NAME = { name: 'asc', id: 'asc' } as const;

export class EnvironmentService {
  constructor(
    private readonly em: EntityManager,
    private readonly cluster: ClusterAccess,
    private readonly cipher: CredentialCipher,
  ) {}

  async listEnvironments(viewer: Viewer, filter: EnvironmentFilter, page: { first: number; after?: string }): Promise<Connection<Environment>> {
    const scope = usableBy(viewer);
    if (!scope) return emptyConnection();
    return paginate(this.em, Environment, { $and: [scope, ...matching(filter)] }, page, BY_NAME);
  }

  /** The environment, or `NOT_FOUND` when absent, deleted or not usable by the viewer's tenant alike. */
  async getEnvironment(viewer: Viewer, id: string): Promise<Environment> {
    const scope = usableBy(viewer);
    const environment = scope && (await this.em.findOne(Environment, { $and: [{ id: readId(id) }, scope] }));
    if (!environment) throw domainError('NOT_FOUND', `No environment with id ${id} is visible to you.`, { field: 'id' });
    return environment;
  }

  async findVisibleEnvironments(viewer: Viewer, ids: readonly string[]): Promise<(Environment | null)[]> {
    const scope = usableBy(viewer);
    const found = scope ? await this.em.find(Environment, { $and: [{ id: { $in: [...ids] } }, scope] }) : [];
    return alignToIds(ids, found);
  }

  async registerEnvironment(viewer: Viewer, input: NewEnvironment): Promise<Environment> {
    requireRole(viewer, 'operator');
    const name = readName(input.name);
    const namespacePattern = readNamespacePattern(input.namespacePattern);
    const tenants = readTenants(input.tenants);
    const labels = readLabels(input.labels ?? []);
    const credential = this.cluster.read(input);
    const isPlatform = input.platform ?? false;
    await this.assertFree(name, isPlatform);
    await this.cluster.probe(credential);

    const id = randomUUID();
    const now = new Date();
    const environment = this.em.create(Environment, {
      id,
      name,
      kind: input.kind,
      ...this.toStored(id, credential),
      namespacePattern,
      tenantsAll: tenants.all,
      tenants: tenants.all ? [] : tenants.list,
      labels,
      isPlatform,
      createdBy: viewer.sub,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    });
    await this.save(environment);
    if (isPlatform) await ConfigServices.queueWaiting(this.em);
    return environment;
  }

  async updateEnvironment(viewer: Viewer, id: string, changes: EnvironmentChanges): Promise<Environment> {
    requireRole(viewer, 'operator');
    const environment = await this.getEnvironment(viewer, id);
    const name = changes.name != null ? readName(changes.name) : environment.name;
    const namespacePattern = changes.namespacePattern != null ? readNamespacePattern(changes.namespacePattern) : environment.namespacePattern;
    const tenants = changes.tenants != null ? readTenants(changes.tenants) : null;
    const labels = changes.labels != null ? readLabels(changes.labels) : environment.labels;
    const isPlatform = changes.platform ?? environment.isPlatform;
    const credentialChanged = changes.kubeconfig != null || changes.inCluster != null;
    const credential = credentialChanged ? this.cluster.read(changes) : null;
    await this.assertFree(name !== environment.name ? name : null, isPlatform && !environment.isPlatform, environment.id);
    if (credential) await this.cluster.probe(credential);

    environment.name = name;
    environment.namespacePattern = namespacePattern;
    if (tenants) {
      environment.tenantsAll = tenants.all;
      environment.tenants = tenants.all ? [] : tenants.list;
    }
    environment.labels = labels;
    environment.isPlatform = isPlatform;
    if (credential) Object.assign(environment, this.toStored(environment.id, credential));
    environment.updatedAt = new Date();
    await this.save(environment);
    if (isPlatform) await ConfigServices.queueWaiting(this.em);
    return environment;
  }

  /** Soft delete: the row stays for the instances that ran there; the name is free again. */
  async deleteEnvironment(viewer: Viewer, id: string): Promise<string> {
    requireRole(viewer, 'operator');
    const environment = await this.getEnvironment(viewer, id);
    environment.deletedAt = new Date();
    environment.updatedAt = environment.deletedAt;
    environment.isPlatform = false;
    await this.em.flush();
    return environment.id;
  }

  private toStored(id: string, credential: ClusterCredential): Pick<Environment, 'inCluster' | 'credentialSealed' | 'server'> {
    if (credential.kind === 'in-cluster') return { inCluster: true, credentialSealed: null, server: null };
    const { canonical, server } = credential.kubeconfig;
    return { inCluster: false, credentialSealed: this.cipher.seal(canonical, environmentCredentialContext(id)), server };
  }

  /** Before the probe, so a taken name or a second platform environment costs no cluster call. */
  private async assertFree(name: string | null, claimsPlatform: boolean, exceptId?: string): Promise<void> {
    const others = exceptId ? { id: { $ne: exceptId } } : {};
    if (name && (await this.em.count(Environment, { name, deletedAt: null, ...others })) > 0) throw nameTaken(name);
    if (claimsPlatform && (await this.em.count(Environment, { isPlatform: true, deletedAt: null, ...others })) > 0) throw platformTaken();
  }

  private async save(environment: Environment): Promise<void> {
    try {
      this.em.persist(environment);
      await this.em.flush();
    } catch (error) {
      // Two registrations racing past assertFree meet the unique indexes.
      if (error instanceof UniqueConstraintViolationException) {
        this.em.clear();
        throw String(error.message).includes('environment_platform_live') ? platformTaken() : nameTaken(environment.name);
      }
      throw error;
    }
  }
}

function nameTaken(name: string): Error {
  return domainError('CONFLICT', `An environment named "${name}" already exists; choose another name.`, { field: 'name' });
}

function platformTaken(): Error {
  return domainError('CONFLICT', "Another environment is already the platform's; unset platform there first.", { field: 'platform' });
}
