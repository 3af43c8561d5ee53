/** How one field of a pair compared: the level it reached and the weight (log2 Bayes factor) it added. */
export interface FieldComparison {
  /** given, family, birthDate, sex, postcode, address, city, otherIdentifier, nhsNumber. */
  field: string;
  /** The comparison level reached, e.g. `exact`, `nickname`, `jaro-winkler>=0.92`, `day-month-swap`, `sector`, `different`, `missing`. */
  level: string;
  /** log2(m/u) for this level, term-frequency adjusted where the level is an exact name match; 0 when missing. */
  weight: number;
}

/**
 * Why two records were (or were not) linked: every field's outcome and weight, the prior and
 * the total. Stored with every link and review so a steward can read the reasoning back.
 */
export interface MatchExplanation {
  fields: FieldComparison[];
  /** log2 of the prior odds that a candidate pair is a match (estimated by EM). */
  priorWeight: number;
  /** priorWeight + the sum of field weights. */
  totalWeight: number;
  /** The match probability: 2^total / (1 + 2^total). */
  probability: number;
  /** Which trained model scored the pair. */
  modelVersion: string;
  /** Rule-level notes, e.g. `nhs-number-equal`, `nhs-number-demographics-disagree`, `different-nhs-numbers`. */
  notes?: string[];
}

/** How a link was made. */
export type LinkMethod = 'nhs-number' | 'probabilistic' | 'manual' | 'pds-trace';
