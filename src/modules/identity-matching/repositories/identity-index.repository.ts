import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

import type { LinkMethod, MatchExplanation } from '../domain/match-explanation.js';
import { IdentityEvents, type IdentityChanged } from '../identity-events.js';
import { IdentityMatchingError, IdentityMatchingErrorCode } from '../identity-matching.errors.js';
import {
  isUndoable,
  LINK_CHANGING_KINDS,
  nhsNumbersContradict,
  touchedIdentities,
  type TouchingEvent,
} from '../stewardship/change-rules.js';

export type ReviewReason = 'probable-match' | 'nhs-number-demographics-disagree' | 'cluster-contradiction';
export type ReviewStatus = 'pending' | 'accepted' | 'rejected' | 'superseded';
export type IdentityEventKind =
  'link' | 'unlink' | 'merge' | 'unmerge' | 'review-opened' | 'review-accepted' | 'review-rejected' | 'undo' | 'nhs-number-traced';

export interface LinkIdentityRequest {
  sourceIdentityId: string;
  /** Absent: the identity gets a new person of its own. A merged person's survivor is used. */
  personId?: string;
  method: LinkMethod;
  score: number;
  explanation: MatchExplanation;
  /** 'matcher' for automatic decisions, else the steward. */
  actor: string;
  reason?: string;
}

export interface LinkOutcome {
  personId: string;
  linkId: string;
  /** The 'link' event that made the link (the earlier one when nothing changed). */
  eventId: string;
}

export interface OpenReviewRequest {
  sourceIdentityId: string;
  candidatePersonId: string;
  reason: ReviewReason;
  score: number;
  explanation: MatchExplanation;
  dataQualityAlert: boolean;
  actor?: string;
}

export interface MergeRequest {
  survivorId: string;
  mergedId: string;
  actor: string;
  reason: string;
  explanation?: MatchExplanation;
  /** A steward's override of the different-NHS-numbers refusal; the reason must say why. */
  force?: boolean;
}

export interface MergeOutcome {
  eventId: string;
  survivorId: string;
  mergedId: string;
  movedIdentityIds: string[];
}

export interface UnmergeOutcome {
  eventId: string;
  survivorId: string;
  restoredPersonId: string;
  movedIdentityIds: string[];
}

export interface UnlinkOutcome {
  oldPersonId: string;
  newPersonId: string;
  eventId: string;
  /** The unlinked identity and those left on the old person: what the matcher re-evaluates. */
  touchedIdentityIds: string[];
}

export interface ReviewDecisionOutcome {
  eventId: string;
  personId: string;
  previousPersonId: string | null;
}

export interface UndoOutcome {
  eventId: string;
  undoneKind: string;
  personIds: string[];
  touchedIdentityIds: string[];
}

export interface ActiveLink {
  personId: string;
  method: LinkMethod;
  score: number;
  linkId: string;
}

/** A source identity as a steward compares it: demographics from source_identity, no clinical content. */
export interface IdentitySummary {
  sourceIdentityId: string;
  sourceId: string;
  localId: string;
  nhsNumber: string | null;
  tracedNhsNumber: string | null;
  given: string | null;
  family: string | null;
  birthDate: string | null;
  sex: string | null;
  postcode: string | null;
}

export interface PersonLink extends IdentitySummary {
  linkId: string;
  personId: string;
  method: LinkMethod;
  score: number;
  state: 'active' | 'ended';
  createdAt: Date;
  explanation: MatchExplanation;
}

/** A current source identity of a person: where the hub heard of them, never their clinical content. */
export interface PersonIdentity {
  sourceId: string;
  localId: string;
  /** ODS code of the GP practice this source says the person is registered with, if it says. */
  gpPracticeCode: string | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
}

export interface PersonRecord {
  id: string;
  state: 'active' | 'merged';
  mergedInto: string | null;
  createdAt: Date;
  /** Active links only, oldest first. */
  links: PersonLink[];
  /** Valid NHS numbers held by the active identities (a source's own or a traced one). */
  nhsNumbers: string[];
}

export interface ReviewRecord {
  id: string;
  status: ReviewStatus;
  reason: ReviewReason;
  score: number;
  explanation: MatchExplanation;
  dataQualityAlert: boolean;
  createdAt: Date;
  decidedAt: Date | null;
  decidedBy: string | null;
  decisionNote: string | null;
  candidatePersonId: string;
  identity: IdentitySummary & { personId: string | null };
}

export interface IdentityEventRecord {
  id: string;
  at: Date;
  kind: IdentityEventKind;
  personId: string | null;
  otherPersonId: string | null;
  sourceIdentityId: string | null;
  linkId: string | null;
  reviewId: string | null;
  actor: string;
  reason: string | null;
  detail: EventDetail;
  undoes: string | null;
  undoneBy: string | null;
}

export interface StoredModel<TParameters, TSummary> {
  version: number;
  trainedAt: Date;
  parameters: TParameters;
  summary: TSummary;
}

/** What events keep in `detail`; every field optional, as each kind uses its own. */
export interface EventDetail {
  /** A secondary event (the unlink a relink caused, …) names the event it is part of. */
  partOf?: string;
  method?: LinkMethod;
  score?: number;
  newPerson?: boolean;
  /** The link a 'link' event replaced (ended), or the link an 'unlink' ended. */
  replaced?: LinkSnapshot | null;
  link?: LinkSnapshot;
  newPersonId?: string;
  newLinkId?: string;
  constraintReviewId?: string;
  rejectedReviews?: string[];
  /** Rejected reviews a change recorded as "not the same person" constraints. */
  constraints?: string[];
  /** Pending reviews the change answered, set back to pending if it is undone. */
  superseded?: string[];
  moved?: MovedLink[];
  forced?: boolean;
  explanation?: MatchExplanation;
  note?: string;
  undoneKind?: string;
  ended?: string[];
  restored?: Array<{ linkId: string; personId: string; sourceIdentityId: string }>;
  reopenedReviews?: string[];
  status?: string;
  [key: string]: unknown;
}

interface LinkSnapshot {
  linkId: string;
  personId: string;
  method: LinkMethod;
  score: number;
}

interface MovedLink {
  sourceIdentityId: string;
  from: string;
  to: string;
}

interface LinkRow {
  id: string;
  person_id: string;
  method: LinkMethod;
  score: number;
  explanation: MatchExplanation;
  created_by_event: string | null;
}

interface EventRow {
  id: string;
  at: Date;
  kind: IdentityEventKind;
  person_id: string | null;
  other_person_id: string | null;
  source_identity_id: string | null;
  link_id: string | null;
  review_id: string | null;
  actor: string;
  reason: string | null;
  detail: EventDetail;
  undoes: string | null;
  undone_by: string | null;
}

interface NewEvent {
  id?: string;
  kind: IdentityEventKind;
  personId?: string | null;
  otherPersonId?: string | null;
  sourceIdentityId?: string | null;
  linkId?: string | null;
  reviewId?: string | null;
  actor: string;
  reason?: string | null;
  detail?: EventDetail;
  undoes?: string | null;
}

