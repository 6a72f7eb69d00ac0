import { spawn } from 'node:child_process';
import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SourceError } from '../errors.js';
import type { ReadOptions, SourceCredential, SourceLocation } from './source-reader.js';

/**
 * The git plumbing behind the git and addon-index readers: one ref fetched shallow into a fresh bare
 * repository, files read straight from the object database. There is never a checkout, so a hostile
 * repository's symlinks, hooks, attributes or submodules have nothing to act on.
 */

/** A file of the commit read (symlinks and submodules are left out: they are not content). */
export interface GitFile {
  /** Path from the repository root, `/`-separated. */
  path: string;
  objectId: string;
  size: number;
}

export interface GitCommit {
  /** The commit SHA read. */
  revision: string;
  /** The ref asked for, as the user wrote it, or `HEAD` (the remote's default branch). */
  ref: string;
  /** `location.path` checked and without surrounding slashes; `''` for the repository root. */
  path: string;
  /** Every file at or under {@link path}; throws NOT_FOUND when nothing is there. */
  listFiles(): Promise<GitFile[]>;
  /**
   * The contents of `files` as text, in order; null for a file that is not UTF-8. TOO_LARGE when
   * together they exceed the guard's `maxBytes`: a pack that compresses well is no way past the limit.
   */
  readTextFiles(files: readonly GitFile[]): Promise<Array<string | null>>;
}

const SCHEMES = ['https:', 'http:', 'git:'];
/** Abort a transfer that stalls below 1 KiB/s for this long, well before a long whole-read deadline. */
const LOW_SPEED_LIMIT_BYTES_PER_S = 1024;
const LOW_SPEED_TIME_S = 20;
/** How often the fetched repository's size is measured against the limit. */
const SIZE_POLL_INTERVAL_MS = 100;
/** Enough of git's stderr to classify a failure; more is noise (or a hostile server's essay). */
const MAX_STDERR_CHARS = 16 * 1024;

/**
 * Fetches `location.ref` (the remote HEAD when absent) from `location.url` and hands the commit to
 * `read` while it exists; the temporary repository is removed afterwards, whatever happens. The whole
 * call, `read` included, runs under the guard's time limit.
 */
export async function fetchCommit<T>(location: SourceLocation, options: ReadOptions, read: (commit: GitCommit) => Promise<T>): Promise<T> {
  const { guard } = options;
  const url = guard.parse(location.url, SCHEMES);
  const ref = readRef(location.ref);
  const path = readRepositoryPath(location.path);
  if (location.credential && url.protocol === 'git:') {
    throw new SourceError('INVALID_URL', 'git:// has no authentication, so the credential would not be sent; use the https URL of the repository.', 'credential');
  }

  const timedOut = new SourceError('TIMEOUT', `Fetching ${url.href} took longer than ${guard.timeoutMs} ms; the server may be slow or the repository too large.`);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(timedOut), guard.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal;
  let home: string | undefined;
  try {
    const { address } = await guard.resolve(url, signal);
    home = await mkdtemp(join(tmpdir(), 'addon-source-git-'));
    const gitDir = join(home, 'source.git');
    const env = gitEnvironment(home);
    const run = (args: string[], runOptions: Omit<GitRun, 'env'> = {}) => runGit(['--git-dir', gitDir, ...args], { env, signal, ...runOptions });

    await expectSuccess(runGit(['init', '--quiet', '--bare', '--template=', gitDir], { env, signal }));
    await fetchRef({ url, address, ref, credential: location.credential ?? null, home, gitDir, maxBytes: guard.maxBytes, signal });
    const resolved = await run(['rev-parse', '--verify', '--quiet', 'FETCH_HEAD^{commit}']);
    if (resolved.code !== 0) throw new SourceError('NOT_FOUND', `In ${url.href}, ${describeRef(ref)} names a tree or file, not a commit; check the ref.`, 'ref');
    const revision = resolved.stdout.toString().trim();

    return await read({
      revision,
      ref,
      path,
      async listFiles() {
        const args = ['ls-tree', '-r', '-z', '--long', '--full-tree', revision, ...(path ? ['--', path] : [])];
        const files = readTreeListing(await expectSuccess(run(args, { maxOutputBytes: guard.maxBytes })));
        if (path && files.length === 0) {
          throw new SourceError('NOT_FOUND', `${url.href} has no "${path}" at ${describeRef(ref)}, commit ${revision.slice(0, 7)}; check the path.`, 'path');
        }
        return files;
      },
      async readTextFiles(files) {
        if (files.length === 0) return [];
        const total = files.reduce((sum, file) => sum + file.size, 0);
        if (total > guard.maxBytes) {
          throw new SourceError('TOO_LARGE', `The files to read from ${url.href} add up to ${total} bytes, over the limit of ${guard.maxBytes} bytes.`);
        }
        const input = files.map((file) => `${file.objectId}\n`).join('');
        // Each object comes back behind a header line of at most about 60 bytes.
        const output = await expectSuccess(run(['cat-file', '--batch'], { input, maxOutputBytes: total + files.length * 128 }));
        return readBatchOutput(output, files);
      },
    });
  } finally {
    clearTimeout(timer);
    if (home) await rm(home, { recursive: true, force: true, maxRetries: 3 });
  }
}

