import { GovernanceError, GovernanceErrorCode } from '../governance.errors.js';
import type { DelegationRefusal } from './domain/carer-delegation.js';

/** Reason codes of refusals that need the stored delegation to decide (the domain's refusals carry their own). */
export enum CarerDelegationReason {
  /** Unknown, mistyped, used, revoked or expired invitation code: one answer for all, so a code's fate is not revealed. */
  InvitationNotValid = 'invitation-not-valid',
  /** No delegation with that id that this caller may see. */
  DelegationNotFound = 'delegation-not-found',
  /** The delegation was revoked or has expired already. */
  DelegationEnded = 'delegation-ended',
  /** X-Acting-For without a delegation this sign-in holds now (the policy's denial reason). */
  NotDelegated = 'not-delegated',
  /** X-Acting-For that is not one NHS number. */
  InvalidActingFor = 'invalid-acting-for',
}

export const INVITATION_NOT_VALID_MESSAGE =
  'this invitation code is not valid: it may be mistyped, used already, withdrawn or expired; ask for a new invitation';

const CODE: Record<DelegationRefusal['code'], GovernanceErrorCode> = {
  'bad-input': GovernanceErrorCode.BadInput,
  forbidden: GovernanceErrorCode.Forbidden,
};

/** The domain's refusal as the module's one error class; messages are safe to show the caller. */
export function refusalError(refusal: DelegationRefusal): GovernanceError {
  return new GovernanceError(CODE[refusal.code], refusal.reason, refusal.message);
}

export function invitationNotValid(): GovernanceError {
  return new GovernanceError(GovernanceErrorCode.NotFound, CarerDelegationReason.InvitationNotValid, INVITATION_NOT_VALID_MESSAGE);
}

export function delegationNotFound(): GovernanceError {
  return new GovernanceError(
    GovernanceErrorCode.NotFound,
    CarerDelegationReason.DelegationNotFound,
    'you have no carer delegation with that id',
  );
}

export function delegationEnded(status: 'revoked' | 'expired' | 'invitation-expired'): GovernanceError {
  return new GovernanceError(
    GovernanceErrorCode.Conflict,
    CarerDelegationReason.DelegationEnded,
    `that carer delegation has ended already (${status})`,
  );
}

export function notDelegated(): GovernanceError {
  return new GovernanceError(
    GovernanceErrorCode.Forbidden,
    CarerDelegationReason.NotDelegated,
    'you hold no delegation from that person now (X-Acting-For): it may have been revoked or have expired',
  );
}

export function invalidActingFor(): GovernanceError {
  return new GovernanceError(
    GovernanceErrorCode.BadInput,
    CarerDelegationReason.InvalidActingFor,
    'X-Acting-For must be the NHS number (ten digits) of the one person you act for',
  );
}
