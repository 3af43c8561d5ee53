import type { Writable } from 'node:stream';

import { Injectable } from '@nestjs/common';

import { AuditTrail, AUDIT_SEARCH_MAX_LIMIT, type AuditFilter, type AuditSearch } from '../audit/audit-trail.js';
import { auditAgentOf, type AuditDetailValue, type AuditEventInput, type AuditEventRecord } from '../audit/index.js';
import type { Principal } from '../domain/principal.js';
import { accessReviewError, AccessReviewErrorCode } from './access-review.errors.js';
import { AccessReviewRepository } from './access-review.repository.js';
import {
  checkAuditEventId,
  checkPersonId,
  reviewNote,
  reviewRefusal,
  REVIEWABLE_OUTCOMES,
  type AccessReviewRecord,
  type AuditEntry,
  type ExportRequest,
  type ReviewableOutcome,
  type ReviewOutcome,
} from './domain/access-review.js';

export interface AuditEntryPage {
  entries: AuditEntry[];
  /** Pass as `after` for the next (older) page; absent on the last page. */
  next?: string;
}

export interface ReviewQueueRequest {
  /** Both kinds when absent. */
  kind?: ReviewableOutcome;
  reviewed: boolean;
  limit?: number;
  after?: string;
}

export interface ReviewRequest {
  auditEventId: string;
  outcome: ReviewOutcome;
  note?: string | null;
}

/** Who asks and in which request: every privacy officer's look at the trail is itself audited. */
export interface OfficerRequest {
  principal: Principal;
  requestId: string;
}

const DEFAULT_PAGE = 100;

function pageLimit(limit: number | undefined): number {
  const value = limit ?? DEFAULT_PAGE;
  if (!Number.isInteger(value) || value < 1 || value > AUDIT_SEARCH_MAX_LIMIT) {
    throw accessReviewError(AccessReviewErrorCode.BadInput, `first must be a whole number from 1 to ${AUDIT_SEARCH_MAX_LIMIT}`);
  }
  return value;
}

function checkCursor(after: string | undefined): string | undefined {
  if (after !== undefined && !/^\d{1,19}$/.test(after)) {
    throw accessReviewError(AccessReviewErrorCode.BadInput, 'after must be a cursor from an earlier page');
  }
  return after;
}

/** The filter as the audit row of the search records it: ids and codes, never free text. */
function filterDetail(filter: AuditFilter): { [key: string]: AuditDetailValue } {
  const detail: { [key: string]: AuditDetailValue } = {};
  if (filter.subject !== undefined) detail.subject = filter.subject;
  if (filter.organisationCode !== undefined) detail.organisationCode = filter.organisationCode;
  if (filter.outcome !== undefined) detail.outcome = typeof filter.outcome === 'string' ? filter.outcome : [...filter.outcome];
  if (filter.from !== undefined) detail.from = filter.from.toISOString();
  if (filter.to !== undefined) detail.to = filter.to.toISOString();
  return detail;
}

/**
 * Privacy officers at work on the audit trail: searching it, reviewing break-glass and
 * self-declared access, exporting it. Each request is written to the trail before its answer
 * leaves, so an officer's searches can be investigated like anyone else's access.
 */
@Injectable()
export class AuditReviewService {
  constructor(
    private readonly trail: AuditTrail,
    private readonly reviews: AccessReviewRepository,
  ) {}

  async auditEvents(officer: OfficerRequest, filter: AuditFilter, page: { limit?: number; after?: string }): Promise<AuditEntryPage> {
    checkPersonId(filter.personId);
    const search: AuditSearch = { ...filter, limit: pageLimit(page.limit) };
    const after = checkCursor(page.after);
    if (after !== undefined) search.after = after;
    const found = await this.trail.search(search);
    const entries = await this.withReviews(found.events);
    await this.trail.record([
      this.officerEvent(officer, 'auditEvents', {
        personId: filter.personId ?? null,
        nhsNumber: filter.nhsNumber ?? null,
        detail: { ...filterDetail(filter), returned: entries.length },
      }),
    ]);
    return found.next ? { entries, next: found.next } : { entries };
  }

  async accessNeedingReview(officer: OfficerRequest, request: ReviewQueueRequest): Promise<AuditEntryPage> {
    const limit = pageLimit(request.limit);
    const after = checkCursor(request.after);
    const outcomes = request.kind ? [request.kind] : [...REVIEWABLE_OUTCOMES];
    const events = await this.reviews.reviewQueue({ outcomes, reviewed: request.reviewed, limit: limit + 1, ...(after ? { after } : {}) });
    const entries = await this.withReviews(events.slice(0, limit));
    await this.trail.record([
      this.officerEvent(officer, 'accessNeedingReview', {
        detail: { outcome: outcomes, reviewed: request.reviewed, returned: entries.length },
      }),
    ]);
    return events.length > limit ? { entries, next: entries[entries.length - 1]!.event.id } : { entries };
  }

  /** Records a review; the review and its audit row commit together. */
  async reviewAccess(officer: OfficerRequest, request: ReviewRequest): Promise<AccessReviewRecord> {
    const auditEventId = checkAuditEventId(request.auditEventId);
    const note = reviewNote(request.outcome, request.note);
    return this.reviews.transaction(async (manager) => {
      const event = await this.reviews.auditEvent(auditEventId, manager);
      if (!event) throw accessReviewError(AccessReviewErrorCode.NotFound, 'no audit event has that id');
      const refusal = reviewRefusal(event, await this.reviews.reviewOf(auditEventId, manager));
      if (refusal) throw refusal;
      const { principal } = officer;
      const review = await this.reviews.insert(
        {
          auditEventId,
          reviewedBy: { subject: principal.subject, issuer: principal.issuer, name: principal.name ?? null },
          outcome: request.outcome,
          note,
        },
        manager,
      );
      // Two officers at once: the other one's review committed first.
      if (!review) throw accessReviewError(AccessReviewErrorCode.AlreadyReviewed, `audit event ${auditEventId} has been reviewed already`);
      await this.trail.record(
        [
          this.officerEvent(
            officer,
            'reviewAccess',
            { personId: event.personId, nhsNumber: event.nhsNumber, detail: { auditEventId, reviewOutcome: request.outcome } },
            'create',
          ),
        ],
        manager,
      );
      return review;
    });
  }

  /**
   * Writes the matching events as FHIR AuditEvent NDJSON. The export is audited before the first
   * line is written; returns how many events it wrote.
   */
  async exportNdjson(officer: OfficerRequest, request: ExportRequest, writable: Writable): Promise<number> {
    const filter: AuditFilter = { ...request };
    await this.trail.record([
      this.officerEvent(officer, 'auditExport', { personId: request.personId ?? null, detail: filterDetail(filter) }),
    ]);
    return this.trail.exportNdjson(filter, writable);
  }

  private async withReviews(events: AuditEventRecord[]): Promise<AuditEntry[]> {
    const reviews = await this.reviews.reviewsOf(events.map((event) => event.id));
    return events.map((event) => ({ event, review: reviews.get(event.id) ?? null }));
  }

  private officerEvent(
    officer: OfficerRequest,
    queryKind: string,
    entity: Omit<AuditEventInput['entity'], 'queryKind'>,
    action: AuditEventInput['action'] = 'search',
  ): AuditEventInput {
    return {
      requestId: officer.requestId,
      action,
      outcome: 'allowed',
      // HL7 PurposeOfUse HOPERAT: healthcare operations, which covers audit and oversight.
      purpose: 'HOPERAT',
      agent: auditAgentOf(officer.principal),
      entity: { ...entity, queryKind },
    };
  }
}
