import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { EnvReader } from '@addon-platform/platform';
import { SourceError } from '../errors.js';

/**
 * The one gate every user-given URL passes before the platform fetches it (DESIGN, "Identity and
 * access"): a repo URL is an instruction from a user to make our servers connect somewhere, so
 * loopback, private, link-local, metadata and other special addresses are refused unless an operator
 * allow-list names them. The address checked is the address used: callers connect to
 * {@link ResolvedAddress.address}, never resolving the name again (no DNS rebinding).
 */
export interface UrlGuardOptions {
  /** CIDRs (`10.0.0.0/8`), single addresses or host names that may be fetched although special. */
  allow?: readonly string[];
  /** Time limit of one whole fetch (connect, redirects, body; a git clone). */
  timeoutMs?: number;
  /** Size limit of one response body, or of one git fetch. */
  maxBytes?: number;
  maxRedirects?: number;
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_BYTES = 128 * 1024 * 1024;
const DEFAULT_MAX_REDIRECTS = 5;

/** Ranges no user URL may reach by default: not the public internet. */
const SPECIAL_RANGES: ReadonlyArray<[string, number, 'ipv4' | 'ipv6']> = [
  ['0.0.0.0', 8, 'ipv4'], // "this network"
  ['10.0.0.0', 8, 'ipv4'], // private
  ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT
  ['127.0.0.0', 8, 'ipv4'], // loopback
  ['169.254.0.0', 16, 'ipv4'], // link-local, including cloud metadata 169.254.169.254
  ['172.16.0.0', 12, 'ipv4'], // private
  ['192.0.0.0', 24, 'ipv4'], // IETF protocol assignments (some metadata services live here)
  ['192.0.2.0', 24, 'ipv4'], // documentation
  ['192.168.0.0', 16, 'ipv4'], // private
  ['198.18.0.0', 15, 'ipv4'], // benchmarking
  ['198.51.100.0', 24, 'ipv4'], // documentation
  ['203.0.113.0', 24, 'ipv4'], // documentation
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved, broadcast
  ['::', 128, 'ipv6'], // unspecified
  ['::1', 128, 'ipv6'], // loopback
  ['100::', 64, 'ipv6'], // discard
  ['2001:db8::', 32, 'ipv6'], // documentation
  ['fc00::', 7, 'ipv6'], // unique local, including AWS metadata fd00:ec2::254
  ['fe80::', 10, 'ipv6'], // link-local
  ['ff00::', 8, 'ipv6'], // multicast
];

/** IPv6 forms that carry an IPv4 address a packet may end up at. */
const EMBEDDED_IPV4: ReadonlyArray<{ prefix: string; bits: number; at: number }> = [
  { prefix: '::ffff:0:0', bits: 96, at: 6 }, // IPv4-mapped
  { prefix: '64:ff9b::', bits: 96, at: 6 }, // NAT64
  { prefix: '2002::', bits: 16, at: 1 }, // 6to4
];

export class UrlGuard {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly maxRedirects: number;
  private readonly special = new BlockList();
  private readonly allowedRanges = new BlockList();
  private readonly allowedHosts = new Set<string>();
  private readonly embedded = EMBEDDED_IPV4.map(({ prefix, bits, at }) => {
    const list = new BlockList();
    list.addSubnet(prefix, bits, 'ipv6');
    return { list, at };
  });

  constructor(options: UrlGuardOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
    for (const [network, prefix, type] of SPECIAL_RANGES) this.special.addSubnet(network, prefix, type);
    for (const entry of options.allow ?? []) {
      const range = parseRange(entry);
      if (range) this.allowedRanges.addSubnet(range.network, range.prefix, range.type);
      else if (isHostName(entry)) this.allowedHosts.add(normaliseHost(entry));
      else throw new Error(`not a CIDR, address or host name: ${entry}`);
    }
  }

  /**
   * A URL the caller may try to fetch: absolute, one of `schemes` (e.g. `['https:', 'http:']`), no
   * embedded credentials (they belong in the encrypted credential), at most 2048 characters.
   */
  parse(value: string, schemes: readonly string[]): URL {
    if (value.length > 2048) throw new SourceError('INVALID_URL', 'The URL is longer than 2048 characters.');
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new SourceError('INVALID_URL', 'The URL is not an absolute URL such as https://charts.example.com.');
    }
    if (!schemes.includes(url.protocol)) {
      throw new SourceError('INVALID_URL', `The URL must use ${schemes.map((s) => s.slice(0, -1)).join(', ')}; it uses ${url.protocol.slice(0, -1)}.`);
    }
    if (url.username || url.password) {
      throw new SourceError('INVALID_URL', 'The URL must not embed credentials; give them as the repo credential, which is stored encrypted.');
    }
    if (!url.hostname) throw new SourceError('INVALID_URL', 'The URL has no host.');
    return url;
  }