/** The explanation a steward's own decision carries: no model scored it. */
export function stewardExplanation(note: string): MatchExplanation {
  return { fields: [], priorWeight: 0, totalWeight: 0, probability: 1, modelVersion: 'steward', notes: [note] };
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const eventIdPattern = /^[1-9]\d{0,17}$/;
const MAX_ATTEMPTS = 4;
// Deadlock, serialisation failure and a unique index lost to a concurrent writer: run again.
const RETRYABLE_CODES = new Set(['40P01', '40001', '23505']);

const notFound = (message: string) => new IdentityMatchingError(IdentityMatchingErrorCode.NotFound, message);
const conflict = (message: string) => new IdentityMatchingError(IdentityMatchingErrorCode.Conflict, message);

function requireUuid(id: string, what: string): string {
  if (!uuidPattern.test(id)) throw notFound(`no ${what} with id ${id.slice(0, 64)}`);
  return id.toLowerCase();
}

function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown; driverError?: { code?: unknown } }).driverError?.code ?? (error as { code?: unknown }).code;
  return typeof code === 'string' && RETRYABLE_CODES.has(code);
}

/**
 * Statements on one connection: a write transaction's (with the events it records and what it
 * announces after commit), or the pool's for a plain read.
 */
class IndexSession {
  readonly announcements: IdentityChanged[] = [];

  constructor(readonly manager: EntityManager) {}

  async query<T>(sql: string, parameters: unknown[] = []): Promise<T[]> {
    const runner = this.manager.queryRunner;
    // TypeORM answers a plain UPDATE … RETURNING with [rows, count]; the structured result is always the rows.
    if (runner) return (await runner.query(sql, parameters, true)).records as T[];
    return this.manager.query(sql, parameters);
  }

  async one<T>(sql: string, parameters: unknown[] = []): Promise<T | undefined> {
    const rows = await this.query<T>(sql, parameters);
    return rows[0];
  }

  async nextEventId(): Promise<string> {
    const row = await this.one<{ id: string }>(`SELECT nextval(pg_get_serial_sequence('identity_event', 'id'))::text AS id`);
    return row!.id;
  }

  async recordEvent(event: NewEvent): Promise<string> {
    const id = event.id ?? (await this.nextEventId());
    await this.query(
      `INSERT INTO identity_event (id, kind, person_id, other_person_id, source_identity_id, link_id, review_id, actor, reason, detail, undoes)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        id,
        event.kind,
        event.personId ?? null,
        event.otherPersonId ?? null,
        event.sourceIdentityId ?? null,
        event.linkId ?? null,
        event.reviewId ?? null,
        event.actor,
        event.reason ?? null,
        JSON.stringify(event.detail ?? {}),
        event.undoes ?? null,
      ],
    );
    return id;
  }

  announce(kind: string, eventId: string, personIds: Array<string | null | undefined>): void {
    const ids = [...new Set(personIds.filter((id): id is string => Boolean(id)))];
    this.announcements.push({ kind, eventId, personIds: ids });
  }

  /** Locks a source identity row: every change to one identity's links queues behind this. */
  async lockIdentity(sourceIdentityId: string): Promise<void> {
    const row = await this.one(`SELECT id FROM source_identity WHERE id = $1 FOR UPDATE`, [
      requireUuid(sourceIdentityId, 'source identity'),
    ]);
    if (!row) throw notFound(`no source identity with id ${sourceIdentityId}`);
  }

  async lockIdentities(ids: readonly string[]): Promise<void> {
    if (ids.length) await this.query(`SELECT id FROM source_identity WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [ids]);
  }

  async survivorOf(personId: string): Promise<string> {
    const row = await this.one<{ id: string }>(
      `WITH RECURSIVE chain (id, merged_into, depth) AS (
         SELECT id, merged_into, 0 FROM person WHERE id = $1
         UNION ALL
         SELECT p.id, p.merged_into, c.depth + 1 FROM person p JOIN chain c ON p.id = c.merged_into WHERE c.depth < 1000
       )
       SELECT id FROM chain WHERE merged_into IS NULL`,
      [requireUuid(personId, 'person')],
    );
    if (!row) throw notFound(`no person with id ${personId}`);
    return row.id;
  }

  /**
   * The person that now stands for `personId` (following merges), locked. A merge committing
   * between the lookup and the lock is caught by checking again under the lock.
   */
  async lockSurvivor(personId: string): Promise<string> {
    for (let round = 0; round < 10; round += 1) {
      const survivor = await this.survivorOf(personId);
      const row = await this.one<{ state: string }>(`SELECT state FROM person WHERE id = $1 FOR UPDATE`, [survivor]);
      if (row?.state === 'active') return survivor;
    }
    throw conflict(`person ${personId} is being merged; try again`);
  }

  async activeLink(sourceIdentityId: string): Promise<LinkRow | undefined> {
    return this.one<LinkRow>(
      `SELECT id, person_id, method, score, explanation, created_by_event::text AS created_by_event
       FROM identity_link WHERE source_identity_id = $1 AND state = 'active'`,
      [sourceIdentityId],
    );
  }

  async link(linkId: string): Promise<LinkRow | undefined> {
    return this.one<LinkRow>(
      `SELECT id, person_id, method, score, explanation, created_by_event::text AS created_by_event FROM identity_link WHERE id = $1`,
      [linkId],
    );
  }

  async endLink(linkId: string, eventId: string): Promise<void> {
    await this.query(`UPDATE identity_link SET state = 'ended', ended_at = now(), ended_by_event = $2 WHERE id = $1`, [linkId, eventId]);
  }

