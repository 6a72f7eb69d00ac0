/** Messages between the sync bench (`run.ts`) and its worker process (`worker-process.ts`), over IPC. */

/** Epoch milliseconds with sub-millisecond precision (`performance.timeOrigin + performance.now()`). */
export type EpochMs = number;

/** One statement the worker's PostgreSQL driver ran: from `query()` to its callback. */
export interface QueryEvent {
  start: EpochMs;
  end: EpochMs;
  /** The statement, whitespace folded, cut at 2,000 characters. */
  sql: string;
  /** Characters sent: the statement's text (where MikroORM inlines parameters) and any string parameters. */
  chars: number;
}

export interface MemorySample {
  at: EpochMs;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export interface WindowReport {
  /** Statements that started in the window, in start order. */
  queries: QueryEvent[];
  /** Highest of the 50 ms samples in the window (bytes); a sample is taken only when the event loop is free. */
  peak: Omit<MemorySample, 'at'>;
  /** The last sample before the window: what the process held while idle. */
  before: Omit<MemorySample, 'at'> | null;
  /** The kernel's high-water mark of this process's RSS over its whole life, in bytes (exact, no sampling). */
  lifetimeMaxRss: number;
  /** CPU time (user + system) the process used in the window, in ms (from the 50 ms samples' counters). */
  cpuMs: number;
  /** The window's 50 ms samples, for peaks per phase. */
  timeline: Array<{ at: EpochMs; rss: number; heapUsed: number }>;
}

export type WorkerMessage =
  | { type: 'ready'; pid: number; graphqlUrl: string; startupMaxRss: number }
  | { type: 'failed'; message: string }
  | { type: 'window'; id: number; report: WindowReport };

export type BenchMessage = { type: 'window'; id: number; from: EpochMs; to: EpochMs };
