import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

import { AUDIT_EVENT_COLUMNS, fromAuditEventRow, type AuditEventRow } from '../audit/audit-event.rows.js';
import type { AuditEventRecord } from '../audit/index.js';
import type { AccessReviewRecord, ReviewableOutcome, ReviewOutcome } from './domain/access-review.js';

interface AccessReviewRow {
  id: string;
  audit_event_id: string;
  reviewed_by_subject: string;
  reviewed_by_issuer: string;
  reviewed_by_name: string | null;
  outcome: ReviewOutcome;
  note: string | null;
  reviewed_at: Date;
}

const REVIEW_COLUMNS = `id, audit_event_id, reviewed_by_subject, reviewed_by_issuer, reviewed_by_name, outcome, note, reviewed_at`;

function fromReviewRow(row: AccessReviewRow): AccessReviewRecord {
  return {
    id: row.id,
    auditEventId: String(row.audit_event_id),
    reviewedBy: { subject: row.reviewed_by_subject, issuer: row.reviewed_by_issuer, name: row.reviewed_by_name },
    outcome: row.outcome,
    note: row.note,
    reviewedAt: row.reviewed_at,
  };
}

export interface NewAccessReview {
  auditEventId: string;
  reviewedBy: { subject: string; issuer: string; name: string | null };
  outcome: ReviewOutcome;
  note: string | null;
}

export interface ReviewQueueSearch {
  outcomes: readonly ReviewableOutcome[];
  reviewed: boolean;
  limit: number;
  /** Keyset: positions below this one (pages run newest first). */
  after?: string;
}

/** The access_review table, and the audit_event reads that go with it (both owned by governance). */
@Injectable()
export class AccessReviewRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async auditEvent(id: string, manager: EntityManager = this.dataSource.manager): Promise<AuditEventRecord | null> {
    const [row] = await manager.query<AuditEventRow[]>(`SELECT ${AUDIT_EVENT_COLUMNS} FROM audit_event WHERE id = $1`, [id]);
    return row ? fromAuditEventRow(row) : null;
  }

  /** The reviews of these events, by audit event id; one query for a whole page. */
  async reviewsOf(auditEventIds: readonly string[]): Promise<Map<string, AccessReviewRecord>> {
    if (!auditEventIds.length) return new Map();
    const rows = await this.dataSource.query<AccessReviewRow[]>(
      `SELECT ${REVIEW_COLUMNS} FROM access_review WHERE audit_event_id = ANY($1::bigint[])`,
      [auditEventIds],
    );
    return new Map(rows.map((row) => [String(row.audit_event_id), fromReviewRow(row)]));
  }

  async reviewOf(auditEventId: string, manager: EntityManager = this.dataSource.manager): Promise<AccessReviewRecord | null> {
    const [row] = await manager.query<AccessReviewRow[]>(`SELECT ${REVIEW_COLUMNS} FROM access_review WHERE audit_event_id = $1`, [
      auditEventId,
    ]);
    return row ? fromReviewRow(row) : null;
  }

  /** Stores a review; null when the event already has one (the unique key decides a race). */
  async insert(review: NewAccessReview, manager: EntityManager): Promise<AccessReviewRecord | null> {
    const [row] = await manager.query<AccessReviewRow[]>(
      `INSERT INTO access_review (audit_event_id, reviewed_by_subject, reviewed_by_issuer, reviewed_by_name, outcome, note)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (audit_event_id) DO NOTHING
        RETURNING ${REVIEW_COLUMNS}`,
      [review.auditEventId, review.reviewedBy.subject, review.reviewedBy.issuer, review.reviewedBy.name, review.outcome, review.note],
    );
    return row ? fromReviewRow(row) : null;
  }

  /** Break-glass and self-declared events, reviewed or not, newest first, a page at a time. */
  async reviewQueue(search: ReviewQueueSearch): Promise<AuditEventRecord[]> {
    const params: unknown[] = [search.outcomes];
    const conditions = [
      `outcome = ANY($1::text[])`,
      `${search.reviewed ? '' : 'NOT '}EXISTS (SELECT 1 FROM access_review r WHERE r.audit_event_id = audit_event.id)`,
    ];
    if (search.after !== undefined) {
      params.push(search.after);
      conditions.push(`id < $${params.length}`);
    }
    params.push(search.limit);
    const rows = await this.dataSource.query<AuditEventRow[]>(
      `SELECT ${AUDIT_EVENT_COLUMNS} FROM audit_event WHERE ${conditions.join(' AND ')} ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(fromAuditEventRow);
  }
}