  async insertLink(
    sourceIdentityId: string,
    personId: string,
    link: { method: LinkMethod; score: number; explanation: MatchExplanation },
    eventId: string,
  ): Promise<string> {
    const row = await this.one<{ id: string }>(
      `INSERT INTO identity_link (person_id, source_identity_id, method, score, explanation, created_by_event)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [personId, sourceIdentityId, link.method, link.score, JSON.stringify(link.explanation), eventId],
    );
    return row!.id;
  }

  async newPerson(): Promise<string> {
    const row = await this.one<{ id: string }>(`INSERT INTO person DEFAULT VALUES RETURNING id`);
    return row!.id;
  }

  /**
   * Pending reviews that a change answered: those of identities now on `personId` (or of the one
   * identity given) whose candidate is one of `candidates`.
   */
  async supersedeAnsweredReviews(personId: string, candidates: string[], actor: string, sourceIdentityId?: string): Promise<string[]> {
    const rows = await this.query<{ id: string }>(
      `UPDATE match_review r SET status = 'superseded', decided_at = now(), decided_by = $3
       WHERE r.status = 'pending' AND r.candidate_person_id = ANY($2::uuid[]) AND ($4::uuid IS NULL OR r.source_identity_id = $4)
         AND EXISTS (SELECT 1 FROM identity_link l WHERE l.source_identity_id = r.source_identity_id AND l.state = 'active' AND l.person_id = $1)
       RETURNING r.id`,
      [personId, candidates, actor, sourceIdentityId ?? null],
    );
    return rows.map((row) => row.id);
  }

  /** Sets reviews back to pending, unless the same pair has another pending review by now. */
  async reopenReviews(reviewIds: readonly string[], fromStatus: ReviewStatus): Promise<string[]> {
    if (!reviewIds.length) return [];
    const rows = await this.query<{ id: string }>(
      `UPDATE match_review r SET status = 'pending', decided_at = NULL, decided_by = NULL, decision_note = NULL
       WHERE r.id = ANY($1::uuid[]) AND r.status = $2
         AND NOT EXISTS (SELECT 1 FROM match_review o WHERE o.source_identity_id = r.source_identity_id
                         AND o.candidate_person_id = r.candidate_person_id AND o.status = 'pending' AND o.id <> r.id)
       RETURNING r.id`,
      [reviewIds, fromStatus],
    );
    return rows.map((row) => row.id);
  }

  async nhsNumbersOf(personIds: readonly string[]): Promise<Map<string, string[]>> {
    const numbers = new Map<string, string[]>(personIds.map((id) => [id, []]));
    if (!personIds.length) return numbers;
    const rows = await this.query<{ person_id: string; numbers: string[] }>(
      `SELECT l.person_id, array_agg(DISTINCT coalesce(si.nhs_number, si.traced_nhs_number) ORDER BY coalesce(si.nhs_number, si.traced_nhs_number)) AS numbers
       FROM identity_link l JOIN source_identity si ON si.id = l.source_identity_id
       WHERE l.state = 'active' AND l.person_id = ANY($1::uuid[]) AND coalesce(si.nhs_number, si.traced_nhs_number) IS NOT NULL
       GROUP BY l.person_id`,
      [personIds],
    );
    for (const row of rows) numbers.set(row.person_id, row.numbers);
    return numbers;
  }

  /**
   * Records, for every identity now on `personId`, that it is not `otherPersonId`: rejected
   * reviews, which the matcher respects as constraints.
   */
  async recordNotTheSame(personId: string, otherPersonId: string, decision: { actor: string; reason: string }): Promise<string[]> {
    const rows = await this.query<{ id: string }>(
      `INSERT INTO match_review (source_identity_id, candidate_person_id, reason, score, explanation, status, decided_at, decided_by, decision_note)
       SELECT l.source_identity_id, $2, 'probable-match', l.score, l.explanation, 'rejected', now(), $3, $4
       FROM identity_link l WHERE l.person_id = $1 AND l.state = 'active'
       RETURNING id`,
      [personId, otherPersonId, decision.actor, decision.reason],
    );
    return rows.map((row) => row.id);
  }

  async activeLinksOf(personId: string): Promise<Array<LinkRow & { source_identity_id: string }>> {
    return this.query(
      `SELECT id, person_id, source_identity_id, method, score, explanation, created_by_event::text AS created_by_event
       FROM identity_link WHERE person_id = $1 AND state = 'active' ORDER BY source_identity_id`,
      [personId],
    );
  }
}

/**
 * The master person index: persons, links, reviews and their history. Every write is one
 * transaction that records what it did in identity_event (so it can be explained and undone),
 * then announces the persons it changed through IdentityEvents once committed.
 */
@Injectable()
export class IdentityIndexRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: IdentityEvents,
  ) {}

  // ---------------------------------------------------------------- writes

  /**
   * Links an identity to a person (or a new one). Its current link, if any, is ended first; a
   * link that already says the same (same person, same method) is only re-scored.
   */
  async linkIdentity(request: LinkIdentityRequest): Promise<LinkOutcome> {
    return this.write(async (tx) => {
      await tx.lockIdentity(request.sourceIdentityId);
      const personId = request.personId === undefined ? undefined : await tx.lockSurvivor(request.personId);
      const attached = await this.attach(tx, { ...request, personId });
      if (attached.changed) tx.announce('link', attached.eventId, [attached.personId, attached.previous?.person_id]);
      return { personId: attached.personId, linkId: attached.linkId, eventId: attached.eventId };
    });
  }

  /** Opens a review of (identity, candidate person), or refreshes the pending one. */
  async openReview(request: OpenReviewRequest): Promise<{ reviewId: string; created: boolean }> {
    return this.write(async (tx) => {
      await tx.lockIdentity(request.sourceIdentityId);
      const candidate = await tx.survivorOf(request.candidatePersonId);
      const existing = await tx.one<{ id: string }>(
        `UPDATE match_review SET score = $3, explanation = $4, reason = $5, data_quality_alert = $6
         WHERE source_identity_id = $1 AND candidate_person_id = $2 AND status = 'pending' RETURNING id`,
        [request.sourceIdentityId, candidate, request.score, JSON.stringify(request.explanation), request.reason, request.dataQualityAlert],
      );
      if (existing) return { reviewId: existing.id, created: false };
      const review = await tx.one<{ id: string }>(
        `INSERT INTO match_review (source_identity_id, candidate_person_id, reason, score, explanation, data_quality_alert)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [request.sourceIdentityId, candidate, request.reason, request.score, JSON.stringify(request.explanation), request.dataQualityAlert],
      );
      const eventId = await tx.recordEvent({
        kind: 'review-opened',
        personId: candidate,
        sourceIdentityId: request.sourceIdentityId,
        reviewId: review!.id,
        actor: request.actor ?? 'matcher',
        detail: { reason: request.reason, score: request.score, dataQualityAlert: request.dataQualityAlert },
      });
      tx.announce('review-opened', eventId, [candidate]);
      return { reviewId: review!.id, created: true };
    });
  }

  /**
   * Moves every active link of the merged person to the survivor and marks it merged. Refused
   * (CONTRADICTION) when each holds an NHS number the other does not, unless forced.
   */
  async mergePersons(request: MergeRequest): Promise<MergeOutcome> {
    return this.write(async (tx) => {
      const { survivor, merged } = await this.lockPair(tx, request.survivorId, request.mergedId);
      if (!request.force) {
        const numbers = await tx.nhsNumbersOf([survivor, merged]);
        if (nhsNumbersContradict(numbers.get(survivor)!, numbers.get(merged)!))
          throw new IdentityMatchingError(
            IdentityMatchingErrorCode.Contradiction,
            `persons ${survivor} and ${merged} hold different NHS numbers; a steward may merge them with force and a reason`,
          );
      }
      const eventId = await tx.nextEventId();
      const moved = await this.moveLinks(tx, merged, survivor, eventId);
      await tx.query(`UPDATE person SET state = 'merged', merged_into = $2 WHERE id = $1`, [merged, survivor]);
      const superseded = await tx.supersedeAnsweredReviews(survivor, [survivor, merged], request.actor);
      await tx.recordEvent({
        id: eventId,
        kind: 'merge',
        personId: survivor,
        otherPersonId: merged,
        actor: request.actor,
        reason: request.reason,
        detail: { moved, forced: Boolean(request.force), superseded, ...(request.explanation ? { explanation: request.explanation } : {}) },
      });
      tx.announce('merge', eventId, [survivor, merged]);
      return { eventId, survivorId: survivor, mergedId: merged, movedIdentityIds: moved.map((link) => link.sourceIdentityId) };
    });
  }

  /** Restores a merged person and moves back the identities the merge moved that are still on the survivor. */
  async unmerge(request: { mergeEventId: string; actor: string; reason: string }): Promise<UnmergeOutcome> {
    return this.write(async (tx) => {
      const merge = await this.lockEvent(tx, request.mergeEventId);
      if (merge.kind !== 'merge')
        throw new IdentityMatchingError(IdentityMatchingErrorCode.BadInput, `event ${merge.id} is a ${merge.kind}, not a merge`);
      if (merge.undone_by) throw conflict(`merge ${merge.id} was already undone by event ${merge.undone_by}`);
      await tx.lockIdentities(touchedIdentities([toTouching(merge)]));
      const eventId = await tx.nextEventId();
      const restored = await this.restoreMerged(tx, merge, eventId, request);
      await tx.recordEvent({
        id: eventId,
        kind: 'unmerge',
        personId: merge.person_id,
        otherPersonId: merge.other_person_id,
        actor: request.actor,
        reason: request.reason,
        undoes: merge.id,
        detail: { moved: restored.moved, reopenedReviews: restored.reopened, constraints: restored.constraints },
      });
      await tx.query(`UPDATE identity_event SET undone_by = $2 WHERE id = $1`, [merge.id, eventId]);
      tx.announce('unmerge', eventId, [restored.survivor, merge.other_person_id]);
      return {
        eventId,
        survivorId: restored.survivor,
        restoredPersonId: merge.other_person_id!,
        movedIdentityIds: restored.moved.map((link) => link.sourceIdentityId),
      };
    });
  }

  /**
   * A steward says an identity is not its person: the link ends, the identity gets a person of
   * its own, and a rejected review of (identity, old person) keeps the matcher from linking it back.
   */
  async unlink(request: { sourceIdentityId: string; actor: string; reason: string }): Promise<UnlinkOutcome> {
    return this.write(async (tx) => {
      await tx.lockIdentity(request.sourceIdentityId);
      const current = await tx.activeLink(request.sourceIdentityId);
      if (!current) throw conflict(`source identity ${request.sourceIdentityId} is not linked to a person`);
      const [others] = await tx.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM identity_link WHERE person_id = $1 AND state = 'active' AND source_identity_id <> $2`,
        [current.person_id, request.sourceIdentityId],
      );
      if (!others!.count)
        throw conflict(
          `source identity ${request.sourceIdentityId} is the only identity of its person; there is nothing to unlink it from`,
        );

      const eventId = await tx.nextEventId();
      await tx.endLink(current.id, eventId);
      const rejected = await tx.query<{ id: string }>(
        `UPDATE match_review SET status = 'rejected', decided_at = now(), decided_by = $3, decision_note = $4
         WHERE source_identity_id = $1 AND candidate_person_id = $2 AND status = 'pending' RETURNING id`,
        [request.sourceIdentityId, current.person_id, request.actor, request.reason],
      );
      const constraint = await tx.one<{ id: string }>(
        `INSERT INTO match_review (source_identity_id, candidate_person_id, reason, score, explanation, status, decided_at, decided_by, decision_note)
         VALUES ($1, $2, 'probable-match', $3, $4, 'rejected', now(), $5, $6) RETURNING id`,
        [request.sourceIdentityId, current.person_id, current.score, JSON.stringify(current.explanation), request.actor, request.reason],
      );
      const newPersonId = await tx.newPerson();
      const linkEventId = await tx.nextEventId();
      const newLinkId = await tx.insertLink(
        request.sourceIdentityId,
        newPersonId,
        { method: 'manual', score: 1, explanation: stewardExplanation('unlinked-by-steward') },
        linkEventId,
      );
      await tx.recordEvent({
        id: eventId,
        kind: 'unlink',
        personId: current.person_id,
        otherPersonId: newPersonId,
        sourceIdentityId: request.sourceIdentityId,
        linkId: current.id,
        actor: request.actor,
        reason: request.reason,
        detail: {
          link: snapshot(current),
          newPersonId,
          newLinkId,
          constraintReviewId: constraint!.id,
          rejectedReviews: rejected.map((row) => row.id),
        },
      });
      await tx.recordEvent({
        id: linkEventId,
        kind: 'link',
        personId: newPersonId,
        otherPersonId: current.person_id,
        sourceIdentityId: request.sourceIdentityId,
        linkId: newLinkId,
        actor: request.actor,
        reason: request.reason,
        detail: { partOf: eventId, method: 'manual', score: 1, newPerson: true, replaced: snapshot(current) },
      });
      const remaining = await tx.activeLinksOf(current.person_id);
      tx.announce('unlink', eventId, [current.person_id, newPersonId]);
      return {
        oldPersonId: current.person_id,
        newPersonId,
        eventId,
        touchedIdentityIds: [request.sourceIdentityId, ...remaining.map((link) => link.source_identity_id)],
      };
    });
  }

  /** Links the review's identity to its candidate (method manual, the review's explanation and score). */
  async acceptReview(request: { reviewId: string; actor: string; note?: string }): Promise<ReviewDecisionOutcome> {
    return this.write(async (tx) => {
      const review = await this.lockPendingReview(tx, request.reviewId);
      await tx.lockIdentity(review.source_identity_id);
      const candidate = await tx.lockSurvivor(review.candidate_person_id);
      await tx.query(`UPDATE match_review SET status = 'accepted', decided_at = now(), decided_by = $2, decision_note = $3 WHERE id = $1`, [
        review.id,
        request.actor,
        request.note ?? null,
      ]);
      const eventId = await tx.nextEventId();
      const previous = await tx.activeLink(review.source_identity_id);
      const attached = await this.attach(tx, {
        sourceIdentityId: review.source_identity_id,
        personId: candidate,
        method: 'manual',
        score: review.score,
        explanation: review.explanation,
        actor: request.actor,
        reason: request.note,
        partOf: eventId,
      });
      await tx.recordEvent({
        id: eventId,
        kind: 'review-accepted',
        personId: candidate,
        otherPersonId: previous && previous.person_id !== candidate ? previous.person_id : null,
        sourceIdentityId: review.source_identity_id,
        reviewId: review.id,
        linkId: attached.linkId,
        actor: request.actor,
        reason: request.note,
        detail: { note: request.note, linkEventId: attached.changed ? attached.eventId : null },
      });
      tx.announce('review-accepted', eventId, [candidate, previous?.person_id]);
      return { eventId, personId: candidate, previousPersonId: previous?.person_id ?? null };
    });
  }

  /** Records that the identity is not the candidate person: a constraint the matcher respects. */
  async rejectReview(request: { reviewId: string; actor: string; note?: string }): Promise<ReviewDecisionOutcome> {
    return this.write(async (tx) => {
      const review = await this.lockPendingReview(tx, request.reviewId);
      await tx.query(`UPDATE match_review SET status = 'rejected', decided_at = now(), decided_by = $2, decision_note = $3 WHERE id = $1`, [
        review.id,
        request.actor,
        request.note ?? null,
      ]);
      const current = await tx.activeLink(review.source_identity_id);
      const eventId = await tx.recordEvent({
        kind: 'review-rejected',
        personId: review.candidate_person_id,
        sourceIdentityId: review.source_identity_id,
        reviewId: review.id,
        actor: request.actor,
        reason: request.note,
        detail: { note: request.note },
      });
      tx.announce('review-rejected', eventId, [review.candidate_person_id, current?.person_id]);
      return { eventId, personId: review.candidate_person_id, previousPersonId: current?.person_id ?? null };
    });
  }

  /**
   * Undoes one change. Refused when it was undone already, is part of a larger change (undo
   * that one), or a later change to the same identities is still in effect.
   */
  async undo(request: { eventId: string; actor: string; reason: string }): Promise<UndoOutcome> {
    return this.write(async (tx) => {
      const target = await this.lockEvent(tx, request.eventId);
      if (!isUndoable(target.kind))
        throw new IdentityMatchingError(
          IdentityMatchingErrorCode.BadInput,
          target.kind === 'review-opened'
            ? `event ${target.id} opened a review, which cannot be undone; reject the review instead`
            : `event ${target.id} is a ${target.kind}, which cannot be undone`,
        );
      if (target.detail.partOf) throw conflict(`event ${target.id} is part of event ${target.detail.partOf}; undo that one instead`);
      if (target.undone_by) throw conflict(`event ${target.id} was already undone by event ${target.undone_by}`);
      const parts = await tx.query<EventRow>(`${EVENT_SELECT} WHERE detail->>'partOf' = $1 ORDER BY id`, [target.id]);
      const touched = touchedIdentities([target, ...parts].map(toTouching));
      if (target.kind === 'unmerge' && target.other_person_id) {
        // Merging again moves whatever the restored person holds now, not only what the unmerge moved back.
        const links = await tx.activeLinksOf(target.other_person_id);
        touched.push(...links.map((link) => link.source_identity_id));
      }
      await tx.lockIdentities([...new Set(touched)].sort());
      if ((LINK_CHANGING_KINDS as readonly string[]).includes(target.kind)) await this.refuseIfSuperseded(tx, target, touched);

      const undoId = await tx.nextEventId();
      const change = await this.reverse(tx, target, parts, undoId, request);
      await tx.recordEvent({
        id: undoId,
        kind: 'undo',
        personId: target.person_id,
        otherPersonId: target.other_person_id,
        sourceIdentityId: target.source_identity_id,
        linkId: target.link_id,
        reviewId: target.review_id,
        actor: request.actor,
        reason: request.reason,
        undoes: target.id,
        detail: { undoneKind: target.kind, ...change.detail },
      });
      await tx.query(`UPDATE identity_event SET undone_by = $2 WHERE id = $1 OR detail->>'partOf' = $1::text`, [target.id, undoId]);
      // Merging again after an unmerge puts the original merge back in effect: it can be undone again.
      if (target.kind === 'unmerge' && target.undoes)
        await tx.query(`UPDATE identity_event SET undone_by = NULL WHERE id = $1`, [target.undoes]);
      tx.announce('undo', undoId, change.personIds);
      return { eventId: undoId, undoneKind: target.kind, personIds: dedupe(change.personIds), touchedIdentityIds: dedupe(touched) };
    });
  }

  /**
   * Records the outcome of a PDS trace for an identity without an NHS number: a confident trace
   * supplies a verified number (used for matching and merges as if the source had given it).
   */
  async recordTrace(request: {
    sourceIdentityId: string;
    status: string;
    nhsNumber?: string;
    actor?: string;
  }): Promise<{ eventId: string }> {
    return this.write(async (tx) => {
      await tx.lockIdentity(request.sourceIdentityId);
      await tx.query(`UPDATE source_identity SET traced_nhs_number = $2, trace_status = $3, traced_at = now() WHERE id = $1`, [
        request.sourceIdentityId,
        request.nhsNumber ?? null,
        request.status,
      ]);
      const current = await tx.activeLink(request.sourceIdentityId);
      const eventId = await tx.recordEvent({
        kind: 'nhs-number-traced',
        personId: current?.person_id,
        sourceIdentityId: request.sourceIdentityId,
        actor: request.actor ?? 'matcher',
        detail: { status: request.status, traced: Boolean(request.nhsNumber) },
      });
      tx.announce('nhs-number-traced', eventId, [current?.person_id]);
      return { eventId };
    });
  }

  async saveModel(parameters: unknown, summary: unknown): Promise<number> {
    const [row] = await this.dataSource.query<Array<{ version: number }>>(
      `INSERT INTO match_model (parameters, summary) VALUES ($1, $2) RETURNING version`,
      [JSON.stringify(parameters), JSON.stringify(summary)],
    );
    return row!.version;
  }

  // ---------------------------------------------------------------- reads for the matcher

  async activeLink(sourceIdentityId: string): Promise<ActiveLink | null> {
    if (!uuidPattern.test(sourceIdentityId)) return null;
    const [row] = await this.dataSource.query<Array<{ person_id: string; method: LinkMethod; score: number; id: string }>>(
      `SELECT id, person_id, method, score FROM identity_link WHERE source_identity_id = $1 AND state = 'active'`,
      [sourceIdentityId],
    );
    return row ? { personId: row.person_id, method: row.method, score: row.score, linkId: row.id } : null;
  }

  /** Persons a steward said the identity is not, and the persons those have since been merged into. */
  async rejectedPersons(sourceIdentityId: string): Promise<string[]> {
    if (!uuidPattern.test(sourceIdentityId)) return [];
    const rows = await this.dataSource.query<Array<{ id: string }>>(
      `WITH RECURSIVE rejected (id, depth) AS (
         SELECT DISTINCT candidate_person_id, 0 FROM match_review WHERE source_identity_id = $1 AND status = 'rejected'
         UNION
         SELECT p.merged_into, r.depth + 1 FROM rejected r JOIN person p ON p.id = r.id WHERE p.merged_into IS NOT NULL AND r.depth < 1000
       )
       SELECT DISTINCT id FROM rejected ORDER BY id`,
      [sourceIdentityId],
    );
    return rows.map((row) => row.id);
  }

  /** Valid NHS numbers held by each person's active identities (incl. traced); every id requested is a key. */
  async personNhsNumbers(personIds: string[]): Promise<Map<string, string[]>> {
    return new IndexSession(this.dataSource.manager).nhsNumbersOf(personIds.filter((id) => uuidPattern.test(id)));
  }

  /** The person that stands for `personId` now, following merges. */
  async survivorOf(personId: string): Promise<string> {
    return new IndexSession(this.dataSource.manager).survivorOf(personId);
  }

  async latestModel<TParameters = unknown, TSummary = unknown>(): Promise<StoredModel<TParameters, TSummary> | null> {
    const [row] = await this.dataSource.query<Array<{ version: number; trained_at: Date; parameters: TParameters; summary: TSummary }>>(
      `SELECT version, trained_at, parameters, summary FROM match_model ORDER BY version DESC LIMIT 1`,
    );
    return row ? { version: row.version, trainedAt: row.trained_at, parameters: row.parameters, summary: row.summary } : null;
  }

  // ---------------------------------------------------------------- reads for stewards

  async persons(personIds: readonly string[]): Promise<PersonRecord[]> {
    const ids = [...new Set(personIds.filter((id) => uuidPattern.test(id)))];
    if (!ids.length) return [];
    const people = await this.dataSource.query<
      Array<{ id: string; state: 'active' | 'merged'; merged_into: string | null; created_at: Date }>
    >(`SELECT id, state, merged_into, created_at FROM person WHERE id = ANY($1::uuid[])`, [ids]);
    const links = await this.dataSource.query<Array<LinkQueryRow>>(
      `SELECT ${LINK_COLUMNS} FROM identity_link l JOIN source_identity si ON si.id = l.source_identity_id
       WHERE l.person_id = ANY($1::uuid[]) AND l.state = 'active' ORDER BY l.created_at, l.id`,
      [ids],
    );
    const byPerson = new Map<string, PersonLink[]>();
    for (const row of links) {
      const list = byPerson.get(row.person_id) ?? [];
      list.push(toPersonLink(row));
      byPerson.set(row.person_id, list);
    }
    const found = new Map(
      people.map((person) => {
        const personLinks = byPerson.get(person.id) ?? [];
        const numbers = [
          ...new Set(personLinks.map((link) => link.nhsNumber ?? link.tracedNhsNumber).filter((n): n is string => Boolean(n))),
        ].sort();
        const record: PersonRecord = {
          id: person.id,
          state: person.state,
          mergedInto: person.merged_into,
          createdAt: person.created_at,
          links: personLinks,
          nhsNumbers: numbers,
        };
        return [person.id, record];
      }),
    );
    return ids.map((id) => found.get(id)).filter((person): person is PersonRecord => Boolean(person));
  }

  async person(personId: string): Promise<PersonRecord | null> {
    const [person] = await this.persons([personId]);
    return person ?? null;
  }

  /**
   * The person's current source identities as other modules need them to find evidence of care:
   * which source holds them under which local id, the GP practice the source names, and when the
   * hub first and last heard of them. `personId` must be a survivor (see survivorOf).
   */
  async activeIdentities(personId: string): Promise<PersonIdentity[]> {
    if (!uuidPattern.test(personId)) return [];
    const rows = await this.dataSource.query<
      Array<{ source_id: string; local_id: string; gp_practice_code: string | null; first_seen_at: Date; last_seen_at: Date }>
    >(
      `SELECT si.source_id, si.local_id, si.demographics->>'gpPracticeCode' AS gp_practice_code, si.first_seen_at, si.last_seen_at
       FROM identity_link l JOIN source_identity si ON si.id = l.source_identity_id
       WHERE l.person_id = $1 AND l.state = 'active' ORDER BY si.first_seen_at, si.id`,
      [personId],
    );
    return rows.map((row) => ({
      sourceId: row.source_id,
      localId: row.local_id,
      gpPracticeCode: row.gp_practice_code,
      firstSeenAt: row.first_seen_at,
      lastSeenAt: row.last_seen_at,
    }));
  }

  /** A source's record by its own id, and the person it is linked to now (null if none). */
  async identityByLocalId(sourceId: string, localId: string): Promise<{ sourceIdentityId: string; personId: string | null } | null> {
    if (!uuidPattern.test(sourceId)) return null;
    const [row] = await this.dataSource.query<Array<{ id: string; person_id: string | null }>>(
      `SELECT si.id, l.person_id FROM source_identity si
       LEFT JOIN identity_link l ON l.source_identity_id = si.id AND l.state = 'active'
       WHERE si.source_id = $1 AND si.local_id = $2`,
      [sourceId, localId],
    );
    return row ? { sourceIdentityId: row.id, personId: row.person_id } : null;
  }

  /** Reviews by status: pending ones oldest first (the queue), decided ones newest decision first. */
  async reviews(status: ReviewStatus, limit: number): Promise<ReviewRecord[]> {
    const order = status === 'pending' ? 'r.created_at, r.id' : 'r.decided_at DESC NULLS LAST, r.id';
    const rows = await this.dataSource.query<Array<ReviewQueryRow>>(`${REVIEW_SELECT} WHERE r.status = $1 ORDER BY ${order} LIMIT $2`, [
      status,
      limit,
    ]);
    return rows.map(toReviewRecord);
  }

  async review(reviewId: string): Promise<ReviewRecord | null> {
    if (!uuidPattern.test(reviewId)) return null;
    const [row] = await this.dataSource.query<Array<ReviewQueryRow>>(`${REVIEW_SELECT} WHERE r.id = $1`, [reviewId]);
    return row ? toReviewRecord(row) : null;
  }

  /** A person's history: events naming it on either side, newest first. */
  async history(personId: string, limit: number): Promise<IdentityEventRecord[]> {
    if (!uuidPattern.test(personId)) return [];
    const rows = await this.dataSource.query<EventRow[]>(
      `${EVENT_SELECT} WHERE person_id = $1 OR other_person_id = $1 ORDER BY id DESC LIMIT $2`,
      [personId, limit],
    );
    return rows.map(toEventRecord);
  }

  async event(eventId: string): Promise<IdentityEventRecord | null> {
    if (!eventIdPattern.test(eventId)) return null;
    const [row] = await this.dataSource.query<EventRow[]>(`${EVENT_SELECT} WHERE id = $1`, [eventId]);
    return row ? toEventRecord(row) : null;
  }

  // ---------------------------------------------------------------- the parts writes share

  private async write<T>(work: (tx: IndexSession) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      let tx: IndexSession | undefined;
      try {
        const result = await this.dataSource.transaction(async (manager) => {
          tx = new IndexSession(manager);
          return work(tx);
        });
        for (const change of tx!.announcements) await this.events.publish(change);
        return result;
      } catch (error) {
        if (attempt < MAX_ATTEMPTS && isRetryable(error)) continue;
        throw error;
      }
    }
  }

  /**
   * Puts an identity (locked by the caller) on a person (locked, or undefined for a new one),
   * recording a 'link' event and, when it ends the current link, an 'unlink' event.
   */
  private async attach(
    tx: IndexSession,
    request: Omit<LinkIdentityRequest, 'personId'> & { personId: string | undefined; partOf?: string },
  ): Promise<{ personId: string; linkId: string; eventId: string; changed: boolean; previous: LinkRow | undefined }> {
    const previous = await tx.activeLink(request.sourceIdentityId);
    if (previous && request.personId === previous.person_id && request.method === previous.method) {
      await tx.query(`UPDATE identity_link SET score = $2, explanation = $3 WHERE id = $1`, [
        previous.id,
        request.score,
        JSON.stringify(request.explanation),
      ]);
      return { personId: previous.person_id, linkId: previous.id, eventId: previous.created_by_event ?? '', changed: false, previous };
    }
    const personId = request.personId ?? (await tx.newPerson());
    const unlinkEventId = previous ? await tx.nextEventId() : undefined;
    const linkEventId = await tx.nextEventId();
    if (previous) await tx.endLink(previous.id, unlinkEventId!);
    const linkId = await tx.insertLink(request.sourceIdentityId, personId, request, linkEventId);
    const superseded = await tx.supersedeAnsweredReviews(personId, [personId], request.actor, request.sourceIdentityId);
    if (previous) {
      await tx.recordEvent({
        id: unlinkEventId,
        kind: 'unlink',
        personId: previous.person_id,
        otherPersonId: personId,
        sourceIdentityId: request.sourceIdentityId,
        linkId: previous.id,
        actor: request.actor,
        reason: request.reason,
        detail: { partOf: request.partOf ?? linkEventId, link: snapshot(previous) },
      });
    }
    await tx.recordEvent({
      id: linkEventId,
      kind: 'link',
      personId,
      otherPersonId: previous?.person_id,
      sourceIdentityId: request.sourceIdentityId,
      linkId,
      actor: request.actor,
      reason: request.reason,
      detail: {
        ...(request.partOf ? { partOf: request.partOf } : {}),
        method: request.method,
        score: request.score,
        newPerson: request.personId === undefined,
        replaced: previous ? snapshot(previous) : null,
        superseded,
      },
    });
    return { personId, linkId, eventId: linkEventId, changed: true, previous };
  }

  /** Both persons resolved to their survivors and locked, with the identities of the merged one. */
  private async lockPair(tx: IndexSession, survivorId: string, mergedId: string): Promise<{ survivor: string; merged: string }> {
    for (let round = 0; round < 10; round += 1) {
      const survivor = await tx.survivorOf(survivorId);
      const merged = await tx.survivorOf(mergedId);
      if (survivor === merged) throw conflict(`persons ${survivorId} and ${mergedId} are already the same person (${survivor})`);
      // Identities before persons, each in id order: the order every change takes its locks in.
      await tx.lockIdentities((await tx.activeLinksOf(merged)).map((link) => link.source_identity_id));
      const states = await tx.query<{ id: string; state: string }>(
        `SELECT id, state FROM person WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
        [[survivor, merged]],
      );
      if (states.length === 2 && states.every((row) => row.state === 'active')) {
        // A link made to the merged person between the first look and the lock is moved too.
        await tx.lockIdentities((await tx.activeLinksOf(merged)).map((link) => link.source_identity_id));
        return { survivor, merged };
      }
    }
    throw conflict(`persons ${survivorId} and ${mergedId} are being merged elsewhere; try again`);
  }

  private async moveLinks(tx: IndexSession, from: string, to: string, eventId: string): Promise<MovedLink[]> {
    const moved: MovedLink[] = [];
    for (const link of await tx.activeLinksOf(from)) {
      await tx.endLink(link.id, eventId);
      const newLink = await tx.insertLink(link.source_identity_id, to, link, eventId);
      moved.push({ sourceIdentityId: link.source_identity_id, from: link.id, to: newLink });
    }
    return moved;
  }

  /** Makes a merged person active again with the identities the merge took that are still on its survivor. */
  private async restoreMerged(
    tx: IndexSession,
    merge: EventRow,
    eventId: string,
    decision: { actor: string; reason: string },
  ): Promise<{ survivor: string; moved: MovedLink[]; reopened: string[]; constraints: string[] }> {
    const restoredId = merge.other_person_id!;
    const survivor = await tx.lockSurvivor(merge.person_id!);
    const restored = await tx.one<{ state: string }>(`SELECT state FROM person WHERE id = $1 FOR UPDATE`, [restoredId]);
    if (restored?.state !== 'merged') throw conflict(`person ${restoredId} is not merged any more`);
    const moved: MovedLink[] = [];
    for (const link of merge.detail.moved ?? []) {
      const current = await tx.activeLink(link.sourceIdentityId);
      if (!current || (current.person_id !== merge.person_id && current.person_id !== survivor)) continue;
      await tx.endLink(current.id, eventId);
      const back = await tx.insertLink(link.sourceIdentityId, restoredId, current, eventId);
      moved.push({ sourceIdentityId: link.sourceIdentityId, from: current.id, to: back });
    }
    await tx.query(`UPDATE person SET state = 'active', merged_into = NULL WHERE id = $1`, [restoredId]);
    const reopened = await tx.reopenReviews(merge.detail.superseded ?? [], 'superseded');
    // "Two people after all": without these the matcher, re-evaluating the records moved back,
    // would join the two persons again.
    const constraints = [
      ...(await tx.recordNotTheSame(restoredId, survivor, decision)),
      ...(await tx.recordNotTheSame(survivor, restoredId, decision)),
    ];
    return { survivor, moved, reopened, constraints };
  }

  private async refuseIfSuperseded(tx: IndexSession, target: EventRow, identities: readonly string[]): Promise<void> {
    if (!identities.length) return;
    // Two index-served halves: events naming one of the identities, and the (few) merges since.
    const later = await tx.one<{ id: string; kind: string; part_of: string | null }>(
      `SELECT id::text AS id, kind, detail->>'partOf' AS part_of FROM (
         SELECT f.id, f.kind, f.detail, f.undone_by FROM identity_event f WHERE f.source_identity_id = ANY($2::uuid[]) AND f.id > $1
         UNION ALL
         SELECT f.id, f.kind, f.detail, f.undone_by FROM identity_event f
         WHERE f.detail ? 'moved' AND f.id > $1
           AND EXISTS (SELECT 1 FROM jsonb_array_elements(f.detail->'moved') m WHERE (m->>'sourceIdentityId')::uuid = ANY($2::uuid[]))
       ) f
       WHERE f.undone_by IS NULL AND f.kind = ANY($3::text[]) AND (f.detail->>'partOf') IS DISTINCT FROM $1::text
       ORDER BY f.id LIMIT 1`,
      [target.id, identities, LINK_CHANGING_KINDS],
    );
    if (!later) return;
    // A step of a larger change is named by that change, which is what a steward can undo.
    const primary = later.part_of
      ? await tx.one<{ id: string; kind: string }>(`SELECT id::text AS id, kind FROM identity_event WHERE id = $1`, [later.part_of])
      : later;
    throw conflict(
      `event ${target.id} is superseded by a later ${primary!.kind} (event ${primary!.id}) on the same identity; undo that first`,
    );
  }

  /** Does the opposite of one event; returns what it changed for the undo event's detail. */
  private async reverse(
    tx: IndexSession,
    target: EventRow,
    parts: EventRow[],
    undoId: string,
    decision: { actor: string; reason: string },
  ): Promise<{ detail: EventDetail; personIds: string[] }> {
    const { actor } = decision;
    switch (target.kind) {
      case 'link':
        return this.reverseLink(tx, target, undoId);
      case 'unlink': {
        const link = parts.find((part) => part.kind === 'link');
        const reversed = link ? await this.reverseLink(tx, link, undoId) : { detail: {}, personIds: [] };
        // The "not the same person" constraint the unlink recorded goes with it.
        const constraints = [target.detail.constraintReviewId, ...(target.detail.rejectedReviews ?? [])].filter((id): id is string =>
          Boolean(id),
        );
        if (constraints.length)
          await tx.query(`UPDATE match_review SET status = 'superseded', decided_at = now(), decided_by = $2 WHERE id = ANY($1::uuid[])`, [
            constraints,
            actor,
          ]);
        return {
          detail: { ...reversed.detail, supersededConstraints: constraints },
          personIds: [...reversed.personIds, target.person_id!],
        };
      }
      case 'merge': {
        const restored = await this.restoreMerged(tx, target, undoId, decision);
        return {
          detail: { moved: restored.moved, reopenedReviews: restored.reopened, constraints: restored.constraints },
          personIds: [restored.survivor, target.other_person_id!],
        };
      }
      case 'unmerge': {
        const restoredId = target.other_person_id!;
        const restored = await tx.one<{ state: string }>(`SELECT state FROM person WHERE id = $1`, [restoredId]);
        if (restored?.state !== 'active') throw conflict(`person ${restoredId} has been merged again since event ${target.id}`);
        const { survivor, merged } = await this.lockPair(tx, target.person_id!, restoredId);
        const moved = await this.moveLinks(tx, merged, survivor, undoId);
        await tx.query(`UPDATE person SET state = 'merged', merged_into = $2 WHERE id = $1`, [merged, survivor]);
        // The "two people" constraints the unmerge recorded go with it.
        const lifted = target.detail.constraints ?? [];
        if (lifted.length)
          await tx.query(
            `UPDATE match_review SET status = 'superseded', decided_at = now(), decided_by = $2 WHERE id = ANY($1::uuid[]) AND status = 'rejected'`,
            [lifted, actor],
          );
        return { detail: { moved, supersededConstraints: lifted }, personIds: [survivor, merged] };
      }
      case 'review-accepted': {
        const link = parts.find((part) => part.kind === 'link');
        const reversed = link ? await this.reverseLink(tx, link, undoId) : { detail: {}, personIds: [] };
        const reopened = await tx.reopenReviews([target.review_id!], 'accepted');
        if (!reopened.length)
          throw conflict(`review ${target.review_id} cannot be pending again: another review of the same pair is pending`);
        return { detail: { ...reversed.detail, reopenedReviews: reopened }, personIds: [...reversed.personIds, target.person_id!] };
      }
      case 'review-rejected': {
        const reopened = await tx.reopenReviews([target.review_id!], 'rejected');
        if (!reopened.length)
          throw conflict(`review ${target.review_id} cannot be pending again: it changed, or another review of the same pair is pending`);
        return { detail: { reopenedReviews: reopened }, personIds: [target.person_id!] };
      }
      default:
        throw new IdentityMatchingError(
          IdentityMatchingErrorCode.BadInput,
          `event ${target.id} is a ${target.kind}, which cannot be undone`,
        );
    }
  }

  /** Ends the link a 'link' event made and restores the link it replaced, if any. */
  private async reverseLink(tx: IndexSession, linkEvent: EventRow, undoId: string): Promise<{ detail: EventDetail; personIds: string[] }> {
    const identity = linkEvent.source_identity_id!;
    const current = await tx.activeLink(identity);
    if (!current || current.person_id !== linkEvent.person_id)
      throw conflict(`source identity ${identity} is no longer linked as event ${linkEvent.id} left it`);
    await tx.endLink(current.id, undoId);
    const personIds = [current.person_id];
    const restored: Array<{ linkId: string; personId: string; sourceIdentityId: string }> = [];
    const replaced = linkEvent.detail.replaced;
    if (replaced) {
      const original = await tx.link(replaced.linkId);
      const personId = await tx.lockSurvivor(replaced.personId);
      const linkId = await tx.insertLink(identity, personId, original!, undoId);
      restored.push({ linkId, personId, sourceIdentityId: identity });
      personIds.push(personId);
    }
    const reopened = await tx.reopenReviews(linkEvent.detail.superseded ?? [], 'superseded');
    return { detail: { ended: [current.id], restored, reopenedReviews: reopened }, personIds };
  }

  private async lockEvent(tx: IndexSession, eventId: string): Promise<EventRow> {
    const row = eventIdPattern.test(eventId) ? await tx.one<EventRow>(`${EVENT_SELECT} WHERE id = $1 FOR UPDATE`, [eventId]) : undefined;
    if (!row) throw notFound(`no identity event with id ${eventId.slice(0, 32)}`);
    return row;
  }

  private async lockPendingReview(
    tx: IndexSession,
    reviewId: string,
  ): Promise<{ id: string; source_identity_id: string; candidate_person_id: string; score: number; explanation: MatchExplanation }> {
    const review = await tx.one<{
      id: string;
      status: ReviewStatus;
      source_identity_id: string;
      candidate_person_id: string;
      score: number;
      explanation: MatchExplanation;
    }>(`SELECT id, status, source_identity_id, candidate_person_id, score, explanation FROM match_review WHERE id = $1 FOR UPDATE`, [
      requireUuid(reviewId, 'match review'),
    ]);
    if (!review) throw notFound(`no match review with id ${reviewId}`);
    if (review.status !== 'pending') throw conflict(`match review ${reviewId} is ${review.status}, not pending`);
    return review;
  }
}

