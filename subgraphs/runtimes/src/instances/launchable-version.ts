import { domainError, isOperator, selectRows, type EntityManager, type Viewer } from '@addon-platform/platform';

/** A version as the addons subgraph publishes it for launches (`addons.launchable_version`). */
export interface LaunchableVersion {
  versionId: string;
  addonId: string;
  addonName: string;
  version: string;
  status: string;
  runtimeImage: string | null;
  configImage: string | null;
  configSchema: Record<string, unknown> | null;
  configSchemaValidated: boolean;
  launchable: boolean;
  notLaunchableReason: string | null;
  providers: string[];
}

const COLUMNS = `v.version_id as "versionId", v.addon_id as "addonId", v.addon_name as "addonName", v.version, v.status,
  v.runtime_image as "runtimeImage", v.config_image as "configImage", v.config_schema as "configSchema",
  v.config_schema_validated as "configSchemaValidated", v.launchable, v.not_launchable_reason as "notLaunchableReason", v.providers`;

/** Who asks: a viewer sees versions of the repos it may see (`repos.visible_repo_ids`); the platform sees all. */
export type VersionReader = { kind: 'viewer'; viewer: Viewer } | { kind: 'platform' };

export async function findLaunchableVersion(em: EntityManager, versionId: string, reader: VersionReader): Promise<LaunchableVersion | null> {
  const visible =
    reader.kind === 'platform'
      ? { sql: '', bindings: [] }
      : { sql: 'and v.repo_id in (select repos.visible_repo_ids(?, ?))', bindings: [reader.viewer.sub ?? null, isOperator(reader.viewer)] };
  const [row] = await selectRows<LaunchableVersion>(em, {
    sql: `select ${COLUMNS} from addons.launchable_version v where v.version_id = ? ${visible.sql}`,
    bindings: [versionId, ...visible.bindings],
  });
  return row ?? null;
}

/**
 * The version a viewer may launch or upgrade to: visible to it (else NOT_FOUND, as absent), ACTIVE and
 * launchable (else CONFLICT saying why). Operators launch ACTIVE versions too: what runs is what the
 * catalog offers.
 */
export async function requireLaunchableVersion(em: EntityManager, viewer: Viewer, versionId: string, field: string): Promise<LaunchableVersion> {
  const version = await findLaunchableVersion(em, versionId, { kind: 'viewer', viewer });
  if (!version || (version.status !== 'ACTIVE' && !isOperator(viewer))) {
    throw domainError('NOT_FOUND', `No addon version with id ${versionId} is visible to you.`, { field });
  }
  if (version.status !== 'ACTIVE') {
    throw domainError('CONFLICT', `Version ${version.version} of ${version.addonName} is ${version.status}; only ACTIVE versions are launched.`, { field });
  }
  if (!version.launchable) {
    throw domainError('CONFLICT', `Version ${version.version} of ${version.addonName} cannot be launched: ${version.notLaunchableReason ?? 'no reason given'}`, { field });
  }
  return version;
}
