import type { ResourceName } from './resources.js';

/** The verbs as RBAC names them, plus `proxy` for the service proxy. */
export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'proxy';

/** Makes the next `count` matching requests fail, or hang until the client gives up or the server stops. */
export interface Fault {
  verb?: Verb;
  resource?: ResourceName;
  namespace?: string;
  name?: string;
  /** Default 1. */
  count?: number;
  /** Answered as a Status with this code (403, 409, 429, 500, 503, 504 …). Ignored with `hang`. */
  code?: number;
  /** Default: a message of the kind the API server gives for `code`. */
  message?: string;
  /** Takes the request and never answers it, for client time limits. */
  hang?: boolean;
}

export interface RequestTarget {
  verb: Verb;
  resource: ResourceName;
  namespace?: string;
  name?: string;
}

export interface FaultTable {
  add(fault: Fault): void;
  /** Consumes one use of the first fault that matches, if any. */
  take(target: RequestTarget): Fault | undefined;
  clear(): void;
}

export function createFaultTable(): FaultTable {
  const faults: { fault: Fault; remaining: number }[] = [];
  return {
    add: (fault) => {
      faults.push({ fault, remaining: fault.count ?? 1 });
    },
    take: (target) => {
      const index = faults.findIndex(({ fault }) =>
        (['verb', 'resource', 'namespace', 'name'] as const).every((field) => fault[field] === undefined || fault[field] === target[field]),
      );
      if (index < 0) return undefined;
      const entry = faults[index]!;
      entry.remaining -= 1;
      if (entry.remaining <= 0) faults.splice(index, 1);
      return entry.fault;
    },
    clear: () => {
      faults.length = 0;
    },
  };
}
