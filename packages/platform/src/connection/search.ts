import { domainError } from '../errors.js';

const MAX_SEARCH_LENGTH = 200;
const MAX_SEARCH_WORDS = 8;

/**
 * Free text as a PostgreSQL prefix query (`to_tsquery('simple', …)`): "graf mon" finds grafana tagged
 * monitoring. Words are reduced to letters and digits, so nothing the user types reaches tsquery
 * syntax; null when no word is left. Over-long text is BAD_USER_INPUT on `field`.
 */
export function readPrefixSearch(search: string | null | undefined, field = 'search'): string | null {
  if (search == null) return null;
  if (search.length > MAX_SEARCH_LENGTH) throw domainError('BAD_USER_INPUT', `${field} is longer than ${MAX_SEARCH_LENGTH} characters.`, { field });
  const words = search.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.length > 0 ? words.slice(0, MAX_SEARCH_WORDS).map((word) => `${word}:*`).join(' & ') : null;
}
