import { GovernanceError, GovernanceErrorCode } from '../governance.errors.js';

/** Why a request about access grants or privacy alerts was refused. Mapped to GraphQL codes in one place. */
export enum AccessGrantErrorCode {
  /** No such person, grant (of this caller's) or alert. */
  NotFound = 'ACCESS_GRANT_NOT_FOUND',
  /** The grant has ended already, or the alert was acknowledged already. */
  Conflict = 'ACCESS_GRANT_CONFLICT',
  /** The request is malformed (a short reason, an id that is not one). */
  BadInput = 'ACCESS_GRANT_BAD_INPUT',
}

const GOVERNANCE_CODE: Record<AccessGrantErrorCode, GovernanceErrorCode> = {
  [AccessGrantErrorCode.NotFound]: GovernanceErrorCode.NotFound,
  [AccessGrantErrorCode.Conflict]: GovernanceErrorCode.Conflict,
  [AccessGrantErrorCode.BadInput]: GovernanceErrorCode.BadInput,
};

/** Refusals are GovernanceErrors (one error class for the module); `reason` names the rule. Messages are safe to show. */
export function accessGrantError(code: AccessGrantErrorCode, message: string): GovernanceError {
  return new GovernanceError(GOVERNANCE_CODE[code], code, message);
}
