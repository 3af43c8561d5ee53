import { open, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';

import { SYSTEM_IDS, type SystemDirectory, type SystemId, type SystemRecord } from './system-record.types.js';

// The care record systems' demographics as one CSV extract, the kind an operator hands to
// `npm run link`: each system's own copy of each person, errors included, with the truth
// (person_id) alongside to score the linkage. PDS is left out: it is the national spine the hub
// traces against, not a care record source to be linked.

export const RECORDS_COLUMNS = [
  'system',
  'local_id',
  'person_id',
  'nhs_number',
  'given',
  'middle',
  'family',
  'sex',
  'birth_date',
  'address_line_1',
  'address_line_2',
  'city',
  'postcode',
] as const;

/** The systems whose records the extract holds: every care record source. */
export const EXTRACT_SYSTEMS = SYSTEM_IDS.filter((system): system is Exclude<SystemId, 'pds'> => system !== 'pds');

export interface RecordsExtractSummary {
  records: number;
  bySystem: Partial<Record<SystemId, number>>;
}

/** The extract's row for one record: address lines past the second join the second. */
export function recordsExtractRow(record: SystemRecord): string[] {
  const [first = '', ...rest] = record.address.lines;
  return [
    record.system,
    record.localId,
    record.personId,
    record.nhsNumber ?? '',
    record.given,
    record.middle ?? '',
    record.family,
    record.sex,
    record.birthDate,
    first,
    rest.join(', '),
    record.address.town,
    record.address.postcode,
  ];
}

/**
 * Writes every care record system's records as CSV to a temporary file and renames it into
 * place, so a reader never sees half a file and a failed run leaves nothing behind.
 */
export async function writeRecordsCsv(path: string, directories: Record<SystemId, SystemDirectory>): Promise<RecordsExtractSummary> {
  const temporary = `${path}.${process.pid}.partial`;
  const summary: RecordsExtractSummary = { records: 0, bySystem: {} };
  // Opened before streaming so that a missing folder is a plain rejection.
  const out = (await open(temporary, 'w')).createWriteStream({ encoding: 'utf8' });
  try {
    let chunk = `${RECORDS_COLUMNS.join(',')}\n`;
    for (const system of EXTRACT_SYSTEMS) {
      summary.bySystem[system] = directories[system].records.length;
      for (const record of directories[system].records) {
        summary.records += 1;
        chunk += `${recordsExtractRow(record).map(csvField).join(',')}\n`;
        if (chunk.length > 65_536) {
          if (!out.write(chunk)) await once(out, 'drain');
          chunk = '';
        }
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
  return summary;
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
