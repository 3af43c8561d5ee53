// How good a linkage is, counted in pairs of records, as record-linkage results are published:
// a pair is true when both records are of one person, predicted when both sit in one cluster.
// Counted from the contingency table of (predicted cluster, true entity) rather than by listing
// pairs, so a million records cost one pass and a few maps, however big the clusters.

export interface PairMetrics {
  records: number;
  /** Pairs of records the linkage put in one cluster. */
  predictedPairs: number;
  /** Pairs of records that are the same entity. */
  truePairs: number;
  /** Pairs both predicted and true. */
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** truePositives / predictedPairs; 1 when nothing was linked (no link was wrong). */
  precision: number;
  /** truePositives / truePairs; 1 when there was nothing to find. */
  recall: number;
  /** The harmonic mean of precision and recall; 0 when both are 0. */
  f1: number;
}

const pairsOf = (count: number) => (count * (count - 1)) / 2;

/**
 * Pair precision, recall and F1 of `predicted` cluster ids against `truth` entity ids, position
 * by position. A blank (or absent) truth is an entity of its own: a record nobody labelled
 * cannot make a true pair, and linking it to anything counts as a false positive.
 */
export function pairMetrics(predicted: readonly string[], truth: readonly (string | undefined)[]): PairMetrics {
  if (predicted.length !== truth.length) {
    throw new RangeError(`predicted has ${predicted.length} records and truth ${truth.length}; they must be the same records`);
  }
  // Ids become small integers first, so a cell is one number key, not a string built per record.
  const predictedIds = new Map<string, number>();
  const trueIds = new Map<string, number>();
  const predictedSizes: number[] = [];
  const trueSizes: number[] = [];
  const cells = new Map<number, number>();
  for (let index = 0; index < predicted.length; index++) {
    let cluster = predictedIds.get(predicted[index]!);
    if (cluster === undefined) predictedIds.set(predicted[index]!, (cluster = predictedSizes.push(0) - 1));
    predictedSizes[cluster]! += 1;
    const label = truth[index];
    if (label === undefined || label === '') continue;
    let entity = trueIds.get(label);
    if (entity === undefined) trueIds.set(label, (entity = trueSizes.push(0) - 1));
    trueSizes[entity]! += 1;
    // Below records² (10¹² for a million), so the key stays an exact integer.
    const cell = cluster * predicted.length + entity;
    cells.set(cell, (cells.get(cell) ?? 0) + 1);
  }
  let predictedPairs = 0;
  for (const size of predictedSizes) predictedPairs += pairsOf(size);
  let truePairs = 0;
  for (const size of trueSizes) truePairs += pairsOf(size);
  let truePositives = 0;
  for (const size of cells.values()) truePositives += pairsOf(size);

  const precision = predictedPairs === 0 ? 1 : truePositives / predictedPairs;
  const recall = truePairs === 0 ? 1 : truePositives / truePairs;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return {
    records: predicted.length,
    predictedPairs,
    truePairs,
    truePositives,
    falsePositives: predictedPairs - truePositives,
    falseNegatives: truePairs - truePositives,
    precision,
    recall,
    f1,
  };
}
