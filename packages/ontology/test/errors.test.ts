import { ERROR_CODES } from '@addon-platform/platform';
import { SUBMISSION_ERROR_CODES, SubmissionError } from '@addon-platform/ontology';

describe('submission error codes', () => {
  it('are all in the platform catalogue, so formatError passes them on as extensions.code', () => {
    expect(SUBMISSION_ERROR_CODES).toEqual(expect.arrayContaining(['BAD_USER_INPUT', 'SIGNATURE_INVALID', 'SUBMISSION_EXPIRED']));
    for (const code of SUBMISSION_ERROR_CODES) expect(Object.keys(ERROR_CODES)).toContain(code);
  });

  it('follow from the reason', () => {
    expect(new SubmissionError('BAD_NONCE', 'x', 'nonce')).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'BAD_NONCE', field: 'nonce', name: 'SubmissionError' });
    expect(new SubmissionError('SIGNATURE_MISMATCH', 'x', 'sig').code).toBe('SIGNATURE_INVALID');
    expect(new SubmissionError('EXPIRED', 'x').code).toBe('SUBMISSION_EXPIRED');
  });
});