interface FetchRequest {
  url: URL;
  address: string;
  ref: string;
  credential: SourceCredential | null;
  home: string;
  gitDir: string;
  maxBytes: number;
  signal: AbortSignal;
}

async function fetchRef(request: FetchRequest): Promise<void> {
  const { url, address, ref, credential, home, gitDir, maxBytes, signal } = request;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const isLiteral = host === address;
  const config: Array<[string, string]> = [
    ['protocol.allow', 'never'],
    ['protocol.https.allow', 'always'],
    ['protocol.http.allow', 'always'],
    ['protocol.git.allow', 'always'],
    // A redirect could lead to an address the guard never saw; the user is told to give the final URL.
    ['http.followRedirects', 'false'],
    ['http.lowSpeedLimit', String(LOW_SPEED_LIMIT_BYTES_PER_S)],
    ['http.lowSpeedTime', String(LOW_SPEED_TIME_S)],
    ['core.hooksPath', '/dev/null'],
    // Nothing may outlive the fetch in the background (and then race the removal of the folder).
    ['gc.auto', '0'],
    ['maintenance.auto', 'false'],
  ];
  let fetchUrl = url.href;
  if (!isLiteral && url.protocol !== 'git:') {
    // curl connects to the address the guard checked and still sends the host name, so TLS
    // verification and virtual hosting work as usual and a second DNS answer cannot move us.
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    config.push(['http.curloptResolve', `${host}:${port}:${address.includes(':') ? `[${address}]` : address}`]);
  } else if (!isLiteral) {
    // git:// has no resolve override, so git connects to the checked address literally. The cost: the
    // request's `host=` field then names the address, which a daemon serving several virtual hosts
    // (--interpolated-path) may not route. Running our own connect proxy (core.gitProxy) would keep
    // the name, but means executing a helper per fetch; git:// hosting of that kind is rare today.
    const pinned = new URL(url.href);
    pinned.hostname = address.includes(':') ? `[${address}]` : address;
    fetchUrl = pinned.href;
  }
  const secrets: string[] = [];
  if (credential) {
    // Basic with the token as password is what GitHub (any user name; `x-access-token` for app
    // tokens), GitLab and Gitea all accept for git over HTTPS; a Bearer header is not accepted by all.
    const [username, password] = credential.kind === 'basic' ? [credential.username, credential.password] : ['x-access-token', credential.token];
    const encoded = Buffer.from(`${username}:${password}`).toString('base64');
    config.push(['http.extraHeader', `Authorization: Basic ${encoded}`]);
    secrets.push(password, encoded);
  }

  const exceeded = new SourceError('TOO_LARGE', `The repository at ${url.href} is larger than the limit of ${maxBytes} bytes, even fetched shallow.`);
  const fetching = new AbortController();
  const watch = watchSize(home, maxBytes, () => fetching.abort(exceeded));
  try {
    const result = await runGit(
      ['--git-dir', gitDir, 'fetch', '--quiet', '--depth=1', '--no-tags', '--no-recurse-submodules', '--no-auto-maintenance', '--', fetchUrl, ref],
      { env: gitEnvironment(home, config), signal: AbortSignal.any([signal, fetching.signal]) },
    );
    if (result.code !== 0) {
      throw toSourceError(scrub(result.stderr, secrets).replaceAll(fetchUrl, url.href).replaceAll(address, host), {
        url,
        ref,
        hasCredential: credential !== null,
      });
    }
  } finally {
    watch.stop();
  }
  // The last chunk may have arrived between two measurements.
  if ((await measure(home)) > maxBytes) throw exceeded;
}

