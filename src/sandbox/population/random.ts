import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/** A weighted choice table: pairs of value and relative weight. */
export type Weighted<T> = ReadonlyArray<readonly [T, number]>;

/**
 * The sandbox's only source of randomness. Everything it makes is a pure function of a seed,
 * so a population, a person's history and each system's copy of them are reproducible.
 */
export class SeededRandom {
  private readonly generator: RandomGenerator;

  constructor(seed: number) {
    // xoroshiro's first outputs follow its seed closely; mix the seed and skip a few draws so
    // streams from neighbouring seeds (person n and n + 1) are unrelated from the first draw.
    this.generator = xoroshiro128plus(mix32(seed | 0));
    for (let draw = 0; draw < 4; draw++) this.generator.next();
  }

  /** An independent stream for one named purpose, so adding draws in one place never shifts another. */
  static derive(seed: number, ...parts: Array<string | number>): SeededRandom {
    return new SeededRandom(hashSeed(seed, ...parts));
  }

  /** Integer in [min, max], both included. */
  int(min: number, max: number): number {
    return uniformInt(this.generator, min, max);
  }

  /** Float in [0, 1). */
  float(): number {
    return uniformInt(this.generator, 0, 0x7fffffff) / 0x80000000;
  }

  chance(probability: number): boolean {
    return probability > 0 && this.float() < probability;
  }

  pick<T>(values: readonly T[]): T {
    if (values.length === 0) throw new Error('cannot pick from an empty list');
    return values[this.int(0, values.length - 1)] as T;
  }

  weighted<T>(table: Weighted<T> | WeightedTable<T>): T {
    return (table instanceof WeightedTable ? table : new WeightedTable(table)).draw(this);
  }

  /** Normally distributed value (Box-Muller), for physiological measurements. */
  normal(mean: number, sd: number): number {
    const u = 1 - this.float();
    const v = this.float();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Normal value clamped to [min, max] and rounded to `decimals`. */
  measurement(mean: number, sd: number, min: number, max: number, decimals = 0): number {
    const value = Math.min(max, Math.max(min, this.normal(mean, sd)));
    const factor = 10 ** decimals;
    return Math.round(value * factor) / factor;
  }
}

/** A weighted table prepared once (cumulative weights), for draws in hot loops. */
export class WeightedTable<T> {
  private readonly values: T[];
  private readonly cumulative: number[];
  private readonly total: number;

  constructor(table: Weighted<T>) {
    this.values = table.map(([value]) => value);
    let running = 0;
    this.cumulative = table.map(([, weight]) => (running += weight));
    this.total = running;
    if (this.values.length === 0 || this.total <= 0) throw new Error('a weighted table needs at least one positive weight');
  }

  draw(random: SeededRandom): T {
    const target = random.float() * this.total;
    let low = 0;
    let high = this.cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.cumulative[middle] as number) > target) high = middle;
      else low = middle + 1;
    }
    return this.values[low] as T;
  }
}

/** FNV-1a over the parts: a stable 32-bit seed for a derived stream. */
export function hashSeed(seed: number, ...parts: Array<string | number>): number {
  let hash = 0x811c9dc5 ^ (seed | 0);
  for (const part of parts) {
    const text = `|${part}`;
    for (let index = 0; index < text.length; index++) {
      hash ^= text.charCodeAt(index);
      hash = Math.imul(hash, 0x01000193);
    }
  }
  return mix32(hash);
}

/** MurmurHash3's finaliser: every input bit affects every output bit. */
function mix32(value: number): number {
  let hash = value | 0;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash | 0;
}
