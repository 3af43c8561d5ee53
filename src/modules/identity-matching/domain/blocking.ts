import type { MatchRecord } from './normalise.js';
import { phonetic } from './normalise.js';
import { encodePair, MAX_RECORDS } from './pair-encoding.js';

/** Birth date with day and month in order, so a day/month swap lands in the same block. */
function birthDateKey(date: string): string {
  const [month, day] = [date.slice(5, 7), date.slice(8, 10)];
  return date.slice(0, 4) + (month < day ? month + day : day + month);
}

/**
 * The blocking keys of a record: two records are compared only when they share one. Each rule
 * tolerates the errors the others cannot (a typo in the birth date, a new surname after marriage,
 * a move, names keyed the wrong way round), and each is narrow enough that a block stays small.
 * The index stores these keys (a GIN-indexed array) so a real-time match reads its candidates
 * with index look-ups; the bulk linker hashes the same keys. Names are compared by their
 * Double Metaphone codes so spelling variants share a block.
 */
export function blockingKeys(record: MatchRecord): string[] {
  const keys = new Set<string>();
  if (record.n) keys.add(`n:${record.n}`);
  if (record.o) keys.add(`o:${record.o}`);
  const given = record.gc ? phonetic(record.gc) : undefined;
  const family = record.f ? phonetic(record.f) : undefined;
  const born = record.d ? birthDateKey(record.d) : undefined;
  if (born && given) keys.add(`dg:${born}:${given}`);
  if (born && family) keys.add(`df:${born}:${family}`);
  if (born && record.fp) for (const part of record.fp) keys.add(`df:${born}:${phonetic(part)}`);
  if (given && family) {
    // Both names (in either order) with part of the birth date, or with the place: a birth date
    // wrong in one part, or wrong throughout.
    const names = given < family ? `${given}|${family}` : `${family}|${given}`;
    if (record.d) {
      keys.add(`ny:${names}:${record.d.slice(0, 4)}`);
      keys.add(`nm:${names}:${born!.slice(4)}`);
    }
    const place = record.p ?? record.c;
    if (place) keys.add(`gs:${names}:${place}`);
  }
  // A misspelt name at the same address: the other name, an initial and the postcode.
  if (family && record.p) keys.add(`fp:${family}:${record.g?.[0] ?? ''}:${record.p}`);
  // A new surname (marriage) with a birth date wrong too: the given name at the same postcode.
  if (given && record.p) keys.add(`gp:${given}:${record.p}`);
  if (born && record.p) keys.add(`pb:${record.p}:${born}`);
  return [...keys];
}

/** A key shared by more records than this says little (a common name with no date) and is skipped. */
export const MAX_BLOCK_SIZE = 150;
const HASH_BITS = 27;

/** 32-bit FNV-1a, cut to HASH_BITS: a collision only adds a candidate pair, never loses one. */
function hashKey(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) & ((1 << HASH_BITS) - 1);
}

/** A growable Float64Array. */
class PairBuffer {
  private buffer = new Float64Array(1 << 16);
  length = 0;
  push(value: number): void {
    if (this.length === this.buffer.length) {
      const bigger = new Float64Array(this.buffer.length * 2);
      bigger.set(this.buffer);
      this.buffer = bigger;
    }
    this.buffer[this.length++] = value;
  }
  /** Sorted, without repeats. */
  unique(): Float64Array {
    const sorted = this.buffer.subarray(0, this.length).sort();
    let out = 0;
    for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[out - 1]) sorted[out++] = sorted[i];
    return sorted.slice(0, out);
  }
}

/** Candidate pairs: records that share a blocking key, found by sorting (key hash, record) entries. */
export function candidatePairs(records: MatchRecord[], progress?: (done: number) => void, rules?: readonly string[]): Float64Array {
  const entries = new PairBuffer();
  for (let i = 0; i < records.length; i++) {
    for (const key of blockingKeys(records[i]))
      if (!rules || rules.includes(key.slice(0, key.indexOf(':')))) entries.push(hashKey(key) * MAX_RECORDS + i);
    if (progress && i % 100_000 === 0) progress(i);
  }
  const sorted = entries.unique();
  const pairs = new PairBuffer();
  let start = 0;
  for (let end = 1; end <= sorted.length; end++) {
    if (end < sorted.length && Math.floor(sorted[end] / MAX_RECORDS) === Math.floor(sorted[start] / MAX_RECORDS)) continue;
    const size = end - start;
    if (size >= 2 && size <= MAX_BLOCK_SIZE) {
      for (let x = start; x < end; x++)
        for (let y = x + 1; y < end; y++) pairs.push(encodePair(sorted[x] % MAX_RECORDS, sorted[y] % MAX_RECORDS));
    }
    start = end;
  }
  return pairs.unique();
}
