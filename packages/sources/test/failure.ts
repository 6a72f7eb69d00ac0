import { SourceError } from '@addon-platform/sources';

/** The SourceError `promise` rejects with; anything else, including success, fails the test. */
export async function failure(promise: Promise<unknown>): Promise<SourceError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof SourceError)) throw new Error(`expected a SourceError, got ${String(error)}`);
  return error;
}
