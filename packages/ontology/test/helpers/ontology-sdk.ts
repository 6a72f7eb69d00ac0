/**
 * ontology-ts-sdk, the reference these tests check the package against (a devDependency only). It
 * runs in a plain Node child process (ontology-sdk-worker.mjs): under Jest its curve code is too slow.
 * Each call starts one process, so batch the questions.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('./ontology-sdk-worker.mjs', import.meta.url));

export type SdkRequest =
  | { op: 'addressOfKey'; publicKey: string }
  | { op: 'didOfKey'; publicKey: string }
  | { op: 'addressOfDid'; did: string }
  | { op: 'verify'; publicKey: string; text: string; sig: string }
  | { op: 'signWithNewKey'; texts: string[]; didPlaceholder?: string };

export interface SdkSigned {
  publicKey: string;
  did: string;
  /** The texts signed, with the placeholder replaced by {@link did}. */
  texts: string[];
  sigs: string[];
}

/** The SDK's answers, in order; an answer is `{ error }` where the SDK threw. */
export function askSdk(requests: SdkRequest[]): Array<{ value?: unknown; error?: string }> {
  const output = execFileSync(process.execPath, [WORKER], { input: JSON.stringify(requests), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(output);
}

/** The SDK's values; fails when it threw for any request. */
export function sdkValues<T = unknown>(requests: SdkRequest[]): T[] {
  return askSdk(requests).map((answer, index) => {
    if (answer.error !== undefined) throw new Error(`ontology-ts-sdk failed on request ${index} (${requests[index]!.op}): ${answer.error}`);
    return answer.value as T;
  });
}
