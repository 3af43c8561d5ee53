import { COMPARISONS, compareFields, MISSING } from './comparisons.js';
import { DEFAULT_PARAMETERS, type MatchModelParameters } from './match-model.js';
import type { MatchRecord } from './normalise.js';
import { candidatePairs } from './blocking.js';
import { encodePair, pairLeft, pairRight } from './pair-encoding.js';

export interface TrainingOptions {
  version: string;
  /** Random pairs sampled to estimate u (almost all random pairs are non-matches). */
  randomPairs?: number;
  /** Candidate pairs EM learns m from, at most (an even sample of all). */
  maxTrainingPairs?: number;
  seed?: number;
}

export interface TrainingSummary {
  records: number;
  randomPairs: number;
  trainingPairs: number;
  patterns: number;
  iterations: number;
  lambda: number;
}

/** A small, fast, seeded generator: the same data always trains the same model. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How many records hold each value of the term-frequency fields (given, family, city). */
export function termFrequencies(records: MatchRecord[]): MatchModelParameters['termFrequencies'] {
  const result: MatchModelParameters['termFrequencies'] = {};
  for (const comparison of COMPARISONS) {
    if (!comparison.termFrequency) continue;
    const counts = new Map<string, number>();
    let total = 0;
    for (const record of records) {
      const value = comparison.termFrequency.value(record);
      if (value === undefined) continue;
      total += 1;
      counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    // Values seen once carry no more than the default for an unseen value: leave them out.
    const kept: Record<string, number> = {};
    for (const [value, count] of counts) if (count > 1) kept[value] = count;
    result[comparison.field] = { total, counts: kept };
  }
  return result;
}

function emptyCounts(): number[][] {
  return COMPARISONS.map((comparison) => comparison.levels.map(() => 0));
}

/** u per level: how often pairs of records chosen at random reach it. Smoothed, never zero. */
export function estimateU(records: MatchRecord[], samples: number, random: () => number): { u: number[][]; pairs: number } {
  const counts = emptyCounts();
  const levels = new Int8Array(COMPARISONS.length);
  const n = records.length;
  const all = (n * (n - 1)) / 2;
  let pairs = 0;
  const count = (a: MatchRecord, b: MatchRecord) => {
    compareFields(a, b, levels);
    for (let k = 0; k < levels.length; k++) if (levels[k] !== MISSING) counts[k][levels[k]] += 1;
    pairs += 1;
  };
  if (all <= samples) {
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) count(records[i], records[j]);
  } else {
    while (pairs < samples) {
      const i = Math.floor(random() * n);
      const j = Math.floor(random() * n);
      if (i !== j) count(records[i], records[j]);
    }
  }
  const u = counts.map((row) => {
    const seen = row.reduce((sum, value) => sum + value, 0);
    return row.map((value) => (value + 0.5) / (seen + 0.5 * row.length));
  });
  return { u, pairs };
}

const LEVEL_BITS = 3;

/** The comparison vector as one number (3 bits per field, MISSING as 0), for counting patterns. */
function patternKey(levels: Int8Array): number {
  let key = 0;
  for (let k = levels.length - 1; k >= 0; k--) key = key * (1 << LEVEL_BITS) + (levels[k] + 1);
  return key;
}

function patternLevels(key: number, into: Int8Array): Int8Array {
  for (let k = 0; k < into.length; k++) {
    into[k] = (key % (1 << LEVEL_BITS)) - 1;
    key = Math.floor(key / (1 << LEVEL_BITS));
  }
  return into;
}

/**
 * Expectation-maximisation for m and the prior, with u held at its random-pair estimate (as
 * Splink trains): each round weighs every distinct comparison pattern by how likely it is to be
 * a match, then re-estimates m from those weights, until m stops moving. A session's blocked
 * fields are left out (every pair agrees on them by construction); fields outside `learn` count
 * towards the posterior with the m they started with.
 */
