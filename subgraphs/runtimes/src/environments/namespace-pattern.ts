import { createHash } from 'node:crypto';
import { domainError } from '@addon-platform/platform';

/**
 * Namespace patterns (ADR 014). A pattern is lowercase letters, digits and dashes around exactly one
 * `{tenant}` placeholder, e.g. `tenant-{tenant}` or `{tenant}-addons`. The placeholder stands for the
 * tenant id as a DNS-1123 label part of at most {@link MAX_TENANT_PART} characters:
 * - a tenant id that already is one (lowercase letters, digits, single dashes, starting and ending
 *   with a letter or digit, at most 40 characters) is used as it is: `acme` → `tenant-acme`;
 * - any other id becomes a slug of it, `--`, and 10 hex digits of its SHA-256: `Acme_Corp` →
 *   `acme-corp--3f2a…`. Plain ids never contain `--` and hashed ones always do, so two tenants never
 *   share a namespace (short of a 40-bit hash collision among hashed ids).
 * A pattern is accepted when it yields a valid DNS-1123 label (≤ 63 characters) for the shortest and
 * the longest tenant part; every tenant part lies between them and starts and ends with a letter or
 * digit, so every tenant's namespace is valid.
 */
export const TENANT_PLACEHOLDER = '{tenant}';
export const MAX_TENANT_PART = 40;

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const PLAIN_TENANT = /^[a-z0-9](?:[a-z0-9]|-(?!-)){0,38}[a-z0-9]$|^[a-z0-9]$/;
const LITERAL = /^[a-z0-9-]*$/;
const HASH_HEX = 10;
const MAX_SLUG = MAX_TENANT_PART - 2 - HASH_HEX;

export function readNamespacePattern(pattern: string): string {
  const parts = pattern.split(TENANT_PLACEHOLDER);
  const fail = (why: string) =>
    domainError('BAD_USER_INPUT', `namespacePattern ${why}; e.g. tenant-{tenant}. See ADR 014 for how {tenant} is rendered.`, { field: 'namespacePattern' });
  if (parts.length !== 2) throw fail('must hold {tenant} exactly once, so each tenant gets a namespace of its own');
  if (!parts.every((part) => LITERAL.test(part))) throw fail('may hold only lowercase letters, digits and dashes besides {tenant}');
  for (const tenantPart of ['a', 'a'.repeat(MAX_TENANT_PART)]) {
    if (!DNS_LABEL.test(parts.join(tenantPart))) {
      throw fail(
        `must give a DNS-1123 label for every tenant: it starts and ends with a letter, digit or {tenant}, and its text besides {tenant} is at most ${63 - MAX_TENANT_PART} characters`,
      );
    }
  }
  return pattern;
}

/** The tenant id as it stands in a namespace; see the rules above. */
export function toTenantPart(tenant: string): string {
  if (PLAIN_TENANT.test(tenant)) return tenant;
  const slug = tenant
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, MAX_SLUG)
    .replace(/^-+|-+$/g, '');
  const hash = createHash('sha256').update(tenant, 'utf8').digest('hex').slice(0, HASH_HEX);
  return `${slug || 't'}--${hash}`;
}

/** The namespace of `tenant` in an environment with this (checked) pattern. */
export function toNamespace(pattern: string, tenant: string): string {
  return pattern.replace(TENANT_PLACEHOLDER, toTenantPart(tenant));
}
