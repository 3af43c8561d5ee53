import { Inject, Injectable } from '@nestjs/common';

import { AppConfig } from '../../../platform/config/index.js';
import { judgePair, type PairVerdict, type ReviewReason } from '../domain/judge-pair.js';
import type { LinkMethod, MatchExplanation } from '../domain/match-explanation.js';
import type { MatchModel } from '../domain/match-model.js';
import type { MatchThresholds } from '../domain/match-thresholds.js';
import type { MatchRecord } from '../domain/normalise.js';
import { IdentityIndexRepository } from '../repositories/identity-index.repository.js';
import { SourceIdentityRepository, type MatchCandidate } from '../repositories/source-identity.repository.js';
import { MatchModels } from './match-models.js';

export type MatchOutcome =
  | { kind: 'linked'; personId: string; method: LinkMethod; score: number; merged: string[]; reviews: number }
  | { kind: 'new-person'; personId: string; reviews: number }
  | { kind: 'kept'; personId: string; reviews: number }
  | { kind: 'not-found' };

/** The best verdict for one person: the strongest pair between the identity and the person's identities. */
interface PersonVerdict {
  personId: string;
  verdict: PairVerdict;
  candidate: MatchCandidate;
}

const rank = (verdict: PairVerdict) =>
  verdict.kind === 'link' ? (verdict.method === 'nhs-number' ? 3 : 2) + verdict.probability : verdict.kind === 'review' ? 1 + verdict.probability : verdict.probability;

/** What the matcher decided for one identity, before anything is written: pure, so it is tested alone. */
export interface MatchPlan {
  /** The person to link to (undefined: a new person), with the verdict that chose it. */
  target?: PersonVerdict;
  /** Other persons the identity also links to: their clusters join the target's. */
  join: PersonVerdict[];
  /** Pairs for a steward. */
  reviews: Array<PersonVerdict & { reason: ReviewReason; dataQualityAlert: boolean }>;
}

/**
 * Plans the match of one record against its candidates, grouped by person: link to the person
 * with the strongest link verdict, join any other person it links to as strongly, and open a
 * review for each person in the review band (or contradicted). Persons a steward rejected for
 * this identity are never linked.
 */
export function planMatch(record: MatchRecord, candidates: MatchCandidate[], model: MatchModel, thresholds: MatchThresholds, rejected: ReadonlySet<string>): MatchPlan {
  const byPerson = new Map<string, PersonVerdict>();
  for (const candidate of candidates) {
    if (!candidate.personId) continue;
    const verdict = judgePair(record, candidate.record, model, thresholds);
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
  return { target: links[0], join: links.slice(1), reviews };
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
  async plan(sourceIdentityId: string): Promise<{ plan: MatchPlan; identity: NonNullable<Awaited<ReturnType<SourceIdentityRepository['forMatching']>>>; model: MatchModel } | undefined> {
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
      outcome = { kind: 'kept', personId, reviews: 0 };
    } else if (plan.target) {
      const verdict = plan.target.verdict as Extract<PairVerdict, { kind: 'link' }>;
      const method: LinkMethod = verdict.method === 'nhs-number' && identity.traced ? 'pds-trace' : verdict.method;
      const linked = await this.index.linkIdentity({
        sourceIdentityId: identity.id,
        personId: plan.target.personId,
        method,
        score: verdict.probability,
        explanation: explain(plan.target),
        actor: 'matcher',
      });
      personId = linked.personId;
      const merged: string[] = [];
      for (const other of plan.join) {
        const otherPerson = await this.index.survivorOf(other.personId);
        if (otherPerson === personId) continue;
        try {
          await this.index.mergePersons({
            survivorId: personId,
            mergedId: otherPerson,
            actor: 'matcher',
            reason: 'the identity links to both persons (transitive link)',
            explanation: explain(other),
          });
          merged.push(otherPerson);
        } catch {
          // The two clusters contradict each other (different NHS numbers): a steward decides.
          plan.reviews.push({ ...other, reason: 'cluster-contradiction', dataQualityAlert: false });
        }
      }
      outcome = { kind: 'linked', personId, method, score: verdict.probability, merged, reviews: 0 };
    } else if (current && !(await this.strandedOn(current.personId, identity.id, plan))) {
      personId = current.personId;
      outcome = { kind: 'kept', personId, reviews: 0 };
    } else {
      const linked = await this.index.linkIdentity({
        sourceIdentityId: identity.id,
        method: identity.record.n ? (identity.traced ? 'pds-trace' : 'nhs-number') : 'probabilistic',
        score: 1,
        explanation: newPersonExplanation(model),
        actor: 'matcher',
      });
      personId = linked.personId;
      outcome = { kind: 'new-person', personId, reviews: 0 };
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
