import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { pairMetrics } from './pair-metrics.js';

const fixtures = resolve(process.cwd(), '../shared/fixtures/identity');

/** The same counts by listing every pair, for checking the contingency-table shortcut. */
function countPairsByListing(predicted: string[], truth: (string | undefined)[]) {
  let predictedPairs = 0;
  let truePairs = 0;
  let truePositives = 0;
  for (let i = 0; i < predicted.length; i++) {
    for (let j = i + 1; j < predicted.length; j++) {
      const together = predicted[i] === predicted[j];
      const same = truth[i] !== undefined && truth[i] !== '' && truth[i] === truth[j];
      if (together) predictedPairs++;
      if (same) truePairs++;
      if (together && same) truePositives++;
    }
  }
  return { predictedPairs, truePairs, truePositives };
}

describe('pair precision, recall and F1', () => {
  it('scores a small linkage as counting its pairs by hand does', () => {
    // Truth: {a1,a2,a3} {b1,b2} {c1}. Predicted: {a1,a2} {a3,b1,b2} {c1}.
    const truth = ['A', 'A', 'A', 'B', 'B', 'C'];
    const predicted = ['1', '1', '2', '2', '2', '3'];
    const metrics = pairMetrics(predicted, truth);
    // Predicted pairs: 1 + 3 = 4; true pairs: 3 + 1 = 4; both: (a1,a2) and (b1,b2) = 2.
    expect(metrics).toMatchObject({ records: 6, predictedPairs: 4, truePairs: 4, truePositives: 2, falsePositives: 2, falseNegatives: 2 });
    expect(metrics.precision).toBeCloseTo(0.5, 10);
    expect(metrics.recall).toBeCloseTo(0.5, 10);
    expect(metrics.f1).toBeCloseTo(0.5, 10);
  });

  it('gives 1, 1, 1 for a perfect linkage and counts nothing wrong', () => {
    const truth = ['x', 'y', 'x', 'z', 'y', 'x'];
    const predicted = ['c9', 'c2', 'c9', 'c4', 'c2', 'c9'];
    expect(pairMetrics(predicted, truth)).toMatchObject({
      precision: 1,
      recall: 1,
      f1: 1,
      falsePositives: 0,
      falseNegatives: 0,
      truePairs: 4,
    });
  });

  it('treats every record with a blank truth as a person of its own', () => {
    const truth = ['', '', undefined, 'p', 'p'];
    const predicted = ['k', 'k', 'k', 'm', 'm'];
    // The blank-truth records were linked to each other: three wrong pairs, no missed ones.
    expect(pairMetrics(predicted, truth)).toMatchObject({
      truePairs: 1,
      predictedPairs: 4,
      truePositives: 1,
      falsePositives: 3,
      falseNegatives: 0,
    });
  });

  it('calls a linkage that links nothing perfectly precise but finding none of the true pairs', () => {
    const metrics = pairMetrics(['1', '2', '3'], ['a', 'a', 'b']);
    expect(metrics).toMatchObject({ precision: 1, recall: 0, f1: 0, falseNegatives: 1 });
  });

  it('agrees with listing every pair on random linkages', () => {
    let state = 12_345;
    const next = (bound: number) => {
      state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
      return state % bound;
    };
    for (let round = 0; round < 25; round++) {
      const size = 50 + next(150);
      const truth = Array.from({ length: size }, () => (next(10) === 0 ? '' : `t${next(40)}`));
      const predicted = truth.map((entity) => (next(4) === 0 ? `p${next(60)}` : `q${entity}`));
      const metrics = pairMetrics(predicted, truth);
      expect(metrics).toMatchObject(countPairsByListing(predicted, truth));
    }
  });

  it('finds the 6,538 true pairs of FEBRL dataset 3 and the 2,031 of fake_1000 that their README counts', () => {
    const febrl = readFileSync(resolve(fixtures, 'febrl_dataset3.csv'), 'utf8').trim().split('\n').slice(1);
    const febrlTruth = febrl.map((line) => /^rec-(\d+)-/.exec(line)![1]!);
    expect(pairMetrics(febrlTruth, febrlTruth).truePairs).toBe(6_538);

    const fake = readFileSync(resolve(fixtures, 'fake_1000.csv'), 'utf8').trim().split('\n').slice(1);
    const fakeTruth = fake.map((line) => line.split(',').at(-1)!.trim());
    const everyoneAlone = fakeTruth.map((_, index) => String(index));
    expect(pairMetrics(everyoneAlone, fakeTruth)).toMatchObject({ truePairs: 2_031, falseNegatives: 2_031, recall: 0 });
  });

  it('scores a million records exactly', () => {
    const size = 1_000_000;
    const truth = Array.from({ length: size }, (_, index) => `P${Math.floor(index / 3)}`);
    const predicted = Array.from({ length: size }, (_, index) => `C${Math.floor(index / 3) + (index % 3 === 2 ? size : 0)}`);
    // How fast is the benchmark's business (npm run bench:identity), not a test's: machines are shared.
    const metrics = pairMetrics(predicted, truth);
    // 333,333 people with three records (3 pairs each) and one with a single record. Each
    // person's third record was left in a cluster of its own: 1 pair of their 3 was found.
    expect(metrics).toMatchObject({ truePairs: 999_999, truePositives: 333_333, falsePositives: 0, precision: 1 });
    expect(metrics.recall).toBeCloseTo(1 / 3, 10);
  });
});