// ---------------------------------------------------------------- row mapping

const EVENT_SELECT = `SELECT id::text AS id, at, kind, person_id, other_person_id, source_identity_id, link_id, review_id, actor, reason, detail,
  undoes::text AS undoes, undone_by::text AS undone_by FROM identity_event`;

const IDENTITY_COLUMNS = `si.id AS source_identity_id, si.source_id, si.local_id, si.nhs_number, si.traced_nhs_number, si.given, si.family,
  to_char(si.birth_date, 'YYYY-MM-DD') AS birth_date, si.gender, si.postcode`;

const LINK_COLUMNS = `l.id AS link_id, l.person_id, l.method, l.score, l.state, l.created_at, l.explanation, ${IDENTITY_COLUMNS}`;

const REVIEW_SELECT = `SELECT r.id, r.status, r.reason, r.score, r.explanation, r.data_quality_alert, r.created_at, r.decided_at, r.decided_by,
  r.decision_note, r.candidate_person_id, l.person_id AS identity_person_id, ${IDENTITY_COLUMNS}
  FROM match_review r JOIN source_identity si ON si.id = r.source_identity_id
  LEFT JOIN identity_link l ON l.source_identity_id = si.id AND l.state = 'active'`;

interface IdentityQueryRow {
  source_identity_id: string;
  source_id: string;
  local_id: string;
  nhs_number: string | null;
  traced_nhs_number: string | null;
  given: string | null;
  family: string | null;
  birth_date: string | null;
  gender: string | null;
  postcode: string | null;
}

