import { GovernanceError, GovernanceErrorCode } from '../governance.errors.js';
import { refusalShape } from './governance-error.filter.js';

describe('refusalShape', () => {
  const refusal = (code: GovernanceErrorCode, reason: string) => refusalShape(new GovernanceError(code, reason, 'refused'));

  it('answers a missing or bad token with 401 UNAUTHENTICATED', () => {
    for (const reason of ['missing-token', 'expired', 'bad-signature', 'unknown-issuer']) {
      expect(refusal(GovernanceErrorCode.Unauthenticated, reason)).toEqual({ status: 401, graphqlCode: 'UNAUTHENTICATED' });
    }
  });

  it('answers an unreachable identity provider with 503, so clients retry rather than sign in again', () => {
    expect(refusal(GovernanceErrorCode.Unauthenticated, 'issuer-unavailable')).toEqual({ status: 503, graphqlCode: 'ISSUER_UNAVAILABLE' });
  });

  it('answers a missing role with 403 FORBIDDEN and bad input with 400', () => {
    expect(refusal(GovernanceErrorCode.Forbidden, 'missing-role')).toEqual({ status: 403, graphqlCode: 'FORBIDDEN' });
    expect(refusal(GovernanceErrorCode.BadInput, 'blank-reason')).toEqual({ status: 400, graphqlCode: 'BAD_USER_INPUT' });
  });
});
