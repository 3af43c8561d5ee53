import { Inject, Injectable } from '@nestjs/common';

import { AppConfig } from '../../../platform/config/index.js';
import { judgePair, type PairVerdict, type ReviewReason } from '../domain/judge-pair.js';
import type { LinkMethod, MatchExplanation } from '../domain/match-explanation.js';
import type { MatchModel } from '../domain/match-model.js';
import type { MatchThresholds } from '../domain/match-thresholds.js';
import type { MatchRecord } from '../domain/normalise.js';
import { IdentityMatchingError, IdentityMatchingErrorCode } from '../identity-matching.errors.js';
import { IdentityIndexRepository } from '../repositories/identity-index.repository.js';
import { SourceIdentityRepository, type MatchCandidate } from '../repositories/source-identity.repository.js';
import { MatchModels } from './match-models.js';

export type MatchOutcome =
  | { kind: 'linked'; personId: string; method: LinkMethod; score: number; merged: string[]; reviews: number; unsettled: number }
  | { kind: 'new-person'; personId: string; reviews: number; unsettled: number }
  | { kind: 'kept'; personId: string; reviews: number; unsettled: number }
  | { kind: 'not-found' };

/** The best verdict for one person: the strongest pair between the identity and the person's identities. */
interface PersonVerdict {
  personId: string;
  verdict: PairVerdict;
  candidate: MatchCandidate;
}

const rank = (verdict: PairVerdict) =>
  verdict.kind === 'link'
    ? (verdict.method === 'nhs-number' ? 3 : 2) + verdict.probability
    : verdict.kind === 'review'
      ? 1 + verdict.probability
      : verdict.probability;

/** What the matcher decided for one identity, before anything is written: pure, so it is tested alone. */
export interface MatchPlan {
  /** The person to link to (undefined: a new person), with the verdict that chose it. */
  target?: PersonVerdict;
  /** Other persons the identity also links to: their clusters join the target's. */
  join: PersonVerdict[];
  /** Pairs for a steward. */
  reviews: Array<PersonVerdict & { reason: ReviewReason; dataQualityAlert: boolean }>;
  /**
   * Candidates that link but have no person yet: their own match is running at the same time.
   * Each job would miss the other, so the identity is matched once more a moment later.
   */
  unsettled: number;
}

/**
 * Plans the match of one record against its candidates, grouped by person: link to the person
 * with the strongest link verdict, join any other person it links to as strongly, and open a
 * review for each person in the review band (or contradicted). Persons a steward rejected for
 * this identity are never linked.
 */
export function planMatch(
  record: MatchRecord,
  candidates: MatchCandidate[],
  model: MatchModel,
  thresholds: MatchThresholds,
  rejected: ReadonlySet<string>,
): MatchPlan {
  const byPerson = new Map<string, PersonVerdict>();
  let unsettled = 0;
  for (const candidate of candidates) {
    const verdict = judgePair(record, candidate.record, model, thresholds);
    if (!candidate.personId) {
      if (verdict.kind !== 'none') unsettled += 1;
      continue;
    }
    const best = byPerson.get(candidate.personId);
    if (!best || rank(verdict) > rank(best.verdict)) byPerson.set(candidate.personId, { personId: candidate.personId, verdict, candidate });
  }
  const ordered = [...byPerson.values()].sort((a, b) => rank(b.verdict) - rank(a.verdict));
  const links = ordered.filter((entry) => entry.verdict.kind === 'link' && !rejected.has(entry.personId));
  const reviews: MatchPlan['reviews'] = [];
  for (const entry of ordered) {
    if (entry.verdict.kind !== 'review' || rejected.has(entry.personId)) continue;
    reviews.push({ ...entry, reason: entry.verdict.reason, dataQualityAlert: entry.verdict.dataQualityAlert });
  }
  return { target: links[0], join: links.slice(1), reviews, unsettled };
}

/**
 * Matches one source identity against the index and records the outcome: a link (with its
 * explanation), a new person, reviews, and the merge of clusters the identity joins. A steward's
 * manual link is never undone by the matcher.
 */
@Injectable()
export class IdentityMatcher {
  private readonly thresholds: MatchThresholds;

  constructor(
    private readonly identities: SourceIdentityRepository,
    private readonly index: IdentityIndexRepository,
    private readonly models: MatchModels,
    @Inject(AppConfig) config: AppConfig,
  ) {
    this.thresholds = { link: config.identity.link, review: config.identity.review, nhsDisagreeWeight: config.identity.nhsDisagreeWeight };
  }

  /** Finds and judges candidates without writing anything: what a single real-time match costs. */
  async plan(
    sourceIdentityId: string,
  ): Promise<
    { plan: MatchPlan; identity: NonNullable<Awaited<ReturnType<SourceIdentityRepository['forMatching']>>>; model: MatchModel } | undefined
  > {
    const identity = await this.identities.forMatching(sourceIdentityId);
    if (!identity) return undefined;
    const [model, candidates, rejected] = await Promise.all([
      this.models.current(),
      this.identities.candidates(identity.id, identity.keys),
      this.index.rejectedPersons(identity.id),
    ]);
    return { plan: planMatch(identity.record, candidates, model, this.thresholds, new Set(rejected)), identity, model };
  }

