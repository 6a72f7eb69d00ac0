import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@addon-platform/platform/testing';
import { runGit } from '../readers/git-fetch.js';

/**
 * Real git servers on loopback for tests: a repository built from a fixture folder, served by
 * `git daemon` (git://) and by `git http-backend` (smart HTTP), so readers run against the same
 * protocol code a hosted git service speaks. Redirecting or silent HTTP servers come from
 * `startFixtureHttpServer` (`redirect` and `hang` routes).
 */

export interface GitRepositoryOptions {
  /** Folder inside the repository the files land in, e.g. `addons`. Default: the repository root. */
  intoPath?: string;
  /** Folder the bare repository is created in, and the servers' `basePath`. Default: a new temporary folder. */
  basePath?: string;
  /** The repository's folder name under `basePath`, and so its URL path. Default: `catalog.git`. */
  name?: string;
  /** Branch the commit goes on; also the repository's HEAD when it is created. Default: `main`. */
  branch?: string;
  /** An annotated tag put on the commit. */
  tag?: string;
}

export interface TestGitRepository {
  basePath: string;
  /** URL path of the repository below a server's `url`, e.g. `catalog.git`. */
  name: string;
  /** The first commit's SHA. */
  revision: string;
  /**
   * Another commit whose tree is exactly `fromDir` (under `intoPath`), on `branch` (created from
   * nothing when new, else on top of its tip). Returns the commit's SHA.
   */
  commit(fromDir: string, options?: Omit<GitRepositoryOptions, 'basePath' | 'name'>): Promise<string>;
  /** Removes `basePath` when this call created it. */
  remove(): Promise<void>;
}

export interface RunningGitServer {
  /** Base URL without a trailing slash; a repository is at `${url}/${repository.name}`. */
  url: string;
  close(): Promise<void>;
}

// Fixed identity and dates make the commit SHAs the same on every run and machine.
const COMMIT_ENV = {
  GIT_AUTHOR_NAME: 'Addon Platform Tests',
  GIT_AUTHOR_EMAIL: 'tests@addon-platform.invalid',
  GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z',
  GIT_COMMITTER_NAME: 'Addon Platform Tests',
  GIT_COMMITTER_EMAIL: 'tests@addon-platform.invalid',
  GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z',
};

