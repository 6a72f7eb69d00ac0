import { KubeConfig } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { domainError } from '@addon-platform/platform';

/**
 * Reading an operator's kubeconfig (ADR 014). A kubeconfig is an instruction to the platform's host:
 * file paths in it are read from our disk (`token-file` even while parsing), `auth-provider` and
 * `exec` entries run programs, `proxy-url` re-routes traffic. So the document is parsed here first and
 * checked against an allow-list of fields; only then is the accepted part handed to client-node's
 * `KubeConfig.loadFromString`, as JSON, so both parsers see the same document. Refusals name the
 * field `kubeconfig` and never repeat its content.
 */

/** The kubeconfig as stored (sealed): JSON of exactly one context, its cluster and its user. */
export interface CheckedKubeconfig {
  canonical: string;
  /** The API server URL, shown to operators. */
  server: string;
  /** `token`, `certificate` or `exec`. */
  authentication: 'token' | 'certificate' | 'exec';
}

export interface ExecPolicy {
  /** Absolute paths of the exec credential plugins allowed (`KUBECONFIG_EXEC_COMMANDS`). */
  commands: readonly string[];
}

export const MAX_KUBECONFIG_BYTES = 64 * 1024;

type Doc = Record<string, unknown>;

const TOP_FIELDS = new Set(['apiVersion', 'kind', 'clusters', 'users', 'contexts', 'current-context', 'preferences', 'extensions']);
const CLUSTER_FIELDS = new Set(['server', 'certificate-authority-data', 'tls-server-name', 'disable-compression', 'extensions']);
const USER_FIELDS = new Set(['token', 'client-certificate-data', 'client-key-data', 'exec', 'extensions']);
const CONTEXT_FIELDS = new Set(['cluster', 'user', 'namespace', 'extensions']);
const EXEC_FIELDS = new Set(['apiVersion', 'command', 'args', 'env', 'installHint', 'provideClusterInfo', 'interactiveMode']);
/** Why a field is refused, for fields a kubeconfig commonly carries. */
const REFUSED: Record<string, string> = {
  'certificate-authority': 'names a CA file on the platform host; inline it as certificate-authority-data',
  'client-certificate': 'names a certificate file on the platform host; inline it as client-certificate-data',
  'client-key': 'names a key file on the platform host; inline it as client-key-data',
  'token-file': 'names a token file on the platform host; inline it as token',
  'insecure-skip-tls-verify': 'turns off TLS verification; give certificate-authority-data instead',
  'proxy-url': 'routes the platform through a proxy; reach the API server directly',
  'auth-provider': 'runs a legacy auth provider plugin; use a token, a client certificate or an allowed exec plugin',
  username: 'uses basic auth, which Kubernetes removed; use a token or a client certificate',
  password: 'uses basic auth, which Kubernetes removed; use a token or a client certificate',
  as: 'impersonates another user; give that user credentials of its own',
  'as-groups': 'impersonates groups; give a user credentials of its own',
  'as-uid': 'impersonates another user; give that user credentials of its own',
  'as-user-extra': 'impersonates another user; give that user credentials of its own',
};
/** Variables an exec plugin may not be given: they change which code the plugin's process loads. */
const UNSAFE_ENV = /^(LD_|DYLD_)|^(PATH|NODE_OPTIONS|NODE_PATH|PYTHONPATH|PYTHONSTARTUP|PERL5OPT|PERL5LIB|RUBYOPT|BASH_ENV|ENV|SHELLOPTS|IFS|HOME)$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

const refuse = (why: string) => domainError('BAD_USER_INPUT', `kubeconfig ${why}.`, { field: 'kubeconfig' });