  async match(sourceIdentityId: string): Promise<MatchOutcome> {
    const planned = await this.plan(sourceIdentityId);
    if (!planned) return { kind: 'not-found' };
    const { plan, identity, model } = planned;
    const current = await this.index.activeLink(identity.id);
    const explain = (entry: PersonVerdict) => model.explain(identity.record, entry.candidate.record, entry.verdict.notes);

    let personId: string;
    let outcome: MatchOutcome;
    if (current?.method === 'manual') {
      personId = current.personId;
      outcome = { kind: 'kept', personId, reviews: 0, unsettled: plan.unsettled };
    } else if (plan.target) {
      const verdict = plan.target.verdict as Extract<PairVerdict, { kind: 'link' }>;
      const method: LinkMethod = verdict.method === 'nhs-number' && identity.traced ? 'pds-trace' : verdict.method;
      // Every person the identity links to becomes one, with its own person when that holds
      // nothing else. The survivor is the smallest id, so two jobs racing on records of one
      // person (each seeing the other's person) settle on the same answer instead of swapping.
      const joining = [plan.target, ...plan.join];
      const group = new Map<string, PersonVerdict>();
      for (const entry of joining) group.set(await this.index.survivorOf(entry.personId), entry);
      if (current && !group.has(current.personId) && (await this.aloneOn(current.personId, identity.id)))
        group.set(current.personId, plan.target);
      const survivor = [...group.keys()].sort()[0];
      const merged: string[] = [];
      for (const [otherPerson, entry] of group) {
        if (otherPerson === survivor) continue;
        try {
          await this.index.mergePersons({
            survivorId: survivor,
            mergedId: otherPerson,
            actor: 'matcher',
            reason: 'one identity links to both persons (transitive link)',
            explanation: explain(entry),
          });
          merged.push(otherPerson);
        } catch (error) {
          // The two clusters contradict each other (different NHS numbers): a steward decides.
          if (error instanceof IdentityMatchingError && error.code === IdentityMatchingErrorCode.Contradiction)
            plan.reviews.push({ ...entry, reason: 'cluster-contradiction', dataQualityAlert: false });
          // Already one person (another job merged them first): nothing to do.
          else if (!(error instanceof IdentityMatchingError && error.code === IdentityMatchingErrorCode.Conflict)) throw error;
        }
      }
      const linked = await this.index.linkIdentity({
        sourceIdentityId: identity.id,
        personId: survivor,
        method,
        score: verdict.probability,
        explanation: explain(plan.target),
        actor: 'matcher',
      });
      personId = linked.personId;
      outcome = { kind: 'linked', personId, method, score: verdict.probability, merged, reviews: 0, unsettled: plan.unsettled };
    } else if (current && !(await this.strandedOn(current.personId, identity.id, plan))) {
      personId = current.personId;
      outcome = { kind: 'kept', personId, reviews: 0, unsettled: plan.unsettled };
    } else {
      const linked = await this.index.linkIdentity({
        sourceIdentityId: identity.id,
        method: identity.record.n ? (identity.traced ? 'pds-trace' : 'nhs-number') : 'probabilistic',
        score: 1,
        explanation: newPersonExplanation(model),
        actor: 'matcher',
      });
      personId = linked.personId;
      outcome = { kind: 'new-person', personId, reviews: 0, unsettled: plan.unsettled };
    }

    let reviews = 0;
    for (const review of plan.reviews) {
      const candidatePerson = await this.index.survivorOf(review.personId);
      if (candidatePerson === personId) continue;
      await this.index.openReview({
        sourceIdentityId: identity.id,
        candidatePersonId: candidatePerson,
        reason: review.reason,
        score: review.verdict.probability,
        explanation: explain(review),
        dataQualityAlert: review.dataQualityAlert,
      });
      reviews += 1;
    }
    return { ...outcome, reviews } as MatchOutcome;
  }

  /** Whether the identity is the only one on its person. */
  private async aloneOn(personId: string, identityId: string): Promise<boolean> {
    const [person] = await this.index.persons([personId]);
    return (person?.links ?? []).every((link) => link.sourceIdentityId === identityId);
  }

  /**
   * Whether an identity that no longer links anywhere should leave its person: yes when the
   * person has other identities and none of them still links to it (its demographics changed).
   */
  private async strandedOn(personId: string, identityId: string, plan: MatchPlan): Promise<boolean> {
    const [person] = await this.index.persons([personId]);
    const others = (person?.links ?? []).filter((link) => link.sourceIdentityId !== identityId);
    if (others.length === 0) return false;
    return !plan.reviews.some((review) => review.personId === personId);
  }
}

function newPersonExplanation(model: MatchModel): MatchExplanation {
  return { fields: [], priorWeight: 0, totalWeight: 0, probability: 1, modelVersion: model.version, notes: ['new-person'] };
}
