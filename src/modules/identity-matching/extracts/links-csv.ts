import { open, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';

import type { LinkageAssignment, LinkageRecord } from '../domain/bulk-linkage.types.js';

/** links.csv's columns; `truth` follows when the run was given a truth column. */
export const LINKS_COLUMNS = ['source', 'local_id', 'cluster_id', 'method', 'score'] as const;

/**
 * Writes one row per input record, in input order, to a temporary file renamed into place, so
 * a reader never sees half a file and a failed write leaves none behind.
 */
export async function writeLinksCsv(
  path: string,
  records: readonly LinkageRecord[],
  assignments: readonly LinkageAssignment[],
  truths?: readonly string[],
): Promise<void> {
  if (assignments.length !== records.length) {
    throw new Error(`the linker assigned ${assignments.length} records of ${records.length}`);
  }
  const temporary = partialLinksPath(path);
  // Opened before streaming so that a missing folder or a read-only one is a plain rejection.
  const out = (await open(temporary, 'w')).createWriteStream({ encoding: 'utf8' });
  try {
    const header = truths ? [...LINKS_COLUMNS, 'truth'] : [...LINKS_COLUMNS];
    let chunk = `${header.join(',')}\n`;
    for (let index = 0; index < records.length; index++) {
      const record = records[index]!;
      const assignment = assignments[index]!;
      chunk += `${csvField(record.source)},${csvField(record.localId)},${csvField(assignment.clusterId)},${assignment.method},${assignment.score.toFixed(4)}`;
      chunk += truths ? `,${csvField(truths[index]!)}\n` : '\n';
      // Writing in chunks of about 64 KB keeps a million rows to a few seconds.
      if (chunk.length > 65_536) {
        if (!out.write(chunk)) await once(out, 'drain');
        chunk = '';
      }
    }
    out.end(chunk);
    await once(out, 'finish');
    await rename(temporary, path);
  } catch (error) {
    out.destroy();
    await rm(temporary, { force: true });
    throw error;
  }
}

/** The temporary name a write to `path` uses, for a caller that must clean up after a signal. */
export function partialLinksPath(path: string): string {
  return `${path}.${process.pid}.partial`;
}

function csvField(value: string): string {
  // Quoted when it holds a separator, a quote or a line break, or would lose padding to a trimming reader.
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
