import { domainError } from '../errors.js';

export const ROLES = ['tenant', 'developer', 'operator'] as const;
export type Role = (typeof ROLES)[number];

/** Who is asking: the verified claims of the user's JWT, or anonymous. */
export interface Viewer {
  /** The user; owner of the repos it creates. Undefined when anonymous. */
  sub?: string;
  /** The organisation that owns runtime instances. */
  tenant?: string;
  roles: readonly Role[];
  /** Informational only: a submission is proven by its signature, not by this claim. */
  did?: string;
  /** Expiry of the token (seconds since the epoch), used to end long-lived streams. */
  expiresAt?: number;
}

export const ANONYMOUS: Viewer = Object.freeze({ roles: Object.freeze([]) as readonly Role[] });

export const isAnonymous = (viewer: Viewer): boolean => viewer.sub === undefined;

export const isOperator = (viewer: Viewer): boolean => viewer.roles.includes('operator');

/** Operators hold every role (DESIGN, "Who uses it"). */
export function hasRole(viewer: Viewer, role: Role): boolean {
  return isOperator(viewer) || viewer.roles.includes(role);
}

/** Throws `UNAUTHENTICATED` for anonymous viewers and `FORBIDDEN` for those holding none of `roles`. */
export function requireRole(viewer: Viewer, ...roles: Role[]): asserts viewer is Viewer & { sub: string } {
  if (isAnonymous(viewer)) throw domainError('UNAUTHENTICATED', 'Sign in to do this: send a bearer token.');
  if (!roles.some((role) => hasRole(viewer, role))) {
    throw domainError('FORBIDDEN', `This needs one of the roles ${roles.join(', ')}; the token has ${viewer.roles.join(', ') || 'none'}.`);
  }
}
