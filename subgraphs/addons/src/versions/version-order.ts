/**
 * The order of an addon's versions, newest first, as the catalog lists it and pages through it in SQL.
 *
 * From oldest to newest there are three classes:
 * 1. strings that are not semver (`v0.6`, `latest`), which carry no order of their own, so they come
 *    last in a newest-first list, ordered among themselves by their UTF-8 bytes (descending there);
 * 2. legacy revisions `r1, r2, …`, by number: they are real versions with a known order, so they rank
 *    above strings we cannot order, and DESIGN ranks every semver version above them;
 * 3. semver versions by semver.org §11 precedence.
 * Versions of equal precedence (`1.0.0+a` and `1.0.0+b`, `1.2.3` and `v1.2.3`) are ordered by their
 * UTF-8 bytes, so the order is total: keyset pagination needs every key distinct.
 */

/** A semver 2.0.0 version; every number as a bigint because the spec sets no upper bound. */
export interface ParsedVersion {
  major: bigint;
  minor: bigint;
  patch: bigint;
  /** Identifiers after `-`: numeric ones as bigints, alphanumeric ones as strings; empty for a release. */
  prerelease: ReadonlyArray<bigint | string>;
  /** Identifiers after `+`; they never affect precedence (§10). */
  build: readonly string[];
}

const IDENTIFIERS = '[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*';
const SEMVER = new RegExp(`^[vV]?(\\d+)\\.(\\d+)\\.(\\d+)(?:-(${IDENTIFIERS}))?(?:\\+(${IDENTIFIERS}))?$`);
const DIGITS = /^\d+$/;

/**
 * Parses a semver 2.0.0 version, or answers null for anything else. Two forms real Helm indexes hold are
 * tolerated: a leading `v` or `V` (grafana's `v5.20.0`), and leading zeros in major, minor and patch,
 * read by value (castai's `1.13.00` is 1.13.0), as Helm's own semver library coerces them. Missing
 * components (`v0.6`) and leading zeros in a numeric prerelease identifier (`1.0.0-rc.01`) stay
 * non-semver: which version they mean is a guess.
 */
export function parseVersion(version: string): ParsedVersion | null {
  const match = SEMVER.exec(version);
  if (!match) return null;
  const [, major, minor, patch, prerelease, build] = match;
  const identifiers = prerelease === undefined ? [] : prerelease.split('.');
  if (identifiers.some((identifier) => DIGITS.test(identifier) && identifier.length > 1 && identifier.startsWith('0'))) return null;
  return {
    major: BigInt(major!),
    minor: BigInt(minor!),
    patch: BigInt(patch!),
    prerelease: identifiers.map((identifier) => (DIGITS.test(identifier) ? BigInt(identifier) : identifier)),
    build: build === undefined ? [] : build.split('.'),
  };
}

/**
 * Orders two version strings oldest first: negative when `a` is older than `b`. Semver precedence
 * (§11); any non-semver string is older than every semver version. Equal precedence falls back to the
 * UTF-8 bytes of the strings, so this is exactly the ascending order of {@link versionSortKey} and
 * answers 0 only for identical strings. Revisions are not strings; only the sort key places them.
 */
export function compareVersions(a: string, b: string): number {
  return comparePrecedence(parseVersion(a), parseVersion(b)) || compareBytes(a, b);
}

/**
 * A key whose ascending byte order is oldest first, so the catalog lists newest first with
 * `order by sort_key collate "C" desc`. Store it in a `text collate "C"` column so an index serves
 * that order and keyset cursors (`where sort_key < $cursor`). Any other collation breaks the order.
 * Distinct `(version, revision)` pairs get distinct keys; the key ends with the version itself, so it
 * is about twice as long: past some 1,300 bytes of version it no longer fits a btree index entry.
 *
 * A legacy submission passes its `revision`, which then places it whatever its version string says.
 */
export function versionSortKey(version: string, revision?: number | null): string {
  if (revision !== undefined && revision !== null) {
    if (!Number.isSafeInteger(revision) || revision < 1) throw new RangeError(`A revision is a whole number from 1 (r1), not ${revision}.`);
    return `${REVISION_CLASS}${encodeNumber(BigInt(revision))} ${version}`;
  }
  const parsed = parseVersion(version);
  if (!parsed) return `${NON_SEMVER_CLASS} ${version}`;
  return `${SEMVER_CLASS}${encodePrecedence(parsed)} ${version}`;
}

const NON_SEMVER_CLASS = '0';
const REVISION_CLASS = '1';
const SEMVER_CLASS = '2';

// Tokens after major.minor.patch. Their bytes are chosen for §11: a release ranks above any of its
// prereleases, a numeric identifier below an alphanumeric one, and a prerelease whose identifiers all
// match a longer one's ranks below it, so the end mark sorts below both identifier marks.
const PRERELEASE_END = '!';
const NUMERIC_IDENTIFIER = '#';
const ALPHANUMERIC_IDENTIFIER = '$';
const RELEASE = '~';
// Below `-`, the lowest byte an identifier may hold, so `alpha` ends before `alpha1` or `alpha-1` goes on.
const ALPHANUMERIC_END = ',';

function encodePrecedence({ major, minor, patch, prerelease }: ParsedVersion): string {
  const core = encodeNumber(major) + encodeNumber(minor) + encodeNumber(patch);
  if (prerelease.length === 0) return core + RELEASE;
  const identifiers = prerelease.map((identifier) =>
    typeof identifier === 'bigint' ? NUMERIC_IDENTIFIER + encodeNumber(identifier) : ALPHANUMERIC_IDENTIFIER + identifier + ALPHANUMERIC_END,
  );
  return core + identifiers.join('') + PRERELEASE_END;
}

/**
 * Digits prefixed by their count, so byte order is numeric order at any size: 7 → `17`, 42 → `242`.
 * The count is itself prefixed by one `~` per extra digit it has (10 digits → `~10…`), which sorts
 * above any digit, so no size needs a bound.
 */
function encodeNumber(value: bigint): string {
  const digits = value.toString();
  const count = String(digits.length);
  return '~'.repeat(count.length - 1) + count + digits;
}

function comparePrecedence(a: ParsedVersion | null, b: ParsedVersion | null): number {
  if (!a || !b) return (a ? 1 : 0) - (b ? 1 : 0);
  return (
    compareBigints(a.major, b.major) ||
    compareBigints(a.minor, b.minor) ||
    compareBigints(a.patch, b.patch) ||
    comparePrereleases(a.prerelease, b.prerelease)
  );
}

function comparePrereleases(a: ParsedVersion['prerelease'], b: ParsedVersion['prerelease']): number {
  if (a.length === 0 || b.length === 0) return b.length - a.length;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const order = compareIdentifiers(a[i]!, b[i]!);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

function compareIdentifiers(a: bigint | string, b: bigint | string): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return compareBigints(a, b);
  if (typeof a === 'bigint') return -1;
  if (typeof b === 'bigint') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareBigints(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// PostgreSQL's "C" collation compares UTF-8 bytes; JavaScript's `<` compares UTF-16 code units, which
// disagree once a string mixes astral characters with those from U+E000 to U+FFFF.
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
