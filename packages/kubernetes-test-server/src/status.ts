import type { ResourceType } from './resources.js';

/** The `Status` object the API server answers failures with (`kind: Status`, `apiVersion: v1`). */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: { reason?: string; message: string; field?: string }[];
}

/** A failure the request handlers throw; the server writes its `status` as the answer. */
export class StatusError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
  }
}

/** The reason the real API server gives for each code it answers with. */
const REASON_BY_CODE: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export function toFailure(code: number, message: string, details?: StatusDetails, reason = REASON_BY_CODE[code] ?? 'Unknown'): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

export function toSuccess(details: StatusDetails): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details, code: 200 };
}

/** `deployments.apps` or `secrets`: how the API server names a resource in messages. */
export function qualifiedName(type: ResourceType): string {
  return type.group ? `${type.plural}.${type.group}` : type.plural;
}

function detailsOf(type: ResourceType, name: string): StatusDetails {
  return { name, ...(type.group ? { group: type.group } : {}), kind: type.plural };
}

export function notFound(type: ResourceType, name: string): StatusError {
  return new StatusError(toFailure(404, `${qualifiedName(type)} "${name}" not found`, detailsOf(type, name)));
}

export function alreadyExists(type: ResourceType, name: string): StatusError {
  return new StatusError(toFailure(409, `${qualifiedName(type)} "${name}" already exists`, detailsOf(type, name), 'AlreadyExists'));
}

export function conflict(type: ResourceType, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again'): StatusError {
  return new StatusError(toFailure(409, `Operation cannot be fulfilled on ${qualifiedName(type)} "${name}": ${why}`, detailsOf(type, name)));
}

export function forbidden(type: ResourceType, verb: string, user: string, name: string | undefined, namespace: string | undefined): StatusError {
  const subject = name ? `${qualifiedName(type)} "${name}"` : qualifiedName(type);
  const scope = namespace ? ` in the namespace "${namespace}"` : ' at the cluster scope';
  const message = `${subject} is forbidden: User "${user}" cannot ${verb} resource "${type.plural}" in API group "${type.group}"${scope}`;
  return new StatusError(toFailure(403, message, { ...(name ? { name } : {}), ...(type.group ? { group: type.group } : {}), kind: type.plural }));
}

/** 422 Invalid, with one cause per field, as the API server's validation answers. */
export function invalid(type: ResourceType, name: string, causes: { field: string; message: string; reason?: string }[]): StatusError {
  const summary = causes.map((cause) => `${cause.field}: ${cause.message}`).join(', ');
  const kind = type.group ? `${type.kind}.${type.group}` : type.kind;
  return new StatusError(
    toFailure(422, `${kind} "${name}" is invalid: ${summary}`, {
      name,
      ...(type.group ? { group: type.group } : {}),
      kind: type.kind,
      causes: causes.map(({ field, message, reason = 'FieldValueInvalid' }) => ({ reason, message, field })),
    }),
  );
}

export function badRequest(message: string): StatusError {
  return new StatusError(toFailure(400, message));
}
