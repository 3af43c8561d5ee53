import { GovernanceError, GovernanceErrorCode } from '../../governance.errors.js';

/** Why a bearer token was refused: stable codes for audit, tests and the 401 response. */
export const AUTHENTICATION_FAILURES = [
  'missing-token',
  'malformed-token',
  'unknown-issuer',
  'issuer-unavailable',
  'bad-signature',
  'expired',
  'not-yet-valid',
  'wrong-audience',
  'algorithm-not-allowed',
  'unmapped-role',
  'ambiguous-role',
  'invalid-claims',
] as const;
export type AuthenticationFailure = (typeof AUTHENTICATION_FAILURES)[number];

/** A refused token. `message` says which check failed, never what the token held. */
export function authenticationFailed(reason: AuthenticationFailure, message: string): GovernanceError {
  return new GovernanceError(GovernanceErrorCode.Unauthenticated, reason, message);
}
