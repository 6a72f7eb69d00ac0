/** Nearest-rank percentile of `sorted` (ascending); NaN when empty. */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

export const ascending = (values: Iterable<number>) => [...values].sort((a, b) => a - b);

export const ms = (value: number | null) => (value === null || Number.isNaN(value) ? 'n/a' : value.toFixed(1));
