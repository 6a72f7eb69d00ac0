import { domainError } from '@addon-platform/platform';
import type { EnvironmentLabel } from './environment.entity.js';

/**
 * Checks of each field an operator gives an environment. Each refusal names the field and says what
 * would be accepted.
 */

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const LABEL_KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]{0,61}[A-Za-z0-9])?$/;
const TENANT = /^[^\u0000-\u001f\u007f]{1,128}$/;
const MAX_LABELS = 32;
const MAX_TENANTS = 1000;

export interface LabelInput {
  key: string;
  value: string;
}

/** Every tenant, or the ones listed: exactly one of the two. */
export interface TenantsInput {
  all?: boolean | null;
  list?: string[] | null;
}

export type AllowedTenants = { all: true } | { all: false; list: string[] };

export function readName(name: string): string {
  if (!NAME.test(name)) {
    throw domainError('BAD_USER_INPUT', 'name must be 1 to 63 lowercase letters, digits or dashes, starting and ending with a letter or digit.', {
      field: 'name',
    });
  }
  return name;
}

/** Labels in the order given; keys unique, values never empty (as repos' labels). */
export function readLabels(labels: readonly LabelInput[]): EnvironmentLabel[] {
  if (labels.length > MAX_LABELS) throw domainError('BAD_USER_INPUT', `At most ${MAX_LABELS} labels.`, { field: 'labels' });
  const seen = new Set<string>();
  return labels.map(({ key, value }, index) => {
    if (!LABEL_KEY.test(key)) {
      throw domainError('BAD_USER_INPUT', `labels[${index}].key must be 1 to 63 letters, digits, ".", "_", "/" or "-", e.g. region.`, { field: 'labels' });
    }
    if (value.trim() === '' || value.length > 256 || /[\u0000-\u001f]/.test(value)) {
      throw domainError('BAD_USER_INPUT', `labels[${index}] (${key}) needs a value of 1 to 256 printable characters; empty values are refused.`, { field: 'labels' });
    }
    if (seen.has(key)) throw domainError('BAD_USER_INPUT', `labels names ${key} twice.`, { field: 'labels' });
    seen.add(key);
    return { key, value };
  });
}

/**
 * `{all: true}` or `{list: [...]}`. An empty list is allowed: an environment no tenant may use, such
 * as one kept for the platform's config services.
 */
export function readTenants(input: TenantsInput): AllowedTenants {
  const { all, list } = input;
  if ((all != null) === (list != null)) {
    throw domainError('BAD_USER_INPUT', 'tenants is either {all: true} or {list: ["tenant-id", ...]}, one of the two.', { field: 'tenants' });
  }
  if (all != null) {
    if (!all) throw domainError('BAD_USER_INPUT', 'tenants: to allow only some tenants, give {list: [...]} instead of {all: false}.', { field: 'tenants' });
    return { all: true };
  }
  const tenants = list!;
  if (tenants.length > MAX_TENANTS) throw domainError('BAD_USER_INPUT', `tenants lists at most ${MAX_TENANTS} tenants; allow all instead.`, { field: 'tenants' });
  tenants.forEach((tenant, index) => {
    if (!TENANT.test(tenant) || tenant.trim() !== tenant) {
      throw domainError('BAD_USER_INPUT', `tenants.list[${index}] must be a tenant id of 1 to 128 printable characters, without surrounding spaces.`, {
        field: 'tenants',
      });
    }
  });
  if (new Set(tenants).size !== tenants.length) throw domainError('BAD_USER_INPUT', 'tenants.list names a tenant twice.', { field: 'tenants' });
  return { all: false, list: [...tenants] };
}