export function readKubeconfig(text: string, exec: ExecPolicy): CheckedKubeconfig {
  if (Buffer.byteLength(text, 'utf8') > MAX_KUBECONFIG_BYTES) throw refuse(`is larger than ${MAX_KUBECONFIG_BYTES / 1024} KiB`);
  let doc: unknown;
  try {
    // No custom tags, unique keys, and no merge keys (`<<`), which js-yaml would resolve differently.
    doc = parseYaml(text, { schema: 'core', uniqueKeys: true, merge: false, maxAliasCount: 100, prettyErrors: false });
  } catch {
    throw refuse('is not valid YAML');
  }
  if (!isObject(doc)) throw refuse('is not a kubeconfig document (a YAML mapping with clusters, users and contexts)');
  checkFields(doc, TOP_FIELDS, 'the top level');
  const contexts = listOf(doc, 'contexts');
  if (contexts.length !== 1) {
    throw refuse(contexts.length === 0 ? 'has no context; it needs exactly one' : `has ${contexts.length} contexts; give exactly one, the one the platform uses`);
  }
  const context = named(contexts[0]!, 'context', 'contexts[0]');
  checkFields(context.body, CONTEXT_FIELDS, 'the context');
  const currentContext = doc['current-context'];
  if (currentContext != null && currentContext !== '' && currentContext !== context.name) throw refuse('current-context names a context it does not hold');
  const cluster = findNamed(listOf(doc, 'clusters'), 'cluster', context.body.cluster, 'the context names a cluster it does not hold');
  const user = findNamed(listOf(doc, 'users'), 'user', context.body.user, 'the context names a user it does not hold');
  checkFields(cluster.body, CLUSTER_FIELDS, 'the cluster');
  checkFields(user.body, USER_FIELDS, 'the user');
  const server = readServer(cluster.body.server);
  const authentication = readAuthentication(user.body, exec);

  const canonical = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster.name, cluster: withoutExtensions(cluster.body) }],
    users: [{ name: user.name, user: withoutExtensions(user.body) }],
    contexts: [{ name: context.name, context: withoutExtensions(context.body) }],
    'current-context': context.name,
  });
  try {
    toKubeConfig(canonical);
  } catch {
    throw refuse('is not accepted by the Kubernetes client (check the certificate data and the context)');
  }
  return { canonical, server, authentication };
}

/** What an exec plugin keeps of the platform's environment; everything else is blanked. */
const PLUGIN_PASSTHROUGH = new Set(['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR']);

/**
 * client-node's KubeConfig of a checked (canonical) kubeconfig, its one context current. client-node
 * starts an exec plugin with the platform's whole environment (`CREDENTIAL_KEYS`, `DATABASE_URL`, …)
 * plus the kubeconfig's `env`; it cannot remove variables, so every variable but a few harmless ones
 * is overridden with an empty value, before the kubeconfig's own entries.
 */
export function toKubeConfig(canonical: string, hostEnvNames: readonly string[] = Object.keys(process.env)): KubeConfig {
  const doc = JSON.parse(canonical) as { users: { user: { exec?: { env?: { name: string; value: string }[] } } }[] };
  for (const { user } of doc.users) {
    if (!user.exec) continue;
    const blanked = hostEnvNames.filter((name) => !PLUGIN_PASSTHROUGH.has(name)).map((name) => ({ name, value: '' }));
    user.exec.env = [...blanked, ...(user.exec.env ?? [])];
  }
  const config = new KubeConfig();
  config.loadFromString(JSON.stringify(doc), { onInvalidEntry: 'throw' });
  return config;
}

function readServer(value: unknown): string {
  if (typeof value !== 'string' || value === '') throw refuse("cluster has no server; give the API server's https URL");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw refuse("cluster server is not an absolute URL; give the API server's https URL");
  }
  if (url.protocol !== 'https:') throw refuse('cluster server must use https');
  if (url.username || url.password) throw refuse('cluster server must not embed credentials in its URL');
  if (url.search || url.hash) throw refuse('cluster server must not carry a query or fragment');
  return url.href.replace(/\/$/, '');
}

function readAuthentication(user: Doc, exec: ExecPolicy): CheckedKubeconfig['authentication'] {
  const token = user.token;
  const cert = user['client-certificate-data'];
  const key = user['client-key-data'];
  const ways = [token != null, cert != null || key != null, user.exec != null].filter(Boolean).length;
  if (ways === 0) throw refuse('user has no credentials; give a token, client-certificate-data with client-key-data, or an exec plugin');
  if (ways > 1) throw refuse('user gives more than one kind of credential; keep one of token, client certificate and exec');
  if (token != null) {
    if (typeof token !== 'string' || token.trim() === '' || /[\s]/.test(token)) throw refuse('user token must be a non-empty string without spaces');
    return 'token';
  }
  if (cert != null || key != null) {
    if (!isBase64(cert) || !isBase64(key)) throw refuse('user needs both client-certificate-data and client-key-data, base64-encoded PEM');
    return 'certificate';
  }
  readExec(user.exec, exec);
  return 'exec';
}

