import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import { GovernanceError, GovernanceErrorCode } from '../governance.errors.js';

// A person's view of the audit trail: who looked at their record, when, at what and why, and the
// emergency (break-glass) access that was granted to it. Read straight from audit_event and
// access_grant, which are written before any answer leaves, so a view shows here at once.

/** One access to the person's record, as the person sees it. */
export interface AccessLogEntry {
  /** The audit row's position in the chain: the entry's id and cursor. */
  id: string;
  at: Date;
  action: string;
  /** allowed, denied, break-glass or self-declared. */
  outcome: string;
  /** Why it was refused (a policy code), for a denied attempt. */
  refusedBecause: string | null;
  who: {
    kind: string;
    name: string | null;
    role: string | null;
    roleCode: string | null;
    organisationCode: string | null;
    /** A carer acting for someone: whose NHS number. */
    actingFor: string | null;
  };
  sections: string[];
  /** relationship, self-declared, break-glass, own-record, delegated, service ... */
  basis: string | null;
  /** The care relationship the access rested on, e.g. registered-gp at Y00001. */
  relationship: { kind: string; organisationCode: string | null } | null;
  /** The professional's own words, for break-glass and self-declared access. */
  statedReason: string | null;
}

/** Emergency access granted to someone for the person's record. */
export interface BreakGlassAlert {
  grantId: string;
  at: Date;
  expiresAt: Date;
  endedAt: Date | null;
  who: { name: string | null; role: string; organisationCode: string | null };
  reason: string;
  /** A privacy officer has looked at it. */
  reviewed: boolean;
}

export interface AccessLogQuery {
  /** The person's ids in the identity index, and their NHS number: rows name one or the other. */
  personIds: readonly string[];
  nhsNumber: string | null;
  /** The person's own sign-in: their own views are left out unless includeOwn. */
  self: { subject: string; issuer: string };
  includeOwn?: boolean;
  first?: number;
  /** The cursor of the last entry of the page before. */
  after?: string;
}

export const ACCESS_LOG_PAGE_MAX = 100;
const CURSOR = /^\d{1,19}$/;

interface EntryRow {
  id: string;
  recorded_at: Date;
  action: string;
  outcome: string;
  outcome_reason: string | null;
  principal_kind: string;
  agent_name: string | null;
  hub_role: string | null;
  role_code: string | null;
  organisation_code: string | null;
  on_behalf_of: string | null;
  sections: string[];
  basis: string | null;
  relationship: string | null;
  relationship_organisation: string | null;
  stated_reason: string | null;
}

@Injectable()
export class AccessLog {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Accesses to the person's record, newest first, a page at a time. */
  async entries(query: AccessLogQuery): Promise<{ entries: AccessLogEntry[]; hasMore: boolean }> {
    const first = query.first ?? 20;
    if (!Number.isInteger(first) || first < 1 || first > ACCESS_LOG_PAGE_MAX)
      throw new GovernanceError(
        GovernanceErrorCode.BadInput,
        'invalid-page-size',
        `first must be a whole number from 1 to ${ACCESS_LOG_PAGE_MAX}`,
      );
    if (query.after !== undefined && !CURSOR.test(query.after))
      throw new GovernanceError(GovernanceErrorCode.BadInput, 'invalid-cursor', 'after must be the cursor of an entry of the page before');
    if (!query.personIds.length && !query.nhsNumber) return { entries: [], hasMore: false };
    // The grant a break-glass or self-declared access rested on: the holder's, for this person, open at the time.
    const rows = await this.dataSource.query<EntryRow[]>(
      `SELECT e.id, e.recorded_at, e.action, e.outcome, e.outcome_reason, e.principal_kind, e.agent_name, e.hub_role, e.role_code,
              e.organisation_code, e.on_behalf_of, e.sections, e.detail->>'basis' AS basis, e.detail->>'relationship' AS relationship,
              e.detail->>'relationshipOrganisation' AS relationship_organisation, g.reason AS stated_reason
       FROM audit_event e
       LEFT JOIN LATERAL (
         SELECT reason FROM access_grant g
         WHERE e.outcome IN ('break-glass', 'self-declared') AND g.subject = e.subject AND g.issuer = e.issuer
           AND g.person_id = e.person_id AND g.started_at <= e.recorded_at AND e.recorded_at < g.expires_at
         ORDER BY g.started_at DESC LIMIT 1
       ) g ON true
       WHERE (e.person_id = ANY($1::uuid[]) OR e.nhs_number = $2)
         AND ($3::bigint IS NULL OR e.id < $3::bigint)
         AND ($4 OR NOT (e.subject = $5 AND e.issuer = $6))
       ORDER BY e.id DESC
       LIMIT $7`,
      [query.personIds, query.nhsNumber, query.after ?? null, query.includeOwn ?? false, query.self.subject, query.self.issuer, first + 1],
    );
    return { entries: rows.slice(0, first).map(toEntry), hasMore: rows.length > first };
  }

  /** Emergency access granted for the person's record, newest first: what they are told of. */
  async breakGlassAlerts(personIds: readonly string[], limit = 50): Promise<BreakGlassAlert[]> {
    if (!personIds.length) return [];
    const rows = await this.dataSource.query<
      Array<{
        id: string;
        started_at: Date;
        expires_at: Date;
        ended_at: Date | null;
        name: string | null;
        hub_role: string;
        organisation_code: string | null;
        reason: string;
        reviewed: boolean;
      }>
    >(
      `SELECT g.id, g.started_at, g.expires_at, g.ended_at, g.name, g.hub_role, g.organisation_code, g.reason,
              (a.acknowledged_at IS NOT NULL) AS reviewed
       FROM access_grant g LEFT JOIN privacy_alert a ON a.access_grant_id = g.id
       WHERE g.kind = 'break-glass' AND g.person_id = ANY($1::uuid[])
       ORDER BY g.started_at DESC LIMIT $2`,
      [personIds, limit],
    );
    return rows.map((row) => ({
      grantId: row.id,
      at: row.started_at,
      expiresAt: row.expires_at,
      endedAt: row.ended_at,
      who: { name: row.name, role: row.hub_role, organisationCode: row.organisation_code },
      reason: row.reason,
      reviewed: row.reviewed,
    }));
  }
}

function toEntry(row: EntryRow): AccessLogEntry {
  return {
    id: String(row.id),
    at: row.recorded_at,
    action: row.action,
    outcome: row.outcome,
    refusedBecause: row.outcome === 'denied' ? row.outcome_reason : null,
    who: {
      kind: row.principal_kind,
      name: row.agent_name,
      role: row.hub_role,
      roleCode: row.role_code,
      organisationCode: row.organisation_code,
      actingFor: row.on_behalf_of,
    },
    sections: row.sections,
    basis: row.basis,
    relationship: row.relationship ? { kind: row.relationship, organisationCode: row.relationship_organisation } : null,
    statedReason: row.stated_reason,
  };
}
