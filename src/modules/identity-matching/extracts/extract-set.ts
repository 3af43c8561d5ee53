import type { LinkageRecord } from '../domain/bulk-linkage.types.js';
import { ExtractInputError } from './extract-input-error.js';
import type { ExtractRecords } from './extract-reader.js';

/** Every input's records in input order, as one list for the linker. */
export interface ExtractSet {
  records: LinkageRecord[];
  /** The truth value per record ('' when blank); present when every input was read with a truth column. */
  truths?: string[];
}

/**
 * Joins the inputs' records in the order given, refusing two records with the same source and
 * local id: a links.csv row must name exactly one input record.
 */
export function combineExtracts(extracts: ExtractRecords[]): ExtractSet {
  const seen = new Map<string, { file: string; line: number }>();
  const records: LinkageRecord[] = [];
  const withTruth = extracts.length > 0 && extracts.every((extract) => extract.truths !== undefined);
  const truths: string[] = [];
  for (const extract of extracts) {
    extract.records.forEach((record, index) => {
      const key = `${record.source}\u0000${record.localId}`;
      const line = extract.lines[index]!;
      const first = seen.get(key);
      if (first) {
        throw new ExtractInputError(`duplicate record: the same source and local id as on ${first.file}:${first.line}`, extract.file, line);
      }
      seen.set(key, { file: extract.file, line });
      records.push(record);
    });
    if (withTruth) for (const truth of extract.truths!) truths.push(truth);
  }
  return withTruth ? { records, truths } : { records };
}
