import { formatGraphqlError } from './format-error.js';

describe('formatGraphqlError', () => {
  it('passes errors meant for the caller, without stack traces', () => {
    expect(
      formatGraphqlError({ message: 'Cannot query field "nope"', extensions: { code: 'GRAPHQL_VALIDATION_FAILED', stacktrace: ['at x'] } }),
    ).toEqual({ message: 'Cannot query field "nope"', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
  });

  it('hides anything else behind a bare internal error', () => {
    expect(
      formatGraphqlError({
        message: 'duplicate key value violates "person_nhs_number" (9434765919)',
        path: ['person'],
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      }),
    ).toEqual({ message: 'Internal server error', path: ['person'], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(formatGraphqlError({ message: 'boom' })).toEqual({
      message: 'Internal server error',
      path: undefined,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });

  it('passes governance refusals with their reason code, an unreachable identity provider included', () => {
    for (const code of ['UNAUTHENTICATED', 'FORBIDDEN', 'ISSUER_UNAVAILABLE']) {
      expect(formatGraphqlError({ message: 'refused', path: ['version'], extensions: { code, reason: 'some-reason' } })).toEqual({
        message: 'refused',
        path: ['version'],
        extensions: { code, reason: 'some-reason' },
      });
    }
  });
});