/**
 * Measures `folder` while git writes into it and calls `onExceeded` once it passes `maxBytes`. git has
 * no size limit for a fetch; between two measurements at most one interval's worth of data lands.
 */
function watchSize(folder: string, maxBytes: number, onExceeded: () => void) {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const poll = async () => {
    const size = await measure(folder);
    if (stopped) return;
    if (size > maxBytes) onExceeded();
    else timer = setTimeout(poll, SIZE_POLL_INTERVAL_MS);
  };
  timer = setTimeout(poll, SIZE_POLL_INTERVAL_MS);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

async function measure(folder: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(folder, { recursive: true }).catch(() => [] as string[])) {
    // Files come and go while git works (temporary packs are renamed); a vanished one counts nothing.
    total += await lstat(join(folder, name)).then(
      (stats) => (stats.isFile() ? stats.size : 0),
      () => 0,
    );
  }
  return total;
}

/**
 * A clean environment, not the service's: no proxy, `GIT_*` or askpass setting of the host leaks in,
 * and with HOME in the temporary folder and system config off, no user or system config is read.
 * Config goes through GIT_CONFIG_COUNT rather than `-c`, so a credential never shows in a process list.
 */
function gitEnvironment(home: string, config: Array<[string, string]> = []): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    // git's messages are classified by their English text.
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    // With no askpass program and prompts off, a 401 fails at once instead of waiting for a terminal.
    GIT_TERMINAL_PROMPT: '0',
    GIT_ALLOW_PROTOCOL: 'https:http:git',
    // A path such as `:(glob)**` is a file name here, not pathspec magic.
    GIT_LITERAL_PATHSPECS: '1',
    GIT_CONFIG_COUNT: String(config.length),
  };
  config.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  return env;
}

export interface GitRun {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string;
  /** Aborting kills git and every process it started, and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** More stdout than this kills git: TOO_LARGE. Default: no limit. */
  maxOutputBytes?: number;
}