  /** Whether the platform may connect to `address` (a literal IP) when reached through `host`. */
  mayConnect(address: string, host?: string): boolean {
    if (host && this.allowedHosts.has(normaliseHost(host))) return true;
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (this.allowedRanges.check(address, type)) return true;
    if (this.special.check(address, type)) return false;
    if (type === 'ipv6') {
      const v4 = this.embeddedIpv4(address);
      if (v4) return this.mayConnect(v4);
    }
    return true;
  }

  /**
   * The address to connect to for `url`'s host: resolved once, every answer checked (a name that
   * resolves to one public and one private address is refused, not raced), the first one pinned.
   */
  async resolve(url: URL, signal?: AbortSignal): Promise<ResolvedAddress> {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const literal = isIP(host);
    const answers = literal ? [{ address: host, family: literal }] : await this.lookup(host, signal);
    for (const { address } of answers) {
      if (!this.mayConnect(address, host)) {
        throw new SourceError(
          'FORBIDDEN_ADDRESS',
          literal
            ? `${host} is a loopback, private, link-local or otherwise special address; the platform does not fetch from it.`
            : `${host} resolves to a loopback, private, link-local or otherwise special address; the platform does not fetch from it.`,
        );
      }
    }
    const [first] = answers;
    return { address: first.address, family: first.family === 6 ? 6 : 4 };
  }

  private async lookup(host: string, signal?: AbortSignal) {
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const abort = signal ? AbortSignal.any([signal, deadline]) : deadline;
    try {
      const answers = await Promise.race([
        lookup(host, { all: true, verbatim: true }),
        new Promise<never>((_, reject) => {
          if (abort.aborted) reject(abort.reason);
          abort.addEventListener('abort', () => reject(abort.reason), { once: true });
        }),
      ]);
      if (answers.length === 0) throw new Error('no addresses');
      return answers;
    } catch (error) {
      if (deadline.aborted) throw new SourceError('TIMEOUT', `Looking up ${host} took longer than ${this.timeoutMs} ms.`);
      if (signal?.aborted) throw error;
      throw new SourceError('UNREACHABLE', `The host ${host} could not be found (DNS lookup failed); check the URL.`);
    }
  }

  private embeddedIpv4(address: string): string | undefined {
    for (const { list, at } of this.embedded) {
      if (!list.check(address, 'ipv6')) continue;
      const groups = expandIpv6(address);
      const high = groups[at];
      const low = groups[at + 1];
      return [high >> 8, high & 255, low >> 8, low & 255].join('.');
    }
    return undefined;
  }
}

/** `URL_ALLOW_LIST`, `SOURCE_TIMEOUT_MS`, `SOURCE_MAX_BYTES`: the guard's settings, read with the service's config. */
export function readUrlGuardOptions(read: EnvReader): UrlGuardOptions {
  const allow = (read.optionalString('URL_ALLOW_LIST') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of allow) {
    if (!parseRange(entry) && !isHostName(entry)) read.problem(`URL_ALLOW_LIST: "${entry}" is not a CIDR, an address or a host name`);
  }
  return {
    allow,
    timeoutMs: read.integer('SOURCE_TIMEOUT_MS', DEFAULT_TIMEOUT_MS, { min: 100, max: 3_600_000 }),
    maxBytes: read.integer('SOURCE_MAX_BYTES', DEFAULT_MAX_BYTES, { min: 1024 }),
  };
}

function parseRange(entry: string): { network: string; prefix: number; type: 'ipv4' | 'ipv6' } | undefined {
  const [network, bits, ...rest] = entry.split('/');
  const version = isIP(network);
  if (!version || rest.length > 0) return undefined;
  const max = version === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (bits !== undefined && !/^\d+$/.test(bits))) return undefined;
  return { network, prefix, type: version === 4 ? 'ipv4' : 'ipv6' };
}

function isHostName(entry: string): boolean {
  return /^(?=.{1,253}\.?$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i.test(entry);
}

function normaliseHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

/** The eight 16-bit groups of an IPv6 address (with `::` and a dotted IPv4 tail expanded). */
function expandIpv6(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((group) => parseInt(group, 16));
}
