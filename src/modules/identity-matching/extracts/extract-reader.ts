import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, extname } from 'node:path';

import { parse, CsvError, type Options } from 'csv-parse';

import type { LinkageRecord } from '../domain/bulk-linkage.types.js';
import type { IdentityFields } from '../domain/identity-fields.js';
import { parseBirthDate } from './birth-dates.js';
import { ExtractInputError } from './extract-input-error.js';
import type { BirthDateColumn, ExtractMap, TextField } from './extract-map.js';

// Reads one CSV extract into linkage records with csv-parse, forgiving what real extracts do
// (a byte order mark, CRLF or LF, padded headers and values, blank fields, a stray quote inside
// a value) and refusing what makes a row unreadable (a wrong number of fields, a quote that
// never closes), naming the file and line.

/** One extract read: its records in file order, with the line each starts on. */
export interface ExtractRecords {
  file: string;
  records: LinkageRecord[];
  lines: number[];
  /** The truth column's value per record ('' when blank); present when a truth column was asked for. */
  truths?: string[];
  /** Dates of birth that fit no format or no calendar, left blank for their records. */
  badBirthDates: number;
  firstBadBirthDateLine?: number;
  /** Rows whose source column was blank, given the file's name as source. */
  blankSources: number;
  /** Rows with every field blank (trailing separators from a spreadsheet), skipped. */
  blankRows: number;
}

export interface ReadExtractOptions {
  /** A column holding the true entity, kept beside each record to score the linkage. */
  truthColumn?: string;
  /** Called every 50,000 records with the count so far. */
  onProgress?: (records: number) => void;
}

type ColumnIndexes = {
  localId?: number;
  source?: number;
  truth?: number;
  text: [TextField, number][];
  birthDate?: { index: number; format: BirthDateColumn['format'] };
  addressLines: number[];
};

/** The source a record gets when the map names no source column: the file's name without extension. */
export function defaultSourceOf(file: string): string {
  return basename(file, extname(file));
}

export async function readExtract(file: string, map: ExtractMap, options: ReadExtractOptions = {}): Promise<ExtractRecords> {
  const handle = await open(file).catch((error: NodeJS.ErrnoException) => {
    throw new ExtractInputError(`cannot read the file (${readProblem(error)})`, file);
  });
  const input = handle.createReadStream({ highWaterMark: 1 << 20 });
  const parser = input.pipe(parse(parserOptions(map)));
  const result: ExtractRecords = { file, records: [], lines: [], badBirthDates: 0, blankSources: 0, blankRows: 0 };
  const fallbackSource = defaultSourceOf(file);
  let header: string[] | undefined;
  let columns: ColumnIndexes | undefined;
  // Lines are counted here rather than asked of csv-parse (its per-record info costs a third of
  // the reading time): every record is one line plus the line breaks inside its quoted values,
  // and empty lines come through as records of one blank field.
  let nextLine = 1;

  const take = (row: string[]) => {
    const line = nextLine;
    nextLine += 1 + embeddedLineBreaks(row);
    if (!header) {
      if (row.length === 1 && row[0] === '') return;
      header = row;
      columns = resolveColumns(row, map, file, options.truthColumn);
      if (options.truthColumn !== undefined) result.truths = [];
      return;
    }
    if (row.length === 1 && row[0] === '') return;
    if (row.length !== header.length)
      throw new ExtractInputError(`malformed row: ${row.length} fields where the header has ${header.length}`, file, line);
    const at = columns!;
    let blank = true;
    for (const value of row) if (value !== '') blank = false;
    if (blank) {
      result.blankRows += 1;
      return;
    }
    const fields: IdentityFields = {};
    for (const [field, index] of at.text) {
      const value = row[index]!;
      if (value !== '') fields[field] = value;
    }
    if (at.birthDate) {
      const value = row[at.birthDate.index]!;
      if (value !== '') {
        const date = parseBirthDate(value, at.birthDate.format);
        if (date) fields.birthDate = date;
        else if (result.badBirthDates++ === 0) result.firstBadBirthDateLine = line;
      }
    }
    if (at.addressLines.length > 0) {
      const lines: string[] = [];
      for (const index of at.addressLines) if (row[index] !== '') lines.push(row[index]!);
      if (lines.length > 0) fields.addressLines = lines;
    }
    let localId = String(line);
    if (at.localId !== undefined) {
      localId = row[at.localId]!;
      if (localId === '') throw new ExtractInputError(`the local id (column '${map.localId}') is blank`, file, line);
    }
    let source = fallbackSource;
    if (at.source !== undefined) {
      source = row[at.source]!;
      if (source === '') {
        source = fallbackSource;
        result.blankSources += 1;
      }
    }
    result.records.push({ source, localId, fields });
    result.lines.push(line);
    if (at.truth !== undefined) result.truths!.push(row[at.truth]!);
    if (options.onProgress && result.records.length % 50_000 === 0) options.onProgress(result.records.length);
  };

  try {
    // Records are taken in synchronous batches as they become readable: awaiting each one
    // (for await) costs more than parsing it.
    await new Promise<void>((resolvePromise, reject) => {
      parser.on('readable', () => {
        try {
          let row: string[] | null;
          while ((row = parser.read() as string[] | null) !== null) take(row);
        } catch (error) {
          parser.destroy();
          reject(error as Error);
        }
      });
      parser.once('error', reject);
      parser.once('end', resolvePromise);
      // A pipe does not pass a read error on (a folder given as a file fails only here).
      input.once('error', (error: NodeJS.ErrnoException) => {
        parser.destroy();
        reject(new ExtractInputError(`cannot read the file (${readProblem(error)})`, file));
      });
    });
  } catch (error) {
    if (error instanceof CsvError) throw await malformed(error, file, map);
    throw error;
  } finally {
    await handle.close();
  }
  if (!header) throw new ExtractInputError('the file is empty: it has no header row', file);
  return result;
}

