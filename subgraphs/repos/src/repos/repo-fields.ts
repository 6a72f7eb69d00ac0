import { domainError, isOperator, type Viewer } from '@addon-platform/platform';
import type { SourceCredential } from '@addon-platform/sources';
import { DefaultVersionStatus, RepoType, type RepoLabel } from './repo.entity.js';

/**
 * Checks of each field a user gives a repo. Each refusal names the field and says what would be
 * accepted; none repeats a credential.
 */

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const NETWORKS = ['testnet', 'mainnet'];
const LABEL_KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]{0,61}[A-Za-z0-9])?$/;
const PROVIDER = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;
// A path inside the repository: relative, plain segments only, so it can never climb out.
const PATH_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
// git ref names, restricted further: never starting with "-" (it would read as a git option).
const REF = /^[A-Za-z0-9_][A-Za-z0-9._/-]{0,254}$/;
const MAX_LABELS = 32;
const MAX_PROVIDERS = 8;
const MAX_DESCRIPTION = 2000;
const MAX_SECRET = 8192;

export const URL_SCHEMES: Record<RepoType, readonly string[]> = {
  [RepoType.HELM]: ['https:', 'http:'],
  [RepoType.GIT]: ['https:', 'http:', 'git:'],
  [RepoType.ADDON_INDEX]: ['https:', 'http:', 'git:'],
};

export interface LabelInput {
  key: string;
  value: string;
}

export interface CredentialInput {
  username?: string | null;
  password?: string | null;
  token?: string | null;
}

export function readName(name: string): string {
  if (!NAME.test(name)) {
    throw domainError('BAD_USER_INPUT', 'name must be 1 to 63 lowercase letters, digits or dashes, starting and ending with a letter or digit.', {
      field: 'name',
    });
  }
  return name;
}

export function readDescription(description: string | null | undefined): string {
  const text = description ?? '';
  if (text.length > MAX_DESCRIPTION) throw domainError('BAD_USER_INPUT', `description is longer than ${MAX_DESCRIPTION} characters.`, { field: 'description' });
  return text;
}

export function readNetwork(type: RepoType, network: string | null | undefined): string | null {
  if (type !== RepoType.ADDON_INDEX) {
    if (network != null) throw domainError('BAD_USER_INPUT', 'network applies to ADDON_INDEX repos only.', { field: 'network' });
    return null;
  }
  if (!network || !NETWORKS.includes(network)) {
    throw domainError('BAD_USER_INPUT', `An ADDON_INDEX repo names its network: ${NETWORKS.join(' or ')}.`, { field: 'network' });
  }
  return network;
}

/** git only: a folder inside the repository, without leading or trailing slashes. */
export function readPath(type: RepoType, path: string | null | undefined): string | null {
  if (path == null || path === '') return null;
  if (type === RepoType.HELM) throw domainError('BAD_USER_INPUT', 'path applies to git and addon-index repos; a Helm repo is read from its URL.', { field: 'path' });
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  if (path.length > 1024 || !trimmed.split('/').every((segment) => PATH_SEGMENT.test(segment))) {
    throw domainError('BAD_USER_INPUT', 'path must be a folder inside the repository, e.g. addons or catalog/addons: letters, digits, ".", "_", "-", no "..".', {
      field: 'path',
    });
  }
  return trimmed;
}

export function readRef(type: RepoType, ref: string | null | undefined): string | null {
  if (ref == null || ref === '') return null;
  if (type === RepoType.HELM) throw domainError('BAD_USER_INPUT', 'ref applies to git and addon-index repos.', { field: 'ref' });
  if (!REF.test(ref) || ref.includes('..') || ref.endsWith('.lock') || ref.endsWith('/')) {
    throw domainError('BAD_USER_INPUT', 'ref must be a branch, tag or commit name such as main or v1.2.0.', { field: 'ref' });
  }
  return ref;
}

/**
 * Labels in the order given, values never empty. A repo's label keys are unique; a user's selectors
 * may repeat a key with other values (`team=a`, `team=b`: any one suffices).
 */
export function readLabels(labels: readonly LabelInput[], field: 'labels' | 'selectors' = 'labels'): RepoLabel[] {
  if (labels.length > MAX_LABELS) throw domainError('BAD_USER_INPUT', `At most ${MAX_LABELS} ${field}.`, { field });
  const seen = new Set<string>();
  return labels.map(({ key, value }, index) => {
    if (!LABEL_KEY.test(key)) {
      throw domainError('BAD_USER_INPUT', `${field}[${index}].key must be 1 to 63 letters, digits, ".", "_", "/" or "-", e.g. team.`, { field });
    }
    if (value.trim() === '' || value.length > 256 || /[\u0000-\u001f]/.test(value)) {
      throw domainError('BAD_USER_INPUT', `${field}[${index}] (${key}) needs a value of 1 to 256 printable characters; empty values are refused.`, { field });
    }
    const identity = field === 'labels' ? key : `${key}=${value}`;
    if (seen.has(identity)) throw domainError('BAD_USER_INPUT', `${field} names ${identity} twice.`, { field });
    seen.add(identity);
    return { key, value };
  });
}

export function readProviders(providers: readonly string[] | null | undefined): string[] {
  if (providers == null) return ['kubernetes'];
  if (providers.length === 0 || providers.length > MAX_PROVIDERS) {
    throw domainError('BAD_USER_INPUT', `providers lists 1 to ${MAX_PROVIDERS} providers, e.g. kubernetes.`, { field: 'providers' });
  }
  for (const provider of providers) {
    if (!PROVIDER.test(provider)) throw domainError('BAD_USER_INPUT', 'a provider is lowercase letters, digits or dashes, e.g. kubernetes.', { field: 'providers' });
  }
  return [...new Set(providers)];
}

/** ACTIVE skips review, so only operators choose it (DESIGN: versions go through review before release). */
export function readDefaultStatus(viewer: Viewer, status: DefaultVersionStatus | null | undefined): DefaultVersionStatus {
  const chosen = status ?? DefaultVersionStatus.DRAFT;
  if (chosen === DefaultVersionStatus.ACTIVE && !isOperator(viewer)) {
    throw domainError('FORBIDDEN', 'Only operators make synced versions start ACTIVE; leave defaultStatus DRAFT and submit versions for review.', {
      field: 'defaultStatus',
    });
  }
  return chosen;
}

/** Basic auth (username and password) or a token, never both, never a part of one. */
export function readCredential(input: CredentialInput): SourceCredential {
  const { username, password, token } = input;
  const tooLong = [username, password, token].some((part) => part != null && part.length > MAX_SECRET);
  if (tooLong) throw domainError('BAD_USER_INPUT', `A credential part is longer than ${MAX_SECRET} characters.`, { field: 'credential' });
  if (token != null && token !== '') {
    if (username != null || password != null) throw domainError('BAD_USER_INPUT', 'Give either a token or a username and password, not both.', { field: 'credential' });
    return { kind: 'token', token };
  }
  if (!username || !password) throw domainError('BAD_USER_INPUT', 'A credential is a token, or a username with a password.', { field: 'credential' });
  if (username.includes(':')) throw domainError('BAD_USER_INPUT', 'A username cannot contain ":" (HTTP basic auth).', { field: 'credential' });
  return { kind: 'basic', username, password };
}
