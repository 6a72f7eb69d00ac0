import { EnvironmentKind } from './environment.entity.js';

/** The parts of an environment that decide what it may run. */
export interface EnvironmentScope {
  kind: EnvironmentKind;
  tenantsAll: boolean;
  tenants: readonly string[];
  isPlatform: boolean;
  deletedAt: Date | null;
}

/** Who launches: a tenant, or the platform itself (config services). */
export type Launcher = { kind: 'tenant'; tenant: string } | { kind: 'platform' };

export type Fit = { fits: true } | { fits: false; reason: string };

/**
 * The repo providers each kind of environment serves. A SIMULATED environment speaks the Kubernetes
 * API (the platform's test server), so it serves what a real cluster serves: the same driver runs
 * against both, and nothing is launched there that could not be launched on a cluster (ADR 014).
 */
export const PROVIDERS_OF: Record<EnvironmentKind, readonly string[]> = {
  [EnvironmentKind.KUBERNETES]: ['kubernetes'],
  [EnvironmentKind.SIMULATED]: ['kubernetes'],
};

/**
 * Whether `environment` may run a version whose repo lists `providers` (from
 * `addons.launchable_version`), launched by `launcher`. Tenants need to be allowed; the platform
 * launches in its own environment only.
 */
export function mayRunVersion(environment: EnvironmentScope, version: { providers: readonly string[] }, launcher: Launcher): Fit {
  if (environment.deletedAt) return { fits: false, reason: 'The environment has been deleted.' };
  const served = PROVIDERS_OF[environment.kind];
  if (!version.providers.some((provider) => served.includes(provider))) {
    return {
      fits: false,
      reason: `The addon's repo runs on ${version.providers.join(', ') || 'no provider'}; a ${environment.kind} environment runs ${served.join(', ')}.`,
    };
  }
  if (launcher.kind === 'platform') {
    return environment.isPlatform ? { fits: true } : { fits: false, reason: "Config services run in the platform's environment only." };
  }
  if (!environment.tenantsAll && !environment.tenants.includes(launcher.tenant)) {
    return { fits: false, reason: 'Your tenant may not use this environment.' };
  }
  return { fits: true };
}
