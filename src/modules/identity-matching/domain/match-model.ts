import { COMPARISONS, compareFields, MISSING } from './comparisons.js';
import type { FieldComparison, MatchExplanation } from './match-explanation.js';
import type { MatchRecord } from './normalise.js';

/**
 * A trained Fellegi-Sunter model: for each comparison level, m (how often true matches reach it)
 * and u (how often non-matches do), the prior, and value counts for term-frequency adjustment.
 * Plain data, so it can be stored (match_model.parameters) and read back.
 */
export interface MatchModelParameters {
  version: string;
  /** Prior probability that two records drawn at random are the same person. */
  lambda: number;
  m: number[][];
  u: number[][];
  /** Per field with term-frequency adjustment: how many records hold each value, of `total`. */
  termFrequencies: Record<string, { total: number; counts: Record<string, number> }>;
}

const PERSONAL_FIELDS = ['given', 'family', 'birthDate', 'sex'].map((field) =>
  COMPARISONS.findIndex((comparison) => comparison.field === field),
);

/** A very common name still counts; a very rare one cannot outweigh everything else. */
const TF_ADJUSTMENT_LIMIT = 6;

/** Sensible starting values (and the model until one is trained): m and u per comparison level. */
export const DEFAULT_PARAMETERS: MatchModelParameters = {
  version: 'default',
  lambda: 1e-5,
  m: [
    [0.8, 0.06, 0.05, 0.03, 0.01, 0.005, 0.045],
    [0.85, 0.05, 0.02, 0.02, 0.01, 0.05],
    [0.9, 0.02, 0.05, 0.02, 0.01],
    [0.98, 0.02],
    [0.75, 0.05, 0.05, 0.03, 0.12],
    [0.7, 0.15, 0.05, 0.1],
    [0.85, 0.05, 0.1],
    [0.9, 0.05, 0.05],
  ],
  u: [
    [0.01, 0.002, 0.005, 0.03, 0.0005, 0.001, 0.9515],
    [0.003, 0.002, 0.01, 0.0005, 0.0005, 0.984],
    [0.00005, 0.00001, 0.002, 0.005, 0.99294],
    [0.5, 0.5],
    [0.0005, 0.002, 0.02, 0.001, 0.9765],
    [0.0005, 0.005, 0.2, 0.7945],
    [0.05, 0.01, 0.94],
    [0.00001, 0.0001, 0.99989],
  ],
  termFrequencies: {},
};

export const log2Odds = (probability: number) => Math.log2(probability / (1 - probability));
export const probabilityOfWeight = (weight: number) => 1 / (1 + 2 ** -weight);

export class MatchModel {
  readonly priorWeight: number;
  /** log2(m/u) per comparison and level. */
  private readonly weights: number[][];
  private readonly tf: Array<
    | { level: number; value: (record: MatchRecord) => string | undefined; counts: Map<string, number>; total: number; averageU: number }
    | undefined
  >;
  private readonly levels = new Int8Array(COMPARISONS.length);

  constructor(readonly parameters: MatchModelParameters) {
    if (parameters.m.length !== COMPARISONS.length || parameters.u.length !== COMPARISONS.length)
      throw new Error(`match model ${parameters.version} does not fit this version's comparisons`);
    this.priorWeight = log2Odds(parameters.lambda);
    this.weights = COMPARISONS.map((comparison, k) =>
      comparison.levels.map((_, level) => Math.log2(parameters.m[k][level] / parameters.u[k][level])),
    );
    this.tf = COMPARISONS.map((comparison, k) => {
      const frequencies = parameters.termFrequencies[comparison.field];
      if (!comparison.termFrequency || !frequencies || frequencies.total === 0) return undefined;
      return {
        ...comparison.termFrequency,
        counts: new Map(Object.entries(frequencies.counts)),
        total: frequencies.total,
        averageU: parameters.u[k][comparison.termFrequency.level],
      };
    });
  }

  get version(): string {
    return this.parameters.version;
  }

  /**
   * How much more (or less) an exact agreement on this value says than an average one: a common
   * surname is weak evidence, a rare one strong (log2 of average u over the value's frequency).
   */
  private termFrequencyAdjustment(k: number, record: MatchRecord): number {
    const tf = this.tf[k];
    if (!tf) return 0;
    const value = tf.value(record);
    if (value === undefined) return 0;
    const frequency = Math.max(tf.counts.get(value) ?? 1, 1) / tf.total;
    const adjustment = Math.log2(tf.averageU / frequency);
    return Math.max(-TF_ADJUSTMENT_LIMIT, Math.min(TF_ADJUSTMENT_LIMIT, adjustment));
  }

  private fieldWeight(k: number, level: number, a: MatchRecord): number {
    if (level === MISSING) return 0;
    const weight = this.weights[k][level];
    const tf = this.tf[k];
    return tf && tf.level === level ? weight + this.termFrequencyAdjustment(k, a) : weight;
  }

  /** The total match weight of a pair (prior included): the fast path for scoring many pairs. */
  weight(a: MatchRecord, b: MatchRecord): number {
    const levels = compareFields(a, b, this.levels);
    let total = this.priorWeight;
    for (let k = 0; k < levels.length; k++) total += this.fieldWeight(k, levels[k], a);
    return total;
  }

  /** The weight of already compared levels (the bulk linker compares once, for training and scoring). */
  weightOfLevels(levels: Int8Array, a: MatchRecord): number {
    let total = this.priorWeight;
    for (let k = 0; k < levels.length; k++) total += this.fieldWeight(k, levels[k], a);
    return total;
  }

  /** Every field's level and weight, the prior and the total: what a link stores as its reason. */
  explain(a: MatchRecord, b: MatchRecord, notes?: string[]): MatchExplanation {
    const levels = compareFields(a, b, new Int8Array(COMPARISONS.length));
    const fields: FieldComparison[] = COMPARISONS.map((comparison, k) => ({
      field: comparison.field,
      level: levels[k] === MISSING ? 'missing' : comparison.levels[levels[k]],
      weight: round(this.fieldWeight(k, levels[k], a)),
    }));
    const totalWeight = this.weightOfLevels(levels, a);
    return {
      fields,
      priorWeight: round(this.priorWeight),
      totalWeight: round(totalWeight),
      probability: round(probabilityOfWeight(totalWeight), 6),
      modelVersion: this.version,
      ...(notes && notes.length ? { notes } : {}),
    };
  }

  /**
   * The weight of the fields that describe the person (names, birth date, sex), without the
   * prior: what checks an NHS-number agreement. Address fields are left out because the people
   * of one household share them, and a wrong NHS number is most often a relative's.
   */
  personalWeight(levels: Int8Array, a: MatchRecord): number {
    let total = 0;
    for (const k of PERSONAL_FIELDS) total += this.fieldWeight(k, levels[k], a);
    return total;
  }
}

function round(value: number, places = 3): number {
  const factor = 10 ** places;
  return Math.round(value * factor) / factor;
}
