import { Injectable, Logger } from '@nestjs/common';

import { type PersonReference, Withheld } from '../../governance/index.js';
import { SourceRegistry, type Source } from '../../source-connectors/index.js';
import { withTimeout } from '../../../platform/observability/index.js';
import { JobDispatcher, QueueError } from '../../../platform/queue/index.js';
import { IdentityMatchingError, IdentityMatchingErrorCode } from '../identity-matching.errors.js';
import { matchIdentity } from '../jobs/match-identity.definition.js';
import {
  IdentityIndexRepository,
  stewardExplanation,
  type IdentityEventRecord,
  type IdentitySummary,
  type PersonLink,
  type PersonRecord,
  type ReviewRecord,
} from '../repositories/identity-index.repository.js';
import { optionalNote, pageSize, requiredReason, reviewStatus } from './steward-input.js';

const MAX_REVIEWS = 100;
/** What stewards read of a person: who they are, never their record. */
const DEMOGRAPHICS = ['demographics'] as const;
const MAX_HISTORY = 200;
/** A change is committed before its re-evaluation is enqueued; a Redis outage must not hang the steward. */
const ENQUEUE_WAIT_MS = 2_000;

/** The signed-in steward making a change (their Principal's subject and display name). */
export interface Steward {
  subject: string;
  name?: string;
}

/** How a steward is recorded as the actor of a change: the identity provider's subject, then the name people read. */
export function stewardActor(steward: Steward): string {
  return steward.name ? `${steward.subject} (${steward.name})` : steward.subject;
}

export interface SourceLabel {
  id: string;
  name: string;
  kind: string;
}

export type IdentityView = IdentitySummary & { source: SourceLabel };
export type PersonLinkView = PersonLink & { source: SourceLabel };
export type PersonView = Omit<PersonRecord, 'links'> & { links: PersonLinkView[] };
export type ReviewView = Omit<ReviewRecord, 'identity'> & {
  identity: IdentityView & { personId: string | null };
  candidate: PersonView | null;
};

/** A change a steward made: the history event (to read or undo) and every person it touched, as they are now. */
export interface ChangeView {
  event: IdentityEventRecord;
  persons: PersonView[];
}

/**
 * What data stewards do to the index: read persons and their links with the reasons, work the
 * review queue, link, unlink, merge, unmerge and undo. Every change is recorded with a reason
 * and, where it may leave records wrongly placed, hands the identities it touched back to the
 * matcher ("an unlink re-evaluates what it touched").
 */
@Injectable()
export class StewardshipService {
  private readonly logger = new Logger('Stewardship');

  constructor(
    private readonly index: IdentityIndexRepository,
    private readonly registry: SourceRegistry,
    private readonly dispatcher: JobDispatcher,
  ) {}

  // Reads of persons come back Withheld: governance's PersonReads decides and audits before they leave.

  async person(personId: string): Promise<Withheld<PersonView>> {
    const view = await this.personView(personId);
    return Withheld.of(view, [personReference(view)], DEMOGRAPHICS);
  }

  /** The person a source's record belongs to now; null while the matcher has not placed it. */
  async personForIdentity(sourceId: string, localId: string): Promise<Withheld<PersonView | null>> {
    const identity = await this.index.identityByLocalId(sourceId, localId);
    if (!identity) throw notFound(`source ${sourceId.slice(0, 64)} has no record with that local id`);
    const view = identity.personId ? await this.personView(identity.personId) : null;
    return Withheld.of(view, view ? [personReference(view)] : [], DEMOGRAPHICS);
  }

  private async personView(personId: string): Promise<PersonView> {
    const person = await this.index.person(personId);
    if (!person) throw notFound(`no person with id ${personId.slice(0, 64)}`);
    const [view] = await this.viewPersons([person]);
    return view!;
  }

  /** The reviews, with the persons they show: each candidate, and the person the reviewed record is on now. */
  async reviews(status: string, limit: number): Promise<Withheld<ReviewView[]>> {
    const views = await this.reviewViews(status, limit);
    const persons = new Map<string, PersonReference>();
    for (const review of views) {
      if (review.candidate) persons.set(review.candidate.id, personReference(review.candidate));
      const placedOn = review.identity.personId;
      if (placedOn && !persons.has(placedOn)) persons.set(placedOn, { id: placedOn, nhsNumber: review.identity.nhsNumber });
    }
    return Withheld.of(views, [...persons.values()], DEMOGRAPHICS);
  }

  private async reviewViews(status: string, limit: number): Promise<ReviewView[]> {
    const reviews = await this.index.reviews(reviewStatus(status), pageSize(limit, MAX_REVIEWS));
    const candidates = new Map(
      (await this.viewPersons(await this.index.persons(reviews.map((review) => review.candidatePersonId)))).map((person) => [
        person.id,
        person,
      ]),
    );
    const sources = await this.sourceLabels();
    return reviews.map((review) => ({
      ...review,
      identity: { ...review.identity, source: sources(review.identity.sourceId) },
      candidate: candidates.get(review.candidatePersonId) ?? null,
    }));
  }

  /** A person's history: its events name records and the demographics they were linked on. */
  async history(personId: string, limit: number): Promise<Withheld<IdentityEventRecord[]>> {
    const size = pageSize(limit, MAX_HISTORY);
    const person = await this.index.person(personId);
    if (!person) throw notFound(`no person with id ${personId.slice(0, 64)}`);
    return Withheld.of(
      await this.index.history(personId, size),
      [{ id: person.id, nhsNumber: person.nhsNumbers[0] ?? null }],
      DEMOGRAPHICS,
    );
  }

