import { EnvironmentKind, mayRunVersion, toNamespace, toTenantPart, type EnvironmentScope } from '@addon-platform/runtimes';
import { readNamespacePattern } from '../src/environments/namespace-pattern.js';

const environment = (overrides: Partial<EnvironmentScope> = {}): EnvironmentScope => ({
  kind: EnvironmentKind.KUBERNETES,
  tenantsAll: true,
  tenants: [],
  isPlatform: false,
  deletedAt: null,
  ...overrides,
});
const kubernetes = { providers: ['kubernetes'] };
const acme = { kind: 'tenant', tenant: 'acme' } as const;

describe('mayRunVersion', () => {
  it('lets a KUBERNETES environment open to all tenants run a kubernetes version for any tenant', () => {
    expect(mayRunVersion(environment(), kubernetes, acme)).toEqual({ fits: true });
  });

  it('lets a SIMULATED environment run what a cluster runs', () => {
    expect(mayRunVersion(environment({ kind: EnvironmentKind.SIMULATED }), kubernetes, acme)).toEqual({ fits: true });
    expect(mayRunVersion(environment({ kind: EnvironmentKind.SIMULATED }), { providers: ['aws'] }, acme).fits).toBe(false);
  });

  it('refuses a version whose repo runs on other providers only, saying which', () => {
    const fit = mayRunVersion(environment(), { providers: ['aws', 'gcp'] }, acme);
    expect(fit).toEqual({ fits: false, reason: expect.stringContaining('aws, gcp') });
  });

  it('accepts a version whose repo lists kubernetes among others', () => {
    expect(mayRunVersion(environment(), { providers: ['aws', 'kubernetes'] }, acme)).toEqual({ fits: true });
  });

  it('refuses a tenant the environment does not list, and accepts one it lists', () => {
    const listed = environment({ tenantsAll: false, tenants: ['acme', 'globex'] });
    expect(mayRunVersion(listed, kubernetes, acme)).toEqual({ fits: true });
    expect(mayRunVersion(listed, kubernetes, { kind: 'tenant', tenant: 'initech' })).toEqual({ fits: false, reason: expect.stringContaining('tenant') });
    expect(mayRunVersion(environment({ tenantsAll: false, tenants: [] }), kubernetes, acme).fits).toBe(false);
  });

  it("runs the platform's config services in the platform's environment only", () => {
    expect(mayRunVersion(environment({ isPlatform: true, tenantsAll: false }), kubernetes, { kind: 'platform' })).toEqual({ fits: true });
    expect(mayRunVersion(environment(), kubernetes, { kind: 'platform' }).fits).toBe(false);
  });

  it('refuses a deleted environment', () => {
    expect(mayRunVersion(environment({ deletedAt: new Date() }), kubernetes, acme).fits).toBe(false);
  });
});

describe('namespace patterns', () => {
  const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

  it('accepts patterns that give a DNS label for every tenant', () => {
    for (const pattern of ['tenant-{tenant}', '{tenant}', '{tenant}-addons', 'a{tenant}b', `${'x'.repeat(22)}-{tenant}`]) {
      expect(readNamespacePattern(pattern)).toBe(pattern);
    }
  });

  it.each([
    ['no placeholder', 'tenants'],
    ['two placeholders', '{tenant}-{tenant}'],
    ['uppercase', 'Tenant-{tenant}'],
    ['a leading dash', '-{tenant}'],
    ['a trailing dash', '{tenant}-'],
    ['a dot', 'tenant.{tenant}'],
    ['another placeholder', 'tenant-{name}'],
    ['too long for the longest tenant', `${'x'.repeat(23)}-{tenant}`],
  ])('refuses a pattern with %s, naming the field', (_case, pattern) => {
    expect(() => readNamespacePattern(pattern)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT', details: { field: 'namespacePattern' } }));
  });

  it('keeps tenant ids that already are DNS labels, and hashes the others into one', () => {
    expect(toNamespace('tenant-{tenant}', 'acme')).toBe('tenant-acme');
    expect(toTenantPart('a-b')).toBe('a-b');
    for (const tenant of ['Acme_Corp', 'a--b', 'ünïcödé', '-', '🙂', 'x'.repeat(41), 'a.b@example.com', 'UPPER']) {
      const part = toTenantPart(tenant);
      expect(part).toMatch(DNS_LABEL);
      expect(part.length).toBeLessThanOrEqual(40);
      expect(part).toContain('--');
      expect(toNamespace(`${'x'.repeat(22)}-{tenant}`, tenant)).toMatch(DNS_LABEL);
    }
  });

  it('gives different tenants different namespaces, also when their slugs agree', () => {
    const tenants = ['acme', 'Acme', 'ACME', 'acme_', 'a-b', 'a_b', 'A-B', 'a--b'];
    expect(new Set(tenants.map(toTenantPart)).size).toBe(tenants.length);
  });
});