export interface GitResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs the git CLI without a shell, in a process group of its own so that a kill reaches its helpers too. */
export async function runGit(args: readonly string[], options: GitRun): Promise<GitResult> {
  const { env, cwd, input, signal, maxOutputBytes = Infinity } = options;
  signal?.throwIfAborted();
  const child = spawn('git', args, { env, cwd, detached: true, stdio: 'pipe' });
  const chunks: Buffer[] = [];
  let outputBytes = 0;
  let stderr = '';
  let failure: unknown;
  const kill = (reason: unknown) => {
    failure ??= reason;
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // The group has exited already.
    }
  };
  const onAbort = () => kill(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  child.stdout.on('data', (chunk: Buffer) => {
    outputBytes += chunk.length;
    if (outputBytes > maxOutputBytes) kill(new SourceError('TOO_LARGE', `The repository's content is larger than the limit of ${maxOutputBytes} bytes.`));
    else chunks.push(chunk);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < MAX_STDERR_CHARS) stderr += chunk.toString();
  });
  // git may exit before reading all input (a failure it reports on stderr); that is not our error.
  child.stdin.on('error', () => {});
  child.stdin.end(input);
  try {
    const code = await new Promise<number | null>((resolveExit, reject) => {
      child.once('error', reject);
      child.once('close', resolveExit);
    });
    if (failure !== undefined) throw failure;
    return { code, stdout: Buffer.concat(chunks), stderr };
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** The output of a git command that fails only when something is wrong on our side. */
async function expectSuccess(running: Promise<GitResult>): Promise<Buffer> {
  const { code, stdout, stderr } = await running;
  if (code !== 0) throw new Error(`git failed (${code}): ${stderr.trim().slice(0, 500)}`);
  return stdout;
}

/**
 * A branch, tag or commit name as git's check-ref-format allows it, and never something git could read
 * as an option (`-…`), a refspec with a destination (`a:b`, `+a`) or a revision expression (`a~1`).
 */
function readRef(ref: string | null | undefined): string {
  if (!ref) return 'HEAD';
  const isValid =
    ref.length <= 255 &&
    !/^[-+/.]|[/.]$|\.lock$|\.\.|\/\/|\/\.|@\{|[\x00-\x20\x7f~^:?*[\\]/.test(ref);
  if (!isValid) throw new SourceError('INVALID_URL', `${JSON.stringify(ref)} is not a branch, tag or commit name git accepts.`, 'ref');
  return ref;
}

/**
 * The path is part of where the source is, like the URL, so a bad one is INVALID_URL and refused
 * before anything is fetched. It is only ever matched against the commit's tree, never the disk, but
 * `..` or an absolute path says the user meant something this cannot mean.
 */
function readRepositoryPath(path: string | null | undefined): string {
  if (!path) return '';
  const trimmed = path.replace(/\/+$/, '');
  const segments = trimmed.split('/');
  if (path.startsWith('/') || segments.some((segment) => segment === '' || segment === '.' || segment === '..') || /[\x00-\x1f\x7f]/.test(path)) {
    throw new SourceError(
      'INVALID_URL',
      `The path ${JSON.stringify(path)} must be a folder relative to the repository root, such as addons, without . or .. parts.`,
      'path',
    );
  }
  return trimmed;
}

/** A ref in a message: `"next"`, or what HEAD means. */
export function describeRef(ref: string): string {
  return ref === 'HEAD' ? 'the default branch (HEAD)' : `"${ref}"`;
}

/** `git ls-tree -r -z --long`: `<mode> <type> <object> <size>\t<path>\0` per entry. */
function readTreeListing(listing: Buffer): GitFile[] {
  const files: GitFile[] = [];
  for (const record of listing.toString('utf8').split('\0')) {
    const match = /^(\d+) (\w+) ([0-9a-f]+) +(\d+|-)\t(.+)$/s.exec(record);
    // Regular files (100644, 100755) only: 120000 is a symlink (its target as text), 160000 a submodule.
    const isRegularFile = match !== null && match[2] === 'blob' && match[1].startsWith('100');
    if (!isRegularFile) continue;
    files.push({ path: match[5], objectId: match[3], size: Number(match[4]) });
  }
  return files;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `git cat-file --batch`: `<object> <type> <size>\n<content>\n` per object asked for. */
function readBatchOutput(output: Buffer, files: readonly GitFile[]): Array<string | null> {
  const contents: Array<string | null> = [];
  let offset = 0;
  for (const file of files) {
    const headerEnd = output.indexOf(0x0a, offset);
    const header = output.subarray(offset, headerEnd).toString();
    const size = Number(header.split(' ')[2]);
    if (headerEnd < 0 || !header.startsWith(file.objectId) || !Number.isInteger(size)) {
      throw new Error(`git cat-file answered "${header.slice(0, 100)}" for ${file.path}`);
    }
    contents.push(decodeUtf8(output.subarray(headerEnd + 1, headerEnd + 1 + size)));
    offset = headerEnd + 1 + size + 1;
  }
  return contents;
}

function decodeUtf8(content: Buffer): string | null {
  try {
    return utf8.decode(content);
  } catch {
    return null;
  }
}

/** Credentials, in any form they could take, and Authorization lines never leave this module. */
function scrub(text: string, secrets: readonly string[]): string {
  let scrubbed = text.replace(/^.*authorization:.*$/gim, '[authorization header removed]');
  for (const secret of secrets) if (secret) scrubbed = scrubbed.replaceAll(secret, '[secret]');
  return scrubbed;
}

interface FailureContext {
  url: URL;
  ref: string;
  hasCredential: boolean;
}

// What git (and curl, and the hosts' own `remote:` lines) print, by the cause a repo owner can act on.
const AUTH_FAILURE = /could not read (username|password)|authentication failed|returned error: 40[13]\b|access denied(?! or repository not exported)/i;
const MISSING_REF = /couldn't find remote ref|not our ref|unadvertised object|no such remote ref/i;
const MISSING_REPOSITORY = /not found|does not appear to be a git repository|repository not exported|returned error: 404\b|no such repository/i;
const REDIRECT = /returned error: 30\d\b/i;
const STALLED = /operation too slow|timed out/i;
const CONNECTION_FAILURE =
  /connection refused|couldn't connect|failed to connect|unable to connect|could not resolve|connection reset|network is unreachable|no route to host|unable to look up|hung up unexpectedly/i;

/** git's stderr (scrubbed) in words a repo owner can act on. */
function toSourceError(stderr: string, { url, ref, hasCredential }: FailureContext): SourceError {
  const where = url.href;
  if (AUTH_FAILURE.test(stderr)) {
    return new SourceError(
      'UNAUTHORIZED',
      hasCredential
        ? `${where} refused the credential; check that the token or password is current and may read the repository.`
        : `${where} needs a credential to read the repository; give the repo a token or a username and password.`,
    );
  }
  if (MISSING_REF.test(stderr)) {
    return new SourceError(
      'NOT_FOUND',
      ref === 'HEAD'
        ? `${where} has no default branch (HEAD); the repository may be empty, or name a branch.`
        : `${where} has no branch, tag or commit "${ref}"; check the ref.`,
      'ref',
    );
  }
  if (MISSING_REPOSITORY.test(stderr)) {
    const privateHint = hasCredential ? '' : ' If the repository is private, give the repo a credential.';
    return new SourceError('NOT_FOUND', `There is no git repository at ${where}; check the URL.${privateHint}`);
  }
  if (REDIRECT.test(stderr)) {
    return new SourceError(
      'UPSTREAM_ERROR',
      `${where} answered with a redirect, which the platform does not follow because it could lead past the address check; ` +
        "give the repository's final URL instead (often with .git at the end, or on the new host).",
    );
  }
  if (STALLED.test(stderr)) return new SourceError('TIMEOUT', `${where} stopped sending data; try again later.`);
  if (CONNECTION_FAILURE.test(stderr)) {
    return new SourceError('UNREACHABLE', `Could not connect to ${url.host}, or it closed the connection; check the URL and that the server is up.`);
  }
  return new SourceError('UPSTREAM_ERROR', `git could not fetch ${describeRef(ref)} from ${where}: ${excerpt(stderr)}`);
}

/** The last lines git printed, one line, printable, short: what a person needs, nothing a server could smuggle. */
function excerpt(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.replace(/^(fatal|error|remote): /i, '').replace(/[^\x20-\x7e]/g, ' ').trim())
    .filter(Boolean);
  const text = lines.slice(-2).join(' ');
  return text.length > 300 ? `${text.slice(0, 297)}...` : text || 'no reason given';
}
