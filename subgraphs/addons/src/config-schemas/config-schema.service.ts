import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { selectRows, UUID_PATTERN, type ConfigSchemaReadPayload, type EntityManager, type Logger } from '@addon-platform/platform';
import { launchabilityOf } from '../submissions/image-reference.js';
import { AddonVersionStatus, type NamedUiSchema } from '../versions/addon-version.entity.js';

/** Each schema's limit, serialized: a form of settings takes kilobytes, and every launch compiles it. */
export const MAX_SCHEMA_BYTES = 256 * 1024;

/** The name under which the UI schema a config service served sits among the version's UI schemas. */
export const CONFIG_SERVICE_UI_SCHEMA = 'config-service';

interface LockedVersion {
  status: AddonVersionStatus;
  configImage: string | null;
  runtimeImage: string | null;
  uiSchemas: NamedUiSchema[];
}

/**
 * "The config schema of version V is S" (DESIGN, "Runtime launch"): the runtimes subgraph read it from
 * V's config service. Recording it makes V launchable as far as its runtime image allows.
 */
export class ConfigSchemaService {
  constructor(private readonly em: EntityManager) {}

  /**
   * A payload that is not a schema read is logged and dropped, not thrown: a retry would read the same
   * payload again. Safe to repeat: the same read twice changes nothing the second time.
   */
  async record(payload: unknown, logger: Logger): Promise<void> {
    const read = readPayload(payload);
    if ('problem' in read) {
      logger.warn({ versionId: read.versionId, problem: read.problem }, 'dropped a config schema read');
      return;
    }
    const { versionId, configSchema, uiSchema } = read;
    await this.em.transactional(async (tx) => {
      // The row lock orders this against reviews and syncs of the version.
      const [version] = await selectRows<LockedVersion>(tx, {
        sql: `select status, config_image as "configImage", runtime_image as "runtimeImage", ui_schemas as "uiSchemas"
                from addons.addon_version where id = ? for update`,
        bindings: [versionId],
      });
      if (!version) return logger.warn({ versionId }, 'dropped a config schema read: no such version');
      if (version.status === AddonVersionStatus.REMOVED) return logger.info({ versionId }, 'dropped a config schema read: the version is REMOVED');
      const launch = launchabilityOf(version.configImage, version.runtimeImage, true);
      // Only a pullable config image gets a config service: a schema for any other came from elsewhere.
      if (launch.configServiceImage === null) return logger.warn({ versionId }, 'dropped a config schema read: the version has no config service');

      const uiSchemas = [
        ...version.uiSchemas.filter((named) => named.name !== CONFIG_SERVICE_UI_SCHEMA),
        ...(uiSchema === null ? [] : [{ name: CONFIG_SERVICE_UI_SCHEMA, content: JSON.stringify(uiSchema, null, 2) }]),
      ];
      const [row] = await selectRows<{ changed: number }>(tx, {
        sql: `with next (config_schema, config_schema_source, ui_schemas, launchable, not_launchable_reason) as (
                values (?::jsonb, ?::text, ?::jsonb, ?::boolean, ?::text)
              ),
              changed as (
                update addons.addon_version v
                   set config_schema = n.config_schema, config_schema_validated = true, config_schema_source = n.config_schema_source,
                       ui_schemas = n.ui_schemas, launchable = n.launchable, not_launchable_reason = n.not_launchable_reason, updated_at = now()
                  from next n
                 where v.id = ?
                   and (v.config_schema, v.config_schema_validated, v.config_schema_source, v.ui_schemas, v.launchable, v.not_launchable_reason)
                       is distinct from (n.config_schema, true, n.config_schema_source, n.ui_schemas, n.launchable, n.not_launchable_reason)
                returning v.addon_id
              ),
              -- An addon counts as updated when one of its versions changes: the catalog's UPDATED order.
              touched as (
                update addons.addon a set updated_at = now() where a.id in (select addon_id from changed)
              )
              select count(*)::int as changed from changed`,
        bindings: [
          JSON.stringify(configSchema),
          // The column keeps the schema as its source wrote it (parameter.cue for KubeVela addons).
          JSON.stringify(configSchema, null, 2),
          JSON.stringify(uiSchemas),
          launch.launchable,
          launch.notLaunchableReason,
          versionId,
        ],
      });
      logger.info({ versionId, changed: row!.changed > 0, launchable: launch.launchable }, 'recorded a config schema read');
    });
  }
}

/** The payload checked: what {@link ConfigSchemaReadPayload} promises, within the size limit, and a schema that compiles. */
function readPayload(payload: unknown): ConfigSchemaReadPayload | { problem: string; versionId: unknown } {
  const { versionId, configSchema, uiSchema } = isObject(payload) ? payload : ({} as Record<string, unknown>);
  const refuse = (problem: string) => ({ problem, versionId: typeof versionId === 'string' ? versionId.slice(0, 64) : versionId });
  if (typeof versionId !== 'string' || !UUID_PATTERN.test(versionId)) return refuse('versionId is not a UUID.');
  if (!isObject(configSchema)) return refuse('configSchema is not a JSON object.');
  if (uiSchema !== null && !isObject(uiSchema)) return refuse('uiSchema is neither a JSON object nor null.');
  for (const [field, schema] of [['configSchema', configSchema], ['uiSchema', uiSchema]] as const) {
    const bytes = Buffer.byteLength(JSON.stringify(schema));
    if (bytes > MAX_SCHEMA_BYTES) return refuse(`${field} takes ${bytes} bytes; at most ${MAX_SCHEMA_BYTES} are kept.`);
  }
  const problem = compileProblem(configSchema);
  if (problem !== null) return refuse(`configSchema does not compile as a JSON Schema: ${problem}`);
  return { versionId: versionId.toLowerCase(), configSchema, uiSchema };
}

/**
 * Compiled as the runtimes subgraph compiles it to check configs, so a schema recorded here is one a
 * launch can use. A fresh compiler each time: Ajv keeps every schema it compiled, and refuses a
 * second schema with the same `$id`.
 */
function compileProblem(schema: object): string | null {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, validateSchema: true });
  (addFormats as unknown as (ajv: Ajv) => void)(ajv);
  try {
    ajv.compile(schema);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message.slice(0, 500) : String(error);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