export function estimateM(
  patterns: Map<number, number>,
  u: number[][],
  start: { m: number[][]; lambda: number },
  session: { blockedOn?: ReadonlySet<string>; learn?: ReadonlySet<string> } = {},
): { m: number[][]; lambda: number; iterations: number } {
  const keys = [...patterns.keys()];
  const counts = keys.map((key) => patterns.get(key)!);
  const vectors = keys.map((key) => patternLevels(key, new Int8Array(COMPARISONS.length)));
  const counts_ = COMPARISONS.map((comparison) => !session.blockedOn?.has(comparison.field));
  const learns = COMPARISONS.map((comparison, k) => counts_[k] && (!session.learn || session.learn.has(comparison.field)));
  let m = start.m.map((row) => [...row]);
  let lambda = start.lambda;
  let iterations = 0;
  for (; iterations < 200; iterations++) {
    const logRatio = m.map((row, k) => row.map((value, level) => Math.log(value / u[k][level])));
    const sums = emptyCounts();
    const totals = COMPARISONS.map(() => 0);
    let matched = 0;
    let all = 0;
    const priorLog = Math.log(lambda / (1 - lambda));
    for (let p = 0; p < vectors.length; p++) {
      const levels = vectors[p];
      let log = priorLog;
      for (let k = 0; k < levels.length; k++) if (counts_[k] && levels[k] !== MISSING) log += logRatio[k][levels[k]];
      const posterior = 1 / (1 + Math.exp(-log));
      const weight = posterior * counts[p];
      matched += weight;
      all += counts[p];
      for (let k = 0; k < levels.length; k++) {
        if (levels[k] === MISSING) continue;
        sums[k][levels[k]] += weight;
        totals[k] += weight;
      }
    }
    const next = sums.map((row, k) => {
      if (!learns[k] || totals[k] === 0) return m[k];
      const floored = row.map((value) => Math.max(value / totals[k], 1e-4));
      const sum = floored.reduce((total, value) => total + value, 0);
      return floored.map((value) => value / sum);
    });
    const nextLambda = Math.min(Math.max(matched / all, 1e-6), 1 - 1e-6);
    const change = Math.max(
      Math.abs(nextLambda - lambda),
      ...next.flatMap((row, k) => row.map((value, level) => Math.abs(value - m[k][level]))),
    );
    m = next;
    lambda = nextLambda;
    if (change < 1e-6) break;
  }
  return { m, lambda, iterations };
}

function countPatterns(records: MatchRecord[], pairs: Float64Array, limit: number): Map<number, number> {
  const patterns = new Map<number, number>();
  const levels = new Int8Array(COMPARISONS.length);
  const step = Math.max(1, pairs.length / limit);
  for (let position = 0; position < pairs.length; position += step) {
    const pair = pairs[Math.floor(position)];
    compareFields(records[pairLeft(pair)], records[pairRight(pair)], levels);
    const key = patternKey(levels);
    patterns.set(key, (patterns.get(key) ?? 0) + 1);
  }
  return patterns;
}

/**
 * EM sessions, as Splink trains: each session takes the pairs of narrow blocking rules, among
 * which most pairs are true matches, and learns m for the fields the rules do not block on.
 * Trained on all candidate pairs at once, EM settles on the wrong class in data with households
 * (people at one address sharing a surname look alike in every field but name and birth date).
 */
const SESSIONS: Array<{ rules: string[]; blockedOn: string[]; learn?: string[] }> = [
  // Same birth date and a name that sounds alike: learns names, sex, address, identifiers.
  { rules: ['dg', 'df'], blockedOn: ['birthDate'] },
  // Same names (either order) and place: learns the birth date, judging pairs by what the first
  // session learnt of the other fields.
  { rules: ['gs'], blockedOn: ['given', 'family'], learn: ['birthDate'] },
];

/** Enough labelled pairs to count m from rather than estimate it. */
const MIN_LABELLED_PAIRS = 200;

/** Pairs of records holding the same valid NHS number (first 50 per number). */
function nhsNumberPairs(records: MatchRecord[], limit: number): number[] {
  const byNumber = new Map<string, number[]>();
  records.forEach((record, i) => {
    if (!record.n) return;
    const holders = byNumber.get(record.n);
    if (!holders) byNumber.set(record.n, [i]);
    else if (holders.length < 50) holders.push(i);
  });
  const pairs: number[] = [];
  for (const holders of byNumber.values()) {
    for (let x = 0; x < holders.length && pairs.length < limit; x++)
      for (let y = x + 1; y < holders.length; y++) pairs.push(encodePair(holders[x], holders[y]));
  }
  return pairs;
}

