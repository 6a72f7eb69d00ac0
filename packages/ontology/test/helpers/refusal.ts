import { SubmissionError } from '@addon-platform/ontology';

/** The SubmissionError `action` throws; fails the test when it throws nothing or something else. */
export function refusalOf(action: () => unknown): SubmissionError {
  try {
    action();
  } catch (error) {
    if (error instanceof SubmissionError) return error;
    throw error;
  }
  throw new Error('expected a SubmissionError, but nothing was thrown');
}

/** The SubmissionError the promise rejects with; fails the test when it resolves or rejects otherwise. */
export async function refusalOfAsync(promise: Promise<unknown>): Promise<SubmissionError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SubmissionError) return error;
    throw error;
  }
  throw new Error('expected a SubmissionError, but the promise resolved');
}
