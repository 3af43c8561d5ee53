/**
 * Where the matcher draws its lines. Probabilities are posterior match probabilities from the
 * trained model; the NHS-number rule uses the demographic weight (log2 Bayes factor, no prior).
 */
export interface MatchThresholds {
  /** At or above: link automatically. */
  link: number;
  /** At or above (and below link): open a review for a data steward. Below: a new person. */
  review: number;
  /**
   * Two records with the same valid NHS number link unless their demographics alone weigh below
   * this: then the pair goes to review with a data-quality alert (a demographic mismatch).
   */
  nhsDisagreeWeight: number;
}

export const DEFAULT_THRESHOLDS: MatchThresholds = { link: 0.95, review: 0.5, nhsDisagreeWeight: -3 };
