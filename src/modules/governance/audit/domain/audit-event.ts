// What one audit row says: an access attempt, in the shape of a FHIR AuditEvent (IHE Basic Audit
// Log Patterns). Ids and codes only: never clinical content, never a token.

import type { Principal } from '../../domain/principal.js';

export const AUDIT_ACTIONS = ['read', 'search', 'create', 'update', 'delete', 'execute'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_OUTCOMES = ['allowed', 'denied', 'break-glass', 'self-declared'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** Values allowed in `detail`: JSON with no clinical text (ids, codes, counts, flags). */
export type AuditDetailValue = string | number | boolean | null | AuditDetailValue[] | { [key: string]: AuditDetailValue };

/** One access attempt as the caller describes it; the trail adds position, time and hashes. */
export interface AuditEventInput {
  requestId: string;
  action: AuditAction;
  outcome: AuditOutcome;
  /** A safe code saying why (e.g. 'no-relationship', 'opted-out'); never free text from a user. */
  outcomeReason?: string | null;
  /** HL7 PurposeOfUse: TREAT, ETREAT (break-glass), PATADMIN, HOPERAT, PUBHLTH, ... */
  purpose?: string | null;
  agent: {
    principalKind: string;
    subject: string;
    issuer: string;
    name?: string | null;
    roleCode?: string | null;
    hubRole?: string | null;
    organisationCode?: string | null;
    /** A carer acting for a resident: the resident's NHS number. */
    onBehalfOf?: string | null;
  };
  entity: {
    personId?: string | null;
    nhsNumber?: string | null;
    sections?: readonly string[];
    sources?: readonly string[];
    /** What was asked, e.g. 'person.record', 'searchPeople'. */
    queryKind: string;
    detail?: { [key: string]: AuditDetailValue };
  };
  /** Defaults to the time of writing. */
  recordedAt?: Date;
}

/** A stored audit row: every field the hash covers, plus the hash. */
export interface AuditEventRecord {
  /** The position in the chain (1, 2, 3 ...), as a string: PostgreSQL bigint. */
  id: string;
  recordedAt: Date;
  requestId: string;
  action: AuditAction;
  outcome: AuditOutcome;
  outcomeReason: string | null;
  purpose: string | null;
  principalKind: string;
  subject: string;
  issuer: string;
  agentName: string | null;
  roleCode: string | null;
  hubRole: string | null;
  organisationCode: string | null;
  onBehalfOf: string | null;
  personId: string | null;
  nhsNumber: string | null;
  sections: string[];
  sources: string[];
  queryKind: string;
  detail: { [key: string]: AuditDetailValue };
  previousHash: string;
  hash: string;
}

export type UnhashedAuditEvent = Omit<AuditEventRecord, 'hash'>;

/** The row an input becomes at a given chain position (before hashing). */
export function toUnhashedEvent(input: AuditEventInput, id: string, previousHash: string, now: Date): UnhashedAuditEvent {
  return {
    id,
    // Milliseconds only, so that the time read back from timestamptz hashes the same.
    recordedAt: new Date((input.recordedAt ?? now).getTime()),
    requestId: input.requestId,
    action: input.action,
    outcome: input.outcome,
    outcomeReason: input.outcomeReason ?? null,
    purpose: input.purpose ?? null,
    principalKind: input.agent.principalKind,
    subject: input.agent.subject,
    issuer: input.agent.issuer,
    agentName: input.agent.name ?? null,
    roleCode: input.agent.roleCode ?? null,
    hubRole: input.agent.hubRole ?? null,
    organisationCode: input.agent.organisationCode ?? null,
    onBehalfOf: input.agent.onBehalfOf ?? null,
    personId: input.entity.personId ?? null,
    nhsNumber: input.entity.nhsNumber ?? null,
    sections: [...(input.entity.sections ?? [])],
    sources: [...(input.entity.sources ?? [])],
    queryKind: input.entity.queryKind,
    detail: input.entity.detail ?? {},
    previousHash,
  };
}

/** Who did it, as the audit trail records an agent. */
export function auditAgentOf(principal: Principal): AuditEventInput['agent'] {
  return {
    principalKind: principal.kind,
    subject: principal.subject,
    issuer: principal.issuer,
    name: principal.name ?? null,
    roleCode: principal.roleCodes[0] ?? null,
    hubRole: principal.roles.includes('privacy-officer') ? 'privacy-officer' : (principal.roles[0] ?? null),
    organisationCode: principal.organisation?.code ?? null,
    onBehalfOf: principal.actingFor?.nhsNumber ?? null,
  };
}
