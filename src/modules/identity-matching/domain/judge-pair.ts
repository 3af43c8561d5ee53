import { COMPARISONS, compareFields, MISSING } from './comparisons.js';
import type { MatchModel } from './match-model.js';
import { probabilityOfWeight } from './match-model.js';
import type { MatchThresholds } from './match-thresholds.js';
import type { MatchRecord } from './normalise.js';

const BIRTH_DATE = COMPARISONS.findIndex((comparison) => comparison.field === 'birthDate');
const GIVEN = COMPARISONS.findIndex((comparison) => comparison.field === 'given');
const GIVEN_DIFFERENT = COMPARISONS[GIVEN].levels.indexOf('different');
const OTHER_IDENTIFIER = COMPARISONS.findIndex((comparison) => comparison.field === 'otherIdentifier');
const OTHER_IDENTIFIER_DIFFERENT = COMPARISONS[OTHER_IDENTIFIER].levels.indexOf('different');
const BIRTH_DATE_DIFFERENT = COMPARISONS[BIRTH_DATE].levels.indexOf('different');

export type ReviewReason = 'probable-match' | 'nhs-number-demographics-disagree' | 'cluster-contradiction';

export type PairVerdict =
  | { kind: 'link'; method: 'nhs-number' | 'probabilistic'; probability: number; notes: string[] }
  | { kind: 'review'; reason: ReviewReason; probability: number; dataQualityAlert: boolean; notes: string[] }
  | { kind: 'none'; probability: number; notes: string[] };

/**
 * The rules for one pair, shared by the real-time matcher and the bulk linker:
 * - the same valid NHS number links, unless the demographics alone strongly disagree: then a
 *   review with a data-quality alert (GP Connect consumers must alert on demographic mismatch);
 * - two different valid NHS numbers never link: a pair that otherwise looks like a match goes
 *   to review as a contradiction;
 * - otherwise the model's probability decides: link, review, or nothing.
 */
export function judgePair(a: MatchRecord, b: MatchRecord, model: MatchModel, thresholds: MatchThresholds, levels?: Int8Array): PairVerdict {
  const compared = compareFields(a, b, levels ?? new Int8Array(COMPARISONS.length));
  const weight = model.weightOfLevels(compared, a);
  const probability = probabilityOfWeight(weight);
  if (a.n && b.n) {
    if (a.n === b.n) {
      const demographic = model.personalWeight(compared, a);
      if (demographic >= thresholds.nhsDisagreeWeight)
        return { kind: 'link', method: 'nhs-number', probability: 1, notes: ['nhs-number-equal'] };
      return {
        kind: 'review',
        reason: 'nhs-number-demographics-disagree',
        probability,
        dataQualityAlert: true,
        notes: ['nhs-number-equal', 'nhs-number-demographics-disagree'],
      };
    }
    if (probability >= thresholds.review)
      return { kind: 'review', reason: 'cluster-contradiction', probability, dataQualityAlert: false, notes: ['different-nhs-numbers'] };
    return { kind: 'none', probability, notes: ['different-nhs-numbers'] };
  }
  if (probability >= thresholds.link) {
    // The people of one household agree on surname, address and often more: a parent and child
    // of the same name differ only in birth date, twins only in given name. The model, which
    // treats fields as independent, cannot see that, so a pair whose birth dates or given names
    // share nothing is never linked without a steward, unless the two records hold the same
    // other identifier (a shared record number, allowing one keying error).
    if (compared[OTHER_IDENTIFIER] === MISSING || compared[OTHER_IDENTIFIER] === OTHER_IDENTIFIER_DIFFERENT) {
      if (compared[BIRTH_DATE] === BIRTH_DATE_DIFFERENT)
        return { kind: 'review', reason: 'probable-match', probability, dataQualityAlert: false, notes: ['birth-dates-differ'] };
      if (compared[GIVEN] === GIVEN_DIFFERENT)
        return { kind: 'review', reason: 'probable-match', probability, dataQualityAlert: false, notes: ['given-names-differ'] };
    }
    return { kind: 'link', method: 'probabilistic', probability, notes: [] };
  }
  if (probability >= thresholds.review)
    return { kind: 'review', reason: 'probable-match', probability, dataQualityAlert: false, notes: [] };
  return { kind: 'none', probability, notes: [] };
}
