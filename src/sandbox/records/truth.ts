import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';

import { SYSTEM_IDS, type SystemDirectory, type SystemId } from './system-record.types.js';

/** The truth file's columns: one row per record in any system, naming the person it is of. */
export const TRUTH_COLUMNS = ['system', 'local_id', 'person_id', 'duplicate_of', 'nhs_number', 'errors'] as const;

export interface TruthSummary {
  records: number;
  people: number;
  bySystem: Record<SystemId, number>;
}

/**
 * Writes the truth as CSV to a temporary file and renames it into place, so a reader never
 * sees half a file and a failed run leaves nothing behind.
 */
export async function writeTruthCsv(path: string, directories: Record<SystemId, SystemDirectory>): Promise<TruthSummary> {
  const temporary = `${path}.${process.pid}.partial`;
  const out = createWriteStream(temporary, { encoding: 'utf8' });
  const people = new Set<string>();
  const bySystem = {} as Record<SystemId, number>;
  let records = 0;
  try {
    await write(out, `${TRUTH_COLUMNS.join(',')}\n`);
    for (const system of SYSTEM_IDS) {
      bySystem[system] = directories[system].records.length;
      for (const record of directories[system].records) {
        people.add(record.personId);
        records += 1;
        const row = [system, record.localId, record.personId, record.duplicateOf ?? '', record.nhsNumber ?? '', record.errors.join(';')];
        await write(out, `${row.map(csvField).join(',')}\n`);
      }
    }
    out.end();
    await once(out, 'finish');
    await rename(temporary, path);
  } catch (error) {
    out.destroy();
    await rm(temporary, { force: true });
    throw error;
  }
  return { records, people: people.size, bySystem };
}

async function write(out: NodeJS.WritableStream, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