  async acceptReview(steward: Steward, reviewId: string, note: string | null | undefined): Promise<Withheld<ChangeView>> {
    const outcome = await this.index.acceptReview({ reviewId, actor: stewardActor(steward), note: optionalNote(note) });
    return this.change(outcome.eventId, [outcome.personId, outcome.previousPersonId]);
  }

  async rejectReview(steward: Steward, reviewId: string, note: string | null | undefined): Promise<Withheld<ChangeView>> {
    const outcome = await this.index.rejectReview({ reviewId, actor: stewardActor(steward), note: optionalNote(note) });
    const review = await this.index.review(reviewId);
    await this.reevaluate(outcome.eventId, [review!.identity.sourceIdentityId]);
    return this.change(outcome.eventId, [outcome.previousPersonId, outcome.personId]);
  }

  async linkIdentity(steward: Steward, sourceIdentityId: string, personId: string, reason: string): Promise<Withheld<ChangeView>> {
    const why = requiredReason(reason);
    const outcome = await this.index.linkIdentity({
      sourceIdentityId,
      personId,
      method: 'manual',
      score: 1,
      explanation: stewardExplanation('manual-link-by-steward'),
      actor: stewardActor(steward),
      reason: why,
    });
    const event = await this.index.event(outcome.eventId);
    return this.change(outcome.eventId, [outcome.personId, event?.otherPersonId]);
  }

  async unlinkIdentity(steward: Steward, sourceIdentityId: string, reason: string): Promise<Withheld<ChangeView>> {
    const outcome = await this.index.unlink({ sourceIdentityId, actor: stewardActor(steward), reason: requiredReason(reason) });
    await this.reevaluate(outcome.eventId, outcome.touchedIdentityIds);
    return this.change(outcome.eventId, [outcome.oldPersonId, outcome.newPersonId]);
  }

  async mergePersons(
    steward: Steward,
    survivorId: string,
    mergedId: string,
    reason: string,
    force: boolean,
  ): Promise<Withheld<ChangeView>> {
    const outcome = await this.index.mergePersons({
      survivorId,
      mergedId,
      actor: stewardActor(steward),
      reason: requiredReason(reason),
      force,
    });
    return this.change(outcome.eventId, [outcome.survivorId, outcome.mergedId]);
  }

  async unmergePersons(steward: Steward, mergeEventId: string, reason: string): Promise<Withheld<ChangeView>> {
    const outcome = await this.index.unmerge({ mergeEventId, actor: stewardActor(steward), reason: requiredReason(reason) });
    await this.reevaluate(outcome.eventId, outcome.movedIdentityIds);
    return this.change(outcome.eventId, [outcome.survivorId, outcome.restoredPersonId]);
  }

  async undo(steward: Steward, eventId: string, reason: string): Promise<Withheld<ChangeView>> {
    const outcome = await this.index.undo({ eventId, actor: stewardActor(steward), reason: requiredReason(reason) });
    await this.reevaluate(outcome.eventId, outcome.touchedIdentityIds);
    return this.change(outcome.eventId, outcome.personIds);
  }

  /** Hands identities back to the matcher, once per change (the job id names the change). */
  private async reevaluate(eventId: string, sourceIdentityIds: readonly string[]): Promise<void> {
    for (const sourceIdentityId of new Set(sourceIdentityIds)) {
      try {
        await withTimeout(
          this.dispatcher.enqueue(matchIdentity, { sourceIdentityId }, { jobId: `reevaluate-${eventId}-${sourceIdentityId}` }),
          ENQUEUE_WAIT_MS,
          'enqueue identity re-evaluation',
        );
      } catch (error) {
        // A job that nobody declared is a wiring mistake, not an outage: it must be seen.
        if (error instanceof QueueError) throw error;
        this.logger.warn(`re-evaluation after identity event ${eventId} not confirmed by the queue: ${(error as Error).message}`);
      }
    }
  }

  private async change(eventId: string, personIds: Array<string | null | undefined>): Promise<Withheld<ChangeView>> {
    const event = await this.index.event(eventId);
    const ids = [...new Set(personIds.filter((id): id is string => Boolean(id)))];
    const persons = await this.viewPersons(await this.index.persons(ids));
    // The answer shows the persons' demographics: a read like any other, decided and audited before it leaves.
    return Withheld.of({ event: event!, persons }, persons.map(personReference), DEMOGRAPHICS);
  }

  private async viewPersons(persons: PersonRecord[]): Promise<PersonView[]> {
    const sources = await this.sourceLabels();
    return persons.map((person) => ({ ...person, links: person.links.map((link) => ({ ...link, source: sources(link.sourceId) })) }));
  }

  /** Source names from the registry (cached there), for every link and review shown. */
  private async sourceLabels(): Promise<(sourceId: string) => SourceLabel> {
    const byId = new Map((await this.registry.list()).map((source: Source) => [source.id, source]));
    return (sourceId) => {
      const source = byId.get(sourceId);
      return { id: sourceId, name: source?.name ?? 'unknown source', kind: source?.kind ?? 'unknown' };
    };
  }
}

function notFound(message: string): IdentityMatchingError {
  return new IdentityMatchingError(IdentityMatchingErrorCode.NotFound, message);
}

/** The person as the audit row names them: the id, and the first NHS number the index holds for them. */
function personReference(view: PersonView): PersonReference {
  return { id: view.id, nhsNumber: view.nhsNumbers[0] ?? null };
}
