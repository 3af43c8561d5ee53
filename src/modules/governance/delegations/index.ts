// Carers acting for a resident: the person invites with a one-time code, the carer accepts with
// their own sign-in and acts with X-Acting-For, seeing only what was delegated (docs/SECURITY.md, "Carers").
export { CarerDelegations, DELEGATION_LIST_LIMIT, type CarerInvitation } from './carer-delegations.service.js';
export { CarerDelegationReason } from './carer-delegation.errors.js';
export {
  CARER_NAME_MAX_LENGTH,
  DELEGATION_MAXIMUM_DAYS,
  INVITATION_VALID_DAYS,
  delegationStatus,
  parseActingFor,
  type ActingFor,
  type CarerDelegationRecord,
  type DelegationStatus,
  type InvitationRequest,
  type RevokedBy,
} from './domain/carer-delegation.js';
