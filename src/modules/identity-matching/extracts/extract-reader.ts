import { open } from 'node:fs/promises';
import { basename, extname } from 'node:path';

import { parse, CsvError } from 'csv-parse';

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
  const parser = handle.createReadStream().pipe(
    parse({
      bom: true,
      trim: true,
      delimiter: map.delimiter,
      encoding: map.encoding,
      skip_empty_lines: true,
      relax_quotes: true,
      info: true,
    }),
  );
  const result: ExtractRecords = { file, records: [], lines: [], badBirthDates: 0, blankSources: 0, blankRows: 0 };
  const fallbackSource = defaultSourceOf(file);
  let columns: ColumnIndexes | undefined;
  let lastLine = 0;
  try {
    for await (const { record: row, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      // A quoted value may span lines; the record starts where its first line is.
      const line = info.lines - embeddedLineBreaks(row);
      lastLine = info.lines;
      if (!columns) {
        columns = resolveColumns(row, map, file, options.truthColumn);
        if (options.truthColumn !== undefined) result.truths = [];
        continue;
      }
      if (row.every((value) => value === '')) {
        result.blankRows += 1;
        continue;
      }
      const fields: IdentityFields = {};
      for (const [field, index] of columns.text) {
        const value = row[index]!;
        if (value !== '') fields[field] = value;
      }
      if (columns.birthDate) {
        const value = row[columns.birthDate.index]!;
        if (value !== '') {
          const date = parseBirthDate(value, columns.birthDate.format);
          if (date) fields.birthDate = date;
          else if (result.badBirthDates++ === 0) result.firstBadBirthDateLine = line;
        }
      }
      if (columns.addressLines.length > 0) {
        const lines = columns.addressLines.map((index) => row[index]!).filter((value) => value !== '');
        if (lines.length > 0) fields.addressLines = lines;
      }
      let localId = String(line);
      if (columns.localId !== undefined) {
        localId = row[columns.localId]!;
        if (localId === '') throw new ExtractInputError(`the local id (column '${map.localId}') is blank`, file, line);
      }
      let source = fallbackSource;
      if (columns.source !== undefined) {
        source = row[columns.source]!;
        if (source === '') {
          source = fallbackSource;
          result.blankSources += 1;
        }
      }
      result.records.push({ source, localId, fields });
      result.lines.push(line);
      if (columns.truth !== undefined) result.truths!.push(row[columns.truth]!);
      if (options.onProgress && result.records.length % 50_000 === 0) options.onProgress(result.records.length);
    }
  } catch (error) {
    if (error instanceof CsvError) throw malformed(error, file, lastLine);
    throw error;
  } finally {
    await handle.close();
  }
  if (!columns) throw new ExtractInputError('the file is empty: it has no header row', file);
  return result;
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

// csv-parse counts a CR and an LF inside a quoted value as a line each, so they are counted
// the same way here to find the line a record starts on.
function embeddedLineBreaks(row: string[]): number {
  let count = 0;
  for (const value of row) {
    if (!value.includes('\n') && !value.includes('\r')) continue;
    for (const character of value) if (character === '\n' || character === '\r') count += 1;
  }
  return count;
}

/** csv-parse's complaint as a reason an operator can act on, at the line where the bad record starts. */
function malformed(error: CsvError, file: string, lastGoodLine: number): ExtractInputError {
  const at = (error as CsvError & { lines?: number }).lines;
  switch (error.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH': {
      const [, expected, got] = /expect (\d+), got (\d+)/.exec(error.message) ?? [];
      return new ExtractInputError(
        `malformed row: ${got ?? 'a different number of'} fields where the header has ${expected ?? 'another number'}`,
        file,
        at,
      );
    }
    case 'CSV_QUOTE_NOT_CLOSED':
      return new ExtractInputError('malformed row: a quoted field opened in this row is never closed', file, lastGoodLine + 1);
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return new ExtractInputError('malformed row: text follows the closing quote of a quoted field', file, at);
    default:
      return new ExtractInputError(`malformed CSV: ${error.message.replace(/:.*$/, '')}`, file, at);
  }
}

function readProblem(error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT') return 'no such file';
  if (error.code === 'EACCES') return 'permission denied';
  if (error.code === 'EISDIR') return 'it is a folder';
  return error.code ?? error.message;
}
