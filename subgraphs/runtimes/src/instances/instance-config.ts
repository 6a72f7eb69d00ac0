import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { domainError } from '@addon-platform/platform';
import type { LaunchableVersion } from './launchable-version.js';

/** A config travels in a Kubernetes Secret (1 MiB at most) and in every operation row; far less is plenty. */
export const MAX_CONFIG_BYTES = 64 * 1024;
const MAX_PROBLEMS = 20;

type Config = Record<string, unknown>;

/**
 * Checks configs against their version's JSON Schema. Compiled validators are kept per version and
 * schema text (a version's schema changes only when its config service serves a new one). Ajv keeps no
 * schema of its own (`addUsedSchema: false`): it would grow with every compile, and refuse a second
 * schema with the same `$id`.
 */
export class ConfigChecker {
  private readonly ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, validateSchema: true, addUsedSchema: false });
  private readonly compiled = new Map<string, { schemaText: string; validate: ValidateFunction }>();

  constructor(private readonly maxCompiled = 500) {
    (addFormats as unknown as (ajv: Ajv) => void)(this.ajv);
  }

  /**
   * The config to run with: `given` with the schema's defaults filled in. Refused with BAD_USER_INPUT
   * listing every problem by field (`config.<path>`). A version without a checked schema (none, or a
   * CUE one that could not be converted) takes any JSON object: nothing trustworthy says otherwise.
   */
  check(version: LaunchableVersion, given: unknown): Config {
    const config = readConfigObject(given);
    if (!version.configSchema || !version.configSchemaValidated) return config;
    const validate = this.validatorOf(version);
    const copy = structuredClone(config);
    if (validate(copy)) return copy;
    const problems = (validate.errors ?? []).slice(0, MAX_PROBLEMS).map(toProblem);
    throw domainError(
      'BAD_USER_INPUT',
      `config does not fit the config schema of ${version.addonName} ${version.version}: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}.`,
      { field: 'config', problems },
    );
  }

  /** Compiles `schema`, or throws Ajv's reason when it is not a JSON Schema it can use. */
  compile(schema: Record<string, unknown>): ValidateFunction {
    return this.ajv.compile(schema);
  }

  private validatorOf(version: LaunchableVersion): ValidateFunction {
    const schemaText = JSON.stringify(version.configSchema);
    const known = this.compiled.get(version.versionId);
    if (known && known.schemaText === schemaText) return known.validate;
    let validate: ValidateFunction;
    try {
      validate = this.compile(version.configSchema!);
    } catch {
      throw domainError('CONFLICT', `The config schema of ${version.addonName} ${version.version} is not a valid JSON Schema, so no config can be checked against it; its owner must publish a fixed version.`, {
        field: 'versionId',
      });
    }
    this.compiled.delete(version.versionId);
    if (this.compiled.size >= this.maxCompiled) this.compiled.delete(this.compiled.keys().next().value!);
    this.compiled.set(version.versionId, { schemaText, validate });
    return validate;
  }
}

export function readConfigObject(given: unknown): Config {
  if (given === null || given === undefined) return {};
  if (typeof given !== 'object' || Array.isArray(given)) {
    throw domainError('BAD_USER_INPUT', 'config must be a JSON object.', { field: 'config' });
  }
  if (Buffer.byteLength(JSON.stringify(given)) > MAX_CONFIG_BYTES) {
    throw domainError('BAD_USER_INPUT', `config is larger than ${MAX_CONFIG_BYTES / 1024} KiB.`, { field: 'config' });
  }
  return given as Config;
}

function toProblem(error: ErrorObject): { field: string; message: string } {
  const path = error.instancePath.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'required') path.push(String((error.params as { missingProperty: string }).missingProperty));
  if (error.keyword === 'additionalProperties') path.push(String((error.params as { additionalProperty: string }).additionalProperty));
  const message = error.keyword === 'required' ? 'is required' : error.keyword === 'additionalProperties' ? 'is not a known setting' : (error.message ?? 'is invalid');
  return { field: ['config', ...path].join('.'), message };
}

/**
 * An upgrade's config: the earlier one with the new values laid over it, objects merged key by key and
 * everything else (arrays included) replaced, so "new wins" without losing settings left unsaid.
 */
export function mergeConfig(earlier: Config, changes: Config): Config {
  const merged: Config = { ...earlier };
  for (const [key, value] of Object.entries(changes)) {
    const before = merged[key];
    merged[key] = isPlainObject(before) && isPlainObject(value) ? mergeConfig(before, value) : value;
  }
  return merged;
}

function isPlainObject(value: unknown): value is Config {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