/** Builds a bare repository holding one commit of the files in `fromDir`. */
export async function createGitRepository(fromDir: string, options: GitRepositoryOptions = {}): Promise<TestGitRepository> {
  const { name = 'catalog.git', branch = 'main' } = options;
  const ownsBasePath = options.basePath === undefined;
  const basePath = options.basePath ?? (await mkdtemp(join(tmpdir(), 'addon-platform-git-repos-')));
  const gitDir = join(basePath, name);
  await git(['init', '--quiet', '--bare', `--initial-branch=${branch}`, gitDir]);

  const commit: TestGitRepository['commit'] = async (from, commitOptions = {}) => {
    const { intoPath = '', branch: onBranch = branch, tag } = commitOptions;
    const work = await mkdtemp(join(tmpdir(), 'addon-platform-git-work-'));
    try {
      const tree = join(work, 'tree');
      await mkdir(join(tree, intoPath), { recursive: true });
      await cp(from, join(tree, intoPath), { recursive: true });
      const env = { GIT_DIR: gitDir, GIT_WORK_TREE: tree, GIT_INDEX_FILE: join(work, 'index') };
      await git(['add', '--all', '--force', '.'], { env, cwd: tree });
      const treeId = (await git(['write-tree'], { env })).trim();
      const parent = (await git(['rev-parse', '--verify', '--quiet', `refs/heads/${onBranch}`], { env, allowFailure: true })).trim();
      const revision = (await git(['commit-tree', treeId, ...(parent ? ['-p', parent] : []), '-m', `fixture ${intoPath || '/'}`], { env })).trim();
      await git(['update-ref', `refs/heads/${onBranch}`, revision], { env });
      if (tag) await git(['tag', '--annotate', '--message', tag, tag, revision], { env });
      return revision;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  };

  try {
    const revision = await commit(fromDir, options);
    return {
      basePath,
      name,
      revision,
      commit,
      remove: async () => {
        if (ownsBasePath) await rm(basePath, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (ownsBasePath) await rm(basePath, { recursive: true, force: true });
    throw error;
  }
}

export interface GitDaemonOptions {
  basePath: string;
  /** Address to listen on. Default: 127.0.0.1. */
  host?: string;
}

/** `git daemon` serving every repository under `basePath` over git://. */
export async function startGitDaemon(options: GitDaemonOptions): Promise<RunningGitServer> {
  const { basePath, host = '127.0.0.1' } = options;
  const port = await freePort();
  // Its own process group, so close() also ends the per-connection children the daemon forks.
  const daemon = spawn(
    'git',
    ['daemon', '--verbose', '--reuseaddr', '--export-all', `--base-path=${basePath}`, `--listen=${host}`, `--port=${port}`],
    { env: serverEnv(), detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((resolveExit) => daemon.once('close', () => resolveExit()));
  let log = '';
  await new Promise<void>((resolveReady, reject) => {
    // With --verbose the daemon says "Ready to rumble" once it listens, so no polling is needed. Its
    // stderr is drained for as long as it runs, or a full pipe would stall it.
    daemon.stderr.on('data', (chunk: Buffer) => {
      if (log.includes('Ready to rumble')) return;
      log += chunk.toString();
      if (log.includes('Ready to rumble')) resolveReady();
    });
    daemon.once('error', reject);
    exited.then(() => reject(new Error(`git daemon exited before listening: ${log.trim()}`)));
  });
  return {
    url: `git://${toUrlHost(host)}:${port}`,
    async close() {
      killGroup(daemon.pid);
      await exited;
    },
  };
}

export interface GitHttpServerOptions {
  basePath: string;
  /** Address to listen on. Default: 127.0.0.1. */
  host?: string;
  /** Answers 401 unless the request carries these basic-auth credentials. */
  requireAuth?: { username: string; password: string };
  /** Awaited before each request is served: lets a test look at the client while it waits. */
  onRequest?: (request: IncomingMessage) => void | Promise<void>;
}

/** Smart HTTP: a node server running `git http-backend` as a CGI program per request. */
export async function startGitHttpServer(options: GitHttpServerOptions): Promise<RunningGitServer> {
  const { basePath, host = '127.0.0.1', requireAuth, onRequest } = options;
  const expected = requireAuth && `Basic ${Buffer.from(`${requireAuth.username}:${requireAuth.password}`).toString('base64')}`;
  const server = createServer(async (request, response) => {
    await onRequest?.(request);
    if (expected && request.headers.authorization !== expected) {
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end();
      return;
    }
    runHttpBackend(basePath, request, response, requireAuth?.username);
  });
  await new Promise<void>((resolveListening, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolveListening());
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://${toUrlHost(host)}:${port}`,
    close: () =>
      new Promise<void>((resolveClosed) => {
        server.closeAllConnections();
        server.close(() => resolveClosed());
      }),
  };
}

function runHttpBackend(basePath: string, request: IncomingMessage, response: ServerResponse, remoteUser: string | undefined) {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const header = (name: string) => request.headers[name] as string | undefined;
  const backend = spawn('git', ['http-backend'], {
    env: {
      ...serverEnv(),
      GIT_PROJECT_ROOT: basePath,
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: request.method,
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: header('content-type') ?? '',
      // Without a length http-backend reads the body to its end, which is how a chunked body arrives.
      ...(header('content-length') ? { CONTENT_LENGTH: header('content-length') } : {}),
      HTTP_CONTENT_ENCODING: header('content-encoding') ?? '',
      GIT_PROTOCOL: header('git-protocol') ?? '',
      REMOTE_ADDR: request.socket.remoteAddress ?? '',
      ...(remoteUser ? { REMOTE_USER: remoteUser } : {}),
    },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  request.pipe(backend.stdin);
  // A client that goes away mid-request closes stdin under the backend; that is not a test failure.
  backend.stdin.on('error', () => {});

  let head = Buffer.alloc(0);
  let headersSent = false;
  backend.stdout.on('data', (chunk: Buffer) => {
    if (headersSent) {
      response.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    headersSent = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const [name, value] = [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else response.setHeader(name, value);
    }
    response.writeHead(status);
    response.write(head.subarray(end + 4));
  });
  backend.on('close', () => {
    if (!headersSent) response.writeHead(502);
    response.end();
  });
}

function toUrlHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/** The test machine's own git configuration (a user's `url.insteadOf`, say) must not change what is served. */
function serverEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: tmpdir(), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' };
}

function killGroup(pid: number | undefined) {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}

async function git(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; allowFailure?: boolean } = {}): Promise<string> {
  const { code, stdout, stderr } = await runGit(args, { env: { ...serverEnv(), ...COMMIT_ENV, ...options.env }, cwd: options.cwd });
  if (code !== 0 && !options.allowFailure) throw new Error(`git ${args.join(' ')} failed: ${stderr.trim()}`);
  return code === 0 ? stdout.toString() : '';
}
