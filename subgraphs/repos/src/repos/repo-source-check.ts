import { domainError } from '@addon-platform/platform';
import {
  SourceError,
  addonIndexReader,
  gitReader,
  helmReader,
  type SourceErrorCode,
  type SourceLocation,
  type SourceReader,
  type UrlGuard,
} from '@addon-platform/sources';
import { RepoType } from './repo.entity.js';
import { URL_SCHEMES } from './repo-fields.js';

/** What `validateRepo` found: ok with what was read, or the problem and a sentence to act on. */
export interface RepoSourceReport {
  ok: boolean;
  problem: SourceErrorCode | null;
  reason: string | null;
  /** Chart versions (HELM), addon directories (GIT) or submissions (ADDON_INDEX) read. */
  entries: number | null;
  /** The git commit read. */
  revision: string | null;
}

/** Helm yields charts with their versions; git yields addons or rejected directories; an index yields submissions. */
type Entry = { versions?: readonly unknown[]; kind?: string };

const READERS: Record<RepoType, SourceReader<unknown>> = {
  [RepoType.HELM]: helmReader,
  [RepoType.GIT]: gitReader,
  [RepoType.ADDON_INDEX]: addonIndexReader,
};

/** Problems in what the user typed rather than in what the source holds: errors, not reports. */
const INPUT_PROBLEMS: readonly SourceErrorCode[] = ['INVALID_URL', 'FORBIDDEN_ADDRESS'];

/**
 * Reads a repo's source through the shared readers and the URL guard, saving nothing. Creating or
 * re-pointing a repo probes its source (the first entry is enough), so a typo, an unreachable host or
 * a missing path is refused before anything is written; `validateRepo` reads it all.
 */
export class RepoSourceCheck {
  constructor(private readonly guard: UrlGuard) {}

  /** The URL in normal form; BAD_USER_INPUT when malformed or of a scheme the type does not read. */
  parseUrl(type: RepoType, url: string): string {
    try {
      return this.guard.parse(url, URL_SCHEMES[type]).href;
    } catch (error) {
      throw asInputError(error);
    }
  }

  /** Throws BAD_USER_INPUT, naming the field at fault, unless the source reads. */
  async probe(type: RepoType, location: SourceLocation): Promise<void> {
    try {
      const snapshot = await READERS[type].read(location, { guard: this.guard });
      if (snapshot.status === 'read') {
        for await (const _first of snapshot.entries) break;
      }
    } catch (error) {
      throw asInputError(error);
    }
  }

  async validate(type: RepoType, location: SourceLocation): Promise<RepoSourceReport> {
    try {
      const snapshot = await READERS[type].read(location, { guard: this.guard });
      if (snapshot.status === 'not-modified') return { ok: true, problem: null, reason: null, entries: null, revision: null };
      let entries = 0;
      for await (const entry of snapshot.entries as AsyncIterable<Entry>) {
        if (entry.kind !== 'rejected') entries += entry.versions?.length ?? 1;
      }
      return { ok: true, problem: null, reason: null, entries, revision: snapshot.revision };
    } catch (error) {
      if (!(error instanceof SourceError) || INPUT_PROBLEMS.includes(error.code)) throw asInputError(error);
      return { ok: false, problem: error.code, reason: error.message, entries: null, revision: null };
    }
  }
}

function asInputError(error: unknown): Error {
  if (!(error instanceof SourceError)) return error instanceof Error ? error : new Error(String(error));
  return domainError('BAD_USER_INPUT', error.message, { field: error.field });
}
