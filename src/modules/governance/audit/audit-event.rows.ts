import type { AuditDetailValue, AuditEventRecord } from './domain/audit-event.js';

// How audit_event rows are read: one column list and one mapping for the trail and the verifier,
// so that both hash exactly what was stored.

export const AUDIT_EVENT_COLUMNS = `id, recorded_at, request_id, action, outcome, outcome_reason, purpose, principal_kind, subject,
  issuer, agent_name, role_code, hub_role, organisation_code, on_behalf_of, person_id, nhs_number, sections, sources, query_kind,
  detail, previous_hash, hash`;

/** Each column's type, in AUDIT_EVENT_COLUMNS order: a VALUES list feeding INSERT ... SELECT needs its parameters cast. */
export const AUDIT_EVENT_COLUMN_TYPES = [
  'bigint',
  'timestamptz',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'uuid',
  'text',
  'text[]',
  'text[]',
  'text',
  'jsonb',
  'text',
  'text',
] as const;

export interface AuditEventRow {
  id: string;
  recorded_at: Date;
  request_id: string;
  action: AuditEventRecord['action'];
  outcome: AuditEventRecord['outcome'];
  outcome_reason: string | null;
  purpose: string | null;
  principal_kind: string;
  subject: string;
  issuer: string;
  agent_name: string | null;
  role_code: string | null;
  hub_role: string | null;
  organisation_code: string | null;
  on_behalf_of: string | null;
  person_id: string | null;
  nhs_number: string | null;
  sections: string[];
  sources: string[];
  query_kind: string;
  detail: { [key: string]: AuditDetailValue };
  previous_hash: string;
  hash: string;
}

export function fromAuditEventRow(row: AuditEventRow): AuditEventRecord {
  return {
    id: String(row.id),
    recordedAt: row.recorded_at,
    requestId: row.request_id,
    action: row.action,
    outcome: row.outcome,
    outcomeReason: row.outcome_reason,
    purpose: row.purpose,
    principalKind: row.principal_kind,
    subject: row.subject,
    issuer: row.issuer,
    agentName: row.agent_name,
    roleCode: row.role_code,
    hubRole: row.hub_role,
    organisationCode: row.organisation_code,
    onBehalfOf: row.on_behalf_of,
    personId: row.person_id,
    nhsNumber: row.nhs_number,
    sections: row.sections,
    sources: row.sources,
    queryKind: row.query_kind,
    detail: row.detail,
    previousHash: row.previous_hash,
    hash: row.hash,
  };
}