interface LinkQueryRow extends IdentityQueryRow {
  link_id: string;
  person_id: string;
  method: LinkMethod;
  score: number;
  state: 'active' | 'ended';
  created_at: Date;
  explanation: MatchExplanation;
}

interface ReviewQueryRow extends IdentityQueryRow {
  id: string;
  status: ReviewStatus;
  reason: ReviewReason;
  score: number;
  explanation: MatchExplanation;
  data_quality_alert: boolean;
  created_at: Date;
  decided_at: Date | null;
  decided_by: string | null;
  decision_note: string | null;
  candidate_person_id: string;
  identity_person_id: string | null;
}

function toIdentitySummary(row: IdentityQueryRow): IdentitySummary {
  return {
    sourceIdentityId: row.source_identity_id,
    sourceId: row.source_id,
    localId: row.local_id,
    nhsNumber: row.nhs_number,
    tracedNhsNumber: row.traced_nhs_number,
    given: row.given,
    family: row.family,
    birthDate: row.birth_date,
    sex: row.gender,
    postcode: row.postcode,
  };
}

function toPersonLink(row: LinkQueryRow): PersonLink {
  return {
    ...toIdentitySummary(row),
    linkId: row.link_id,
    personId: row.person_id,
    method: row.method,
    score: row.score,
    state: row.state,
    createdAt: row.created_at,
    explanation: row.explanation,
  };
}

