// The access policy: one place that decides every section and item for a principal and a person.
export { AccessPolicyService } from './access-policy.service.js';
export {
  AccessDecision,
  decideAccess,
  requireAccessDecision,
  type AccessBasis,
  type AccessContext,
  type AccessOutcome,
  type AccessRequest,
  type DecisionGated,
  type DenialReason,
  type ItemSource,
  type ItemVerdict,
  type PersonConsent,
  type PrincipalSummary,
  type WithholdReason,
} from './access-decision.js';
export {
  AccessPolicyError,
  parseAccessPolicy,
  POLICY_SECTIONS,
  PURPOSES_OF_USE,
  type AccessPolicy,
  type OrganisationKind,
  type PolicySection,
  type PurposeOfUse,
} from './access-policy.js';
export { loadAccessPolicyFile } from './access-policy.loader.js';
export { type RelationshipEvent, type RelationshipKind } from './relationship-evidence.js';
