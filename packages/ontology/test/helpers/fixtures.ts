import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository's copy of the real testnet index submissions (fixtures/README.md). */
export const INDEX_DIR = fileURLToPath(new URL('../../../../fixtures/ontology-addon-index/', import.meta.url));

/** One line of vectors.json. */
export interface Vector {
  owner: string;
  valid: boolean;
  /** The owner's compressed key, hex; null for the invalid submission. */
  publicKey: string | null;
  highS: boolean;
  commit: string;
  /** 1 = the oldest submission the index accepted. */
  order: number;
}

export interface FixtureSubmission {
  file: string;
  /** The file's bytes as text, exactly as config.json held them. */
  text: string;
  submission: { owner: string; meta?: unknown; addons: Array<Record<string, unknown>>; sig: string };
  vector: Vector;
}

/** Every fixture submission with its vector, oldest first (`order`). */
export function readFixtureSubmissions(): FixtureSubmission[] {
  const vectors = JSON.parse(readFileSync(`${INDEX_DIR}vectors.json`, 'utf8')) as Record<string, Vector>;
  return Object.entries(vectors)
    .map(([file, vector]) => {
      const text = readFileSync(`${INDEX_DIR}${file}`, 'utf8');
      return { file, text, submission: JSON.parse(text), vector };
    })
    .sort((a, b) => a.vector.order - b.vector.order);
}

/** A deep copy to tamper with. */
export function copyOf<T>(value: T): T {
  return structuredClone(value);
}