/**
 * Trains a model on records and their candidate pairs (those that share a blocking key): term
 * frequencies from all records, u from random pairs, m by EM sessions over narrow blocking
 * rules, and the prior from EM over all candidate pairs with m and u fixed.
 */
export function trainModel(
  records: MatchRecord[],
  candidates: Float64Array,
  options: TrainingOptions,
): { parameters: MatchModelParameters; summary: TrainingSummary } {
  const random = mulberry32(options.seed ?? 20261123);
  // Enough random pairs that even rare levels (the same birth date) are seen several times.
  const samples = options.randomPairs ?? Math.min(400_000, Math.max(150_000, 20 * records.length));
  const { u, pairs: randomPairs } = estimateU(records, samples, random);
  const limit = options.maxTrainingPairs ?? 300_000;

  const m = DEFAULT_PARAMETERS.m.map((row) => [...row]);
  let trainingPairs = 0;
  let iterations = 0;
  const learnt = new Set<string>();
  // Where records carry NHS numbers, pairs that share one are known matches: m is counted from
  // them directly (Splink's "m from a label column"), which no EM can beat.
  const labelled = nhsNumberPairs(records, limit);
  if (labelled.length >= MIN_LABELLED_PAIRS) {
    const counts = emptyCounts();
    const levels = new Int8Array(COMPARISONS.length);
    const given = COMPARISONS.findIndex((comparison) => comparison.field === 'given');
    const born = COMPARISONS.findIndex((comparison) => comparison.field === 'birthDate');
    const isDifferent = (k: number) => levels[k] === COMPARISONS[k].levels.length - 1;
    for (const pair of labelled) {
      compareFields(records[pairLeft(pair)], records[pairRight(pair)], levels);
      // A shared number with another name and birth date is a relative's number keyed in error,
      // not a match: counting it would teach the model that matches often disagree.
      if (isDifferent(given) && isDifferent(born)) continue;
      for (let k = 0; k < levels.length; k++) if (levels[k] !== MISSING) counts[k][levels[k]] += 1;
    }
    COMPARISONS.forEach((comparison, k) => {
      const seen = counts[k].reduce((sum, value) => sum + value, 0);
      if (seen < MIN_LABELLED_PAIRS) return;
      m[k] = counts[k].map((value) => (value + 0.5) / (seen + 0.5 * counts[k].length));
      learnt.add(comparison.field);
    });
    trainingPairs += labelled.length;
  }
  for (const session of SESSIONS) {
    if (COMPARISONS.every((comparison) => learnt.has(comparison.field) || session.blockedOn.includes(comparison.field))) continue;
    const pairs = candidatePairs(records, undefined, session.rules);
    if (pairs.length === 0) continue;
    trainingPairs += Math.min(pairs.length, limit);
    const patterns = countPatterns(records, pairs, limit);
    const blocked = new Set(session.blockedOn);
    const result = estimateM(
      patterns,
      u,
      { m, lambda: 0.5 },
      { blockedOn: blocked, learn: session.learn ? new Set(session.learn) : undefined },
    );
    iterations += result.iterations;
    COMPARISONS.forEach((comparison, k) => {
      // The first session to see a field (not blocked on it) teaches it.
      if (blocked.has(comparison.field) || learnt.has(comparison.field) || (session.learn && !session.learn.includes(comparison.field)))
        return;
      m[k] = result.m[k];
      learnt.add(comparison.field);
    });
  }

  // EM's prior is that of a candidate pair; what a score needs is the prior that two records
  // drawn at random are the same person: the matches expected among the candidates (blocking
  // finds nearly all of them) over all possible pairs.
  const allPatterns = countPatterns(records, candidates, limit);
  const blockedLambda = allPatterns.size > 0 ? estimateM(allPatterns, u, { m, lambda: 0.1 }, { learn: new Set() }).lambda : 0;
  const allPairs = (records.length * (records.length - 1)) / 2;
  const lambda =
    blockedLambda > 0 && allPairs > 0 ? Math.min(0.5, (blockedLambda * candidates.length) / allPairs) : DEFAULT_PARAMETERS.lambda;
  return {
    parameters: { version: options.version, lambda, m, u, termFrequencies: termFrequencies(records) },
    summary: { records: records.length, randomPairs, trainingPairs, patterns: allPatterns.size, iterations, lambda },
  };
}