/** An exec plugin runs on the platform's host: only programs the deployment allows, by absolute path. */
function readExec(value: unknown, policy: ExecPolicy): void {
  if (!isObject(value)) throw refuse('user exec must be a mapping with a command');
  checkFields(value, EXEC_FIELDS, 'user exec');
  const { command, args, env, interactiveMode } = value;
  if (policy.commands.length === 0) {
    throw refuse('uses an exec credential plugin, which this platform does not run; use a token or a client certificate (operators of the deployment may allow plugins with KUBECONFIG_EXEC_COMMANDS)');
  }
  if (typeof command !== 'string' || !policy.commands.includes(command)) {
    throw refuse('names an exec credential plugin this platform does not allow; KUBECONFIG_EXEC_COMMANDS lists the allowed absolute paths');
  }
  if (args != null && (!Array.isArray(args) || !args.every((arg) => typeof arg === 'string' && arg.length <= 1024) || args.length > 64)) {
    throw refuse('user exec args must be a list of at most 64 strings');
  }
  if (env != null) {
    if (!Array.isArray(env) || env.length > 64) throw refuse('user exec env must be a list of at most 64 {name, value} entries');
    for (const entry of env) {
      if (!isObject(entry) || typeof entry.name !== 'string' || typeof entry.value !== 'string' || !ENV_NAME.test(entry.name)) {
        throw refuse('user exec env entries are {name, value} with a variable name of letters, digits and _');
      }
      if (UNSAFE_ENV.test(entry.name)) throw refuse(`user exec env may not set ${entry.name}, which changes what the plugin's process runs`);
    }
  }
  if (interactiveMode != null && interactiveMode !== 'Never' && interactiveMode !== 'IfAvailable') throw refuse('user exec interactiveMode must be Never');
}

function checkFields(body: Doc, allowed: ReadonlySet<string>, where: string): void {
  for (const field of Object.keys(body)) {
    if (allowed.has(field)) continue;
    const why = REFUSED[field];
    throw refuse(why ? `${where} has ${field}, which ${why}` : `${where} has ${fieldName(field)}, which the platform does not accept`);
  }
}

function listOf(doc: Doc, field: string): unknown[] {
  const value = doc[field];
  if (value == null) return [];
  if (!Array.isArray(value)) throw refuse(`${field} must be a list`);
  return value;
}

function named(entry: unknown, field: string, where: string): { name: string; body: Doc } {
  if (!isObject(entry) || typeof entry.name !== 'string' || entry.name === '' || !isObject(entry[field])) {
    throw refuse(`${where} needs a name and a ${field} mapping`);
  }
  const extra = Object.keys(entry).find((key) => key !== 'name' && key !== field);
  if (extra) throw refuse(`${where} has ${fieldName(extra)}, which the platform does not accept`);
  return { name: entry.name, body: entry[field] as Doc };
}

function findNamed(list: unknown[], field: string, name: unknown, missing: string): { name: string; body: Doc } {
  const matches = list.map((entry, index) => named(entry, field, `${field}s[${index}]`)).filter((entry) => entry.name === name);
  if (matches.length === 0) throw refuse(missing);
  if (matches.length > 1) throw refuse(`holds two ${field}s of the name the context uses`);
  return matches[0]!;
}

/** A field's name when it looks like one; anything else might be pasted content, so it is not repeated. */
function fieldName(field: string): string {
  return /^[A-Za-z][A-Za-z-]{0,39}$/.test(field) ? `the field ${field}` : 'a field';
}

function withoutExtensions(body: Doc): Doc {
  const { extensions: _extensions, ...rest } = body;
  return rest;
}

function isObject(value: unknown): value is Doc {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isBase64(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0 && /^[A-Za-z0-9+/\s]+=*\s*$/.test(value);
}
