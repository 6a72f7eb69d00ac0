import { isSemver } from './envelope.js';
import { quote, SubmissionError } from './errors.js';
import { isPlainObject, type JsonObject, type JsonValue } from './json-value.js';
import { ADDON_IDENTITY_PATTERN, MAX_VERSION_LENGTH, type SubmissionLimits } from './limits.js';

/** One entry of a verified submission's `addons`, read into the platform's terms. */
export interface SubmittedAddon {
  /** What the addon is known by: its `domain`, or its `name` where the entry has no domain. */
  identity: string;
  /** Which field the identity came from. */
  identityField: 'domain' | 'name';
  name: string | null;
  domain: string | null;
  /** The config image: `configImage`, or `image` in older entries; null when absent or empty. */
  configImage: string | null;
  /** The runtime image; null when absent or empty (`"runtimeImage": ""` occurs). */
  runtimeImage: string | null;
  /** The semver version of an envelope entry; null in the legacy form, which carries none. */
  version: string | null;
  /** The entry exactly as signed, every field kept (`official`, `subStep`, `tag`, `imageProperties`...). */
  entry: JsonObject;
}

/** Entry fields the platform reads; each must be a string when present. */
const STRING_FIELDS = ['domain', 'name', 'image', 'configImage', 'runtimeImage', 'version'] as const;

/**
 * Reads `addons`: 1 to `maxAddons` objects, each with an identity, unique within the submission.
 * Envelope entries need a semver `version`; legacy entries may not carry one (the platform numbers
 * legacy revisions itself, and a signed `version` there would be silently meaningless).
 */
export function readAddonEntries(value: JsonValue | undefined, form: 'LEGACY' | 'ENVELOPE', limits: SubmissionLimits): SubmittedAddon[] {
  if (value === undefined) throw new SubmissionError('MISSING_FIELD', 'The submission has no "addons"; it must list the signed addon entries.', 'addons');
  if (!Array.isArray(value)) throw new SubmissionError('WRONG_TYPE', '"addons" must be an array of addon entries.', 'addons');
  if (value.length === 0) throw new SubmissionError('MISSING_FIELD', '"addons" is empty; a submission lists at least one addon.', 'addons');
  if (value.length > limits.maxAddons) {
    throw new SubmissionError('TOO_LARGE', `"addons" lists ${value.length} entries; at most ${limits.maxAddons} are accepted in one submission.`, 'addons');
  }
  const seen = new Map<string, number>();
  return value.map((entry, index) => {
    const addon = readAddonEntry(entry, `addons[${index}]`, form);
    const earlier = seen.get(addon.identity);
    if (earlier !== undefined) {
      throw new SubmissionError('DUPLICATE_ADDON', `addons[${index}] names ${quote(addon.identity)} again (as addons[${earlier}] does); list each addon once.`, `addons[${index}].${addon.identityField}`);
    }
    seen.set(addon.identity, index);
    return addon;
  });
}

function readAddonEntry(entry: JsonValue, path: string, form: 'LEGACY' | 'ENVELOPE'): SubmittedAddon {
  if (!isPlainObject(entry)) throw new SubmissionError('WRONG_TYPE', `${path} must be an object.`, path);
  for (const key of STRING_FIELDS) {
    if (key in entry && typeof entry[key] !== 'string') throw new SubmissionError('WRONG_TYPE', `${path}.${key} must be a string.`, `${path}.${key}`);
  }
  const text = (key: (typeof STRING_FIELDS)[number]) => (typeof entry[key] === 'string' && entry[key] !== '' ? (entry[key] as string) : null);
  const domain = text('domain');
  const name = text('name');
  const identityField = domain !== null ? 'domain' : 'name';
  const identity = domain ?? name;
  if (identity === null) throw new SubmissionError('BAD_IDENTITY', `${path} has neither a "domain" nor a "name"; one of them identifies the addon.`, `${path}.name`);
  if (!ADDON_IDENTITY_PATTERN.test(identity)) {
    throw new SubmissionError(
      'BAD_IDENTITY',
      `${path}.${identityField} ${quote(identity)} is not an addon identity: use 1 to 253 letters, digits, ".", "_" or "-", starting with a letter or digit.`,
      `${path}.${identityField}`,
    );
  }
  const image = text('image');
  const configImage = text('configImage');
  if (image !== null && configImage !== null && image !== configImage) {
    throw new SubmissionError('CONFLICTING_IMAGES', `${path} names two config images, "image" and "configImage"; keep one.`, `${path}.configImage`);
  }
  return {
    identity,
    identityField,
    name,
    domain,
    configImage: configImage ?? image,
    runtimeImage: text('runtimeImage'),
    version: readVersion(entry.version, `${path}.version`, form),
    entry: entry as JsonObject,
  };
}

function readVersion(value: JsonValue | undefined, field: string, form: 'LEGACY' | 'ENVELOPE'): string | null {
  if (form === 'LEGACY') {
    if (value === undefined) return null;
    throw new SubmissionError('BAD_VERSION', `${field}: legacy submissions carry no version (each is numbered r1, r2, …); sign an envelope to give one.`, field);
  }
  if (value === undefined) throw new SubmissionError('BAD_VERSION', `${field} is missing; each envelope entry needs a semver version such as "1.2.0".`, field);
  if (!isSemver(value as string)) {
    throw new SubmissionError('BAD_VERSION', `${field} ${quote(value)} is not a semver 2.0.0 version such as "1.2.0" or "2.0.0-rc.1" (at most ${MAX_VERSION_LENGTH} characters, no "v").`, field);
  }
  return value as string;
}