function toReviewRecord(row: ReviewQueryRow): ReviewRecord {
  return {
    id: row.id,
    status: row.status,
    reason: row.reason,
    score: row.score,
    explanation: row.explanation,
    dataQualityAlert: row.data_quality_alert,
    createdAt: row.created_at,
    decidedAt: row.decided_at,
    decidedBy: row.decided_by,
    decisionNote: row.decision_note,
    candidatePersonId: row.candidate_person_id,
    identity: { ...toIdentitySummary(row), personId: row.identity_person_id },
  };
}

function toEventRecord(row: EventRow): IdentityEventRecord {
  return {
    id: row.id,
    at: row.at,
    kind: row.kind,
    personId: row.person_id,
    otherPersonId: row.other_person_id,
    sourceIdentityId: row.source_identity_id,
    linkId: row.link_id,
    reviewId: row.review_id,
    actor: row.actor,
    reason: row.reason,
    detail: row.detail,
    undoes: row.undoes,
    undoneBy: row.undone_by,
  };
}

function toTouching(row: EventRow): TouchingEvent {
  return { sourceIdentityId: row.source_identity_id, detail: { moved: row.detail.moved } };
}

function snapshot(link: LinkRow): LinkSnapshot {
  return { linkId: link.id, personId: link.person_id, method: link.method, score: link.score };
}

function dedupe(ids: Array<string | null | undefined>): string[] {
  return [...new Set(ids.filter((id): id is string => Boolean(id)))];
}
