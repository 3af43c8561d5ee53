// The audit trail: every access attempt as an append-only, hash-chained, FHIR AuditEvent-shaped
// row; search and NDJSON export for privacy officers; a verifier that locates any change.
export { AuditTrail, AUDIT_SEARCH_MAX_LIMIT, type AuditFilter, type AuditSearch, type AuditPage } from './audit-trail.js';
export { AuditVerifier, type AuditVerification, type VerifyOptions, type VerifyProgress } from './audit-verifier.js';
export { AuditTrailErrorCode } from './audit-trail.errors.js';
export {
  AUDIT_ACTIONS,
  AUDIT_OUTCOMES,
  type AuditAction,
  type AuditOutcome,
  type AuditEventInput,
  type AuditEventRecord,
  type AuditDetailValue,
  auditAgentOf,
} from './domain/audit-event.js';
export { GENESIS_HASH, type ChainBreak, type ChainBreakReason } from './domain/audit-chain.js';
export { toFhirAuditEvent, type R4AuditEvent } from './domain/audit-event-fhir.js';
