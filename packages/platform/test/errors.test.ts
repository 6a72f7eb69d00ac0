import { GraphQLError } from 'graphql';
import { createFormatError, domainError } from '@addon-platform/platform';

describe('formatting errors for clients', () => {
  const logged: unknown[] = [];
  const format = createFormatError((error) => logged.push(error));
  beforeEach(() => {
    logged.length = 0;
  });

  it('keeps a domain error’s code, sentence and field', () => {
    const error = new GraphQLError('wrapped', { originalError: domainError('BAD_USER_INPUT', 'name is too long.', { field: 'name' }), path: ['createRepo'] });
    expect(format({ message: 'wrapped', path: ['createRepo'] }, error)).toEqual({
      message: 'name is too long.',
      path: ['createRepo'],
      extensions: { code: 'BAD_USER_INPUT', field: 'name' },
    });
    expect(logged).toEqual([]);
  });

  it('hides an unexpected error behind INTERNAL_SERVER_ERROR and logs it in full', () => {
    const leak = new Error('relation "repos.repo" does not exist at postgres://admin:hunter2@db');
    const error = new GraphQLError(leak.message, { originalError: leak });
    const formatted = format({ message: leak.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }, error);
    expect(formatted).toEqual({ message: 'Internal server error; it has been logged.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(JSON.stringify(formatted)).not.toMatch(/hunter2|relation/);
    expect(logged).toEqual([leak]);
  });

  it('passes GraphQL’s own validation errors through', () => {
    const formatted = { message: 'Cannot query field "nope" on type "Query".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } };
    expect(format(formatted, new GraphQLError(formatted.message))).toBe(formatted);
    expect(logged).toEqual([]);
  });
});
