/**
 * Signed-submission verification on one core: how many submissions per second `verifySubmission`
 * checks for owners whose key the resolver already holds (goal: at least 5,000/s), and how many when
 * every one needs its owner's key recovered first (a resolver seeing each DID for the first time).
 * The process pins itself to one CPU; each case warms up, then runs for a fixed time.
 * `npm run bench:verify -- [seconds per case]` (default 5).
 */
import { readFileSync } from 'node:fs';
import { verify } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { canonicalJson, isSubmissionError, readSignature, RecoveringKeyResolver, toOwnerKey, verifySubmission, type JsonObject } from '@addon-platform/ontology';
import { createTestOwner } from '@addon-platform/ontology/testing';
import { pinThisProcess, readAllowedCpus, REPO_ROOT } from '../gateway/processes.js';
import { printTable } from '../print-table.js';

const measureMs = Number(process.argv[2] ?? 5) * 1000;
const warmUpMs = Math.min(2000, measureMs / 2);
const KNOWN_OWNER_GOAL_PER_SECOND = 5000;

interface Figures {
  operations: number;
  perSecond: number;
  microsecondsEach: number;
}

/** Runs `operation` for `warmUpMs`, then counts how often it completes in `measureMs`. */
async function measure(operation: (i: number) => Promise<unknown> | unknown): Promise<Figures> {
  let i = 0;
  for (const end = performance.now() + warmUpMs; performance.now() < end; ) await operation(i++);
  let operations = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < measureMs) {
    await operation(i++);
    operations++;
    elapsed = performance.now() - started;
  }
  return { operations, perSecond: (operations * 1000) / elapsed, microsecondsEach: (elapsed * 1000) / operations };
}

const fixturesDir = `${REPO_ROOT}fixtures/ontology-addon-index/`;
const vectors = JSON.parse(readFileSync(`${fixturesDir}vectors.json`, 'utf8')) as Record<string, { valid: boolean; publicKey: string | null }>;
const legacyTexts = Object.entries(vectors)
  .filter(([, vector]) => vector.valid)
  .map(([file]) => readFileSync(`${fixturesDir}${file}`, 'utf8'));
const invalidText = readFileSync(`${fixturesDir}${Object.keys(vectors).find((file) => !vectors[file]!.valid)}`, 'utf8');

const owner = createTestOwner();
const envelopeText = JSON.stringify(
  owner.signEnvelope({
    meta: { summary: 'bench' },
    addons: [{ name: 'witness', version: '1.2.0', configImage: 'docker.io/example/witness-config:1.2.0', runtimeImage: 'docker.io/example/witness:1.2.0', official: true }],
    network: 'testnet',
    nonce: '8f14e45fceea167a5a36dedd4bea2543',
    expiry: '2030-01-01T00:00:00Z',
  }),
);
// Distinct owners for first-time recovery, so no case can profit from a key seen before.
const strangers: string[] = Array.from({ length: 200 }, () => {
  const stranger = createTestOwner();
  return JSON.stringify(stranger.signLegacy([{ name: 'witness', configImage: 'docker.io/example/witness-config:1.2.0' } as JsonObject]));
});

const [cpu] = readAllowedCpus();
pinThisProcess([cpu!]);
console.log(`pinned to CPU ${cpu}; ${warmUpMs / 1000} s warm-up and ${measureMs / 1000} s measured per case; Node ${process.version}`);

const known = new RecoveringKeyResolver();
for (const text of [...legacyTexts, envelopeText]) await verifySubmission(text, known);

const expectRefused = async (text: string) => {
  try {
    await verifySubmission(text, known);
  } catch (error) {
    if (isSubmissionError(error) && error.code === 'SIGNATURE_INVALID') return;
    throw error;
  }
  throw new Error('406f90f verified; it must not');
};

// The floor under every verification: node:crypto's P-256 verify of one fixture with a ready KeyObject.
const [floorFile, floorVector] = Object.entries(vectors).find(([, vector]) => vector.valid)!;
const floorSubmission = JSON.parse(readFileSync(`${fixturesDir}${floorFile}`, 'utf8'));
const floorKey = toOwnerKey(Buffer.from(floorVector.publicKey!, 'hex'));
const floorMessage = Buffer.from(canonicalJson(floorSubmission.addons), 'utf8');
const floorSignature = readSignature(floorSubmission.sig);
if (!verify('sha256', floorMessage, { key: floorKey.keyObject, dsaEncoding: 'ieee-p1363' }, floorSignature.rs)) throw new Error('the floor case does not verify');

const cases: Array<[string, (i: number) => Promise<unknown> | unknown]> = [
  ['legacy, known owner (20 testnet submissions, text)', (i) => verifySubmission(legacyTexts[i % legacyTexts.length]!, known)],
  ['envelope, known owner (text)', () => verifySubmission(envelopeText, known)],
  ['legacy, refused SIGNATURE_INVALID (406f90f, known owner)', () => expectRefused(invalidText)],
  ['legacy, first time: owner key recovered', (i) => verifySubmission(strangers[i % strangers.length]!, new RecoveringKeyResolver())],
  ['node:crypto verify alone (floor)', () => verify('sha256', floorMessage, { key: floorKey.keyObject, dsaEncoding: 'ieee-p1363' }, floorSignature.rs)],
];

const rows: string[][] = [];
const results = new Map<string, Figures>();
for (const [name, operation] of cases) {
  const figures = await measure(operation);
  results.set(name, figures);
  rows.push([name, figures.operations.toLocaleString('en-US'), Math.round(figures.perSecond).toLocaleString('en-US'), figures.microsecondsEach.toFixed(1)]);
}
printTable(['case (one core)', 'operations', 'per second', 'µs each'], rows);

const knownRate = results.get(cases[0]![0])!.perSecond;
const verdict = knownRate >= KNOWN_OWNER_GOAL_PER_SECOND ? 'meets' : 'MISSES';
console.log(`\nknown owner: ${Math.round(knownRate).toLocaleString('en-US')}/s ${verdict} the goal of ${KNOWN_OWNER_GOAL_PER_SECOND.toLocaleString('en-US')}/s`);
if (knownRate < KNOWN_OWNER_GOAL_PER_SECOND) process.exitCode = 1;
