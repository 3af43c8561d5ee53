import { candidatePairs } from './blocking.js';
import type { LinkageAssignment, LinkageOptions, LinkagePair, LinkageRecord, LinkageResult } from './bulk-linkage.types.js';
import { COMPARISONS } from './comparisons.js';
import { judgePair } from './judge-pair.js';
import { MatchModel } from './match-model.js';
import { DEFAULT_THRESHOLDS } from './match-thresholds.js';
import { normaliseIdentity, type MatchRecord } from './normalise.js';
import { MAX_RECORDS, pairLeft, pairRight } from './pair-encoding.js';
import { trainModel } from './train-model.js';

/** Clusters by union-find; a cluster holds at most one valid NHS number. */
class Clusters {
  private readonly parent: Int32Array;
  private readonly nhs: Array<string | undefined>;
  constructor(records: MatchRecord[]) {
    this.parent = new Int32Array(records.length).map((_, i) => i);
    this.nhs = records.map((record) => record.n);
  }
  root(i: number): number {
    while (this.parent[i] !== i) {
      this.parent[i] = this.parent[this.parent[i]];
      i = this.parent[i];
    }
    return i;
  }
  /** Joins the two clusters unless they hold different NHS numbers; answers whether they are (now) one. */
  join(a: number, b: number): boolean {
    const [ra, rb] = [this.root(a), this.root(b)];
    if (ra === rb) return true;
    const [na, nb] = [this.nhs[ra], this.nhs[rb]];
    if (na && nb && na !== nb) return false;
    const [keep, gone] = ra < rb ? [ra, rb] : [rb, ra];
    this.parent[gone] = keep;
    this.nhs[keep] = na ?? nb;
    return true;
  }
}

/**
 * Links the records of one or more extracts: normalise, block, train the model on the data
 * itself (EM), judge every candidate pair with the same rules as real-time matching, then join
 * clusters (NHS-number links first, then the most probable links first) without ever putting two
 * different NHS numbers in one cluster. Pairs between the thresholds are returned for review.
 */
export function linkRecords(input: LinkageRecord[], options: LinkageOptions = {}): LinkageResult {
  if (input.length >= MAX_RECORDS) throw new Error(`bulk linkage takes at most ${MAX_RECORDS - 1} records at once`);
  const thresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
  const progress = options.onProgress ?? (() => undefined);
  const total = input.length;

  const records = input.map((record, i) => {
    if (i % 100_000 === 0) progress({ stage: 'normalise', done: i, total });
    return normaliseIdentity(record.fields);
  });
  progress({ stage: 'normalise', done: total, total });

  const pairs = candidatePairs(records, (done) => progress({ stage: 'block', done, total }));
  progress({ stage: 'block', done: total, total });

  progress({ stage: 'train', done: 0, total: pairs.length });
  const { parameters } = trainModel(records, pairs, { version: options.modelVersion ?? 'bulk' });
  const model = new MatchModel(parameters);
  progress({ stage: 'train', done: pairs.length, total: pairs.length });

  const levels = new Int8Array(COMPARISONS.length);
  const nhsLinks: number[] = [];
  const links: Array<{ pair: number; probability: number }> = [];
  const reviewPairs: LinkagePair[] = [];
  for (let p = 0; p < pairs.length; p++) {
    if (p % 1_000_000 === 0) progress({ stage: 'score', done: p, total: pairs.length });
    const [left, right] = [pairLeft(pairs[p]), pairRight(pairs[p])];
    const verdict = judgePair(records[left], records[right], model, thresholds, levels);
    if (verdict.kind === 'link') {
      if (verdict.method === 'nhs-number') nhsLinks.push(pairs[p]);
      else links.push({ pair: pairs[p], probability: verdict.probability });
    } else if (verdict.kind === 'review') {
      reviewPairs.push({ left, right, explanation: model.explain(records[left], records[right], verdict.notes) });
    }
  }
  progress({ stage: 'score', done: pairs.length, total: pairs.length });

  const clusters = new Clusters(records);
  const joinedBy: Array<{ method: 'nhs-number' | 'probabilistic'; score: number } | undefined> = new Array(total);
  const noteJoin = (record: number, method: 'nhs-number' | 'probabilistic', score: number) => {
    const current = joinedBy[record];
    if (!current || (current.method !== 'nhs-number' && (method === 'nhs-number' || score > current.score)))
      joinedBy[record] = { method, score };
  };
  for (const pair of nhsLinks) {
    clusters.join(pairLeft(pair), pairRight(pair));
    noteJoin(pairLeft(pair), 'nhs-number', 1);
    noteJoin(pairRight(pair), 'nhs-number', 1);
  }
  links.sort((x, y) => y.probability - x.probability);
  for (let i = 0; i < links.length; i++) {
    if (i % 1_000_000 === 0) progress({ stage: 'cluster', done: i, total: links.length });
    const { pair, probability } = links[i];
    const [left, right] = [pairLeft(pair), pairRight(pair)];
    if (clusters.join(left, right)) {
      noteJoin(left, 'probabilistic', probability);
      noteJoin(right, 'probabilistic', probability);
    } else {
      reviewPairs.push({
        left,
        right,
        explanation: model.explain(records[left], records[right], ['cluster-contradiction', 'different-nhs-numbers']),
      });
    }
  }
  progress({ stage: 'cluster', done: links.length, total: links.length });

  const roots = new Set<number>();
  const sizes = new Map<number, number>();
  for (let i = 0; i < total; i++) {
    const root = clusters.root(i);
    roots.add(root);
    sizes.set(root, (sizes.get(root) ?? 0) + 1);
  }
  const assignments: LinkageAssignment[] = records.map((_, i) => {
    const root = clusters.root(i);
    const joined = joinedBy[i];
    const clusterId = `C${root + 1}`;
    if (!joined || sizes.get(root) === 1) return { clusterId, method: 'new', score: 0 };
    return { clusterId, method: joined.method, score: joined.score };
  });
  return {
    assignments,
    pairsCompared: pairs.length,
    pairsLinked: nhsLinks.length + links.length,
    reviewPairs,
    clusters: roots.size,
    model: parameters,
  };
}