function parserOptions(map: ExtractMap): Options {
  return {
    bom: true,
    trim: true,
    delimiter: map.delimiter,
    encoding: map.encoding,
    // Named, not detected: csv-parse detects one ending from the first line, and a file that
    // mixes CRLF and LF (appended to by another tool) would otherwise run rows together.
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_quotes: true,
    // The field count is checked here, against the header, to name the line exactly.
    relax_column_count: true,
  };
}

/** Where each mapped column is in this file's header, or an error naming the map key and column. */
function resolveColumns(header: string[], map: ExtractMap, file: string, truthColumn: string | undefined): ColumnIndexes {
  const problems: string[] = [];
  const find = (key: string, name: string): number => {
    let matches = indexesOf(header, (column) => column === name);
    // Headers are often re-cased by whoever exported them (DOB, Dob); accept that when unambiguous.
    if (matches.length === 0) matches = indexesOf(header, (column) => column.toLowerCase() === name.toLowerCase());
    if (matches.length === 1) return matches[0]!;
    if (matches.length === 0) problems.push(`${key} names column '${name}', which the header does not have`);
    else
      problems.push(
        `${key} names column '${name}', which the header has ${matches.length} times (columns ${matches.map((i) => i + 1).join(', ')})`,
      );
    return -1;
  };
  const columns: ColumnIndexes = { text: [], addressLines: [] };
  if (map.localId) columns.localId = find('localId', map.localId);
  if (map.source) columns.source = find('source', map.source);
  if (truthColumn !== undefined) columns.truth = find('--truth', truthColumn);
  for (const [field, name] of Object.entries(map.text) as [TextField, string][]) columns.text.push([field, find(`fields.${field}`, name)]);
  if (map.birthDate) {
    const key = map.birthDate.format === 'year-first' ? 'fields.birthDate' : 'fields.birthDate.column';
    columns.birthDate = { index: find(key, map.birthDate.column), format: map.birthDate.format };
  }
  const many = (map.addressLines?.length ?? 0) > 1;
  map.addressLines?.forEach((name, index) =>
    columns.addressLines.push(find(many ? `fields.addressLines[${index}]` : 'fields.addressLines', name)),
  );
  if (problems.length > 0) {
    const shown = header.length > 30 ? `${header.slice(0, 30).join(', ')}, ...` : header.join(', ');
    throw new ExtractInputError(`${problems.join('; ')} (its columns: ${shown})`, file, 1);
  }
  return columns;
}

function indexesOf(header: string[], predicate: (column: string) => boolean): number[] {
  const indexes: number[] = [];
  header.forEach((column, index) => predicate(column) && indexes.push(index));
  return indexes;
}

function embeddedLineBreaks(row: string[]): number {
  let count = 0;
  for (const value of row) {
    if (!value.includes('\n') && !value.includes('\r')) continue;
    count += value.split(/\r\n|\r|\n/).length - 1;
  }
  return count;
}

/** csv-parse's complaint as a reason an operator can act on, at the line where the bad record starts. */
async function malformed(error: CsvError, file: string, map: ExtractMap): Promise<ExtractInputError> {
  const at = (error as CsvError & { lines?: number }).lines;
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      // Found only at the end of the file: read it again to find where the last good record ended.
      return new ExtractInputError(
        'malformed row: a quoted field opened in this row is never closed',
        file,
        (await lastRecordEnd(file, map)) + 1,
      );
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return new ExtractInputError('malformed row: text follows the closing quote of a quoted field', file, at);
    default:
      // csv-parse's message may quote the value after a colon; only its kind is kept.
      return new ExtractInputError(`malformed CSV: ${error.message.replace(/:.*$/s, '')}`, file, at);
  }
}

/** The line the last complete record of a file ends on (slow path, for an error message). */
async function lastRecordEnd(file: string, map: ExtractMap): Promise<number> {
  let last = 0;
  const parser = createReadStream(file).pipe(
    parse({
      ...parserOptions(map),
      on_record: (record, context) => {
        last = context.lines;
        return record;
      },
    }),
  );
  await new Promise<void>((resolvePromise) => {
    parser.on('readable', () => {
      while (parser.read() !== null);
    });
    parser.once('error', () => resolvePromise());
    parser.once('end', resolvePromise);
  });
  return last;
}

function readProblem(error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT') return 'no such file';
  if (error.code === 'EACCES') return 'permission denied';
  if (error.code === 'EISDIR') return 'it is a folder';
  return error.code ?? error.message;
}
