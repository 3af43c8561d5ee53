import { z } from 'zod';

import { compileBirthDateFormat, type BirthDateFormat } from './birth-dates.js';
import { ExtractInputError } from './extract-input-error.js';

// The column map of `npm run link`: which column of the extracts holds each identity field.
// One map serves every input file; every field may be absent (it is then no evidence).

/** The identity fields a map may name, in the order docs/IDENTITY.md lists them. */
export const MAPPED_FIELDS = [
  'given',
  'middle',
  'family',
  'birthDate',
  'sex',
  'postcode',
  'addressLines',
  'city',
  'nhsNumber',
  'otherIdentifier',
] as const;
export type MappedField = (typeof MAPPED_FIELDS)[number];

/** The text columns: everything except the date of birth and the address lines. */
export type TextField = Exclude<MappedField, 'birthDate' | 'addressLines'>;

export interface BirthDateColumn {
  column: string;
  /** A compiled format, or `year-first` (ISO or YYYYMMDD) when the map names only the column. */
  format: BirthDateFormat | 'year-first';
}

export interface ExtractMap {
  /** The column holding each record's own id in its source; absent: the row's number in its file. */
  localId?: string;
  /** The column naming each record's source; absent: the input file's name without extension. */
  source?: string;
  delimiter: string;
  encoding: 'utf8' | 'latin1';
  text: Partial<Record<TextField, string>>;
  birthDate?: BirthDateColumn;
  addressLines?: string[];
}

const column = z.string().trim().min(1, 'must name a column');
const birthDate = z.union([
  column,
  z.strictObject({
    column,
    format: z.string().trim().min(1, 'must name a date format such as YYYYMMDD or DD/MM/YYYY'),
  }),
]);

const fieldsSchema = z.strictObject({
  given: column,
  middle: column,
  family: column,
  birthDate,
  sex: column,
  postcode: column,
  addressLines: z.union([column, z.array(column).min(1, 'must name at least one column')]),
  city: column,
  nhsNumber: column,
  otherIdentifier: column,
  // Accepted here too, for maps that keep every column under "fields".
  localId: column,
  source: column,
});

const mapSchema = z.strictObject({
  localId: column.optional(),
  source: column.optional(),
  delimiter: z.string().length(1, 'must be one character, e.g. "," or "|" or "\\t"').optional(),
  encoding: z.enum(['utf8', 'utf-8', 'latin1']).optional(),
  fields: fieldsSchema.partial(),
});

/**
 * Reads a map from its JSON text. Every problem found is in the error, one per line, each
 * naming the map key (`fields.birthDate.format: ...`), so one run shows everything to fix.
 */
export function parseExtractMap(text: string, mapFile: string): ExtractMap {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ExtractInputError(`not valid JSON (${(error as Error).message})`, mapFile);
  }
  const parsed = mapSchema.safeParse(json);
  if (!parsed.success) {
    throw new ExtractInputError(parsed.error.issues.map(describeIssue).join('; '), mapFile);
  }
  const { fields, ...top } = parsed.data;
  const problems: string[] = [];
  if (top.localId && fields.localId) problems.push('localId: given both at the top and under "fields"; keep one');
  if (top.source && fields.source) problems.push('source: given both at the top and under "fields"; keep one');

  const map: ExtractMap = {
    delimiter: top.delimiter ?? ',',
    encoding: top.encoding === 'latin1' ? 'latin1' : 'utf8',
    text: {},
  };
  const localId = top.localId ?? fields.localId;
  const source = top.source ?? fields.source;
  if (localId) map.localId = localId;
  if (source) map.source = source;
  for (const field of MAPPED_FIELDS) {
    if (field === 'birthDate' || field === 'addressLines') continue;
    const name = fields[field];
    if (name) map.text[field] = name;
  }
  if (fields.addressLines) map.addressLines = typeof fields.addressLines === 'string' ? [fields.addressLines] : fields.addressLines;
  if (fields.birthDate) {
    if (typeof fields.birthDate === 'string') {
      map.birthDate = { column: fields.birthDate, format: 'year-first' };
    } else {
      const format = compileBirthDateFormat(fields.birthDate.format);
      if (typeof format === 'string') problems.push(`fields.birthDate.format: ${format}`);
      else map.birthDate = { column: fields.birthDate.column, format };
    }
  }
  if (!MAPPED_FIELDS.some((field) => fields[field] !== undefined)) {
    problems.push(`fields: names no identity field to match on (any of ${MAPPED_FIELDS.join(', ')})`);
  }
  if (problems.length > 0) throw new ExtractInputError(problems.join('; '), mapFile);
  return map;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index ? '.' : ''}${String(part)}`)).join('');
  const where = key || 'the map';
  if (issue.code === 'unrecognized_keys') {
    const known = key === 'fields' ? [...MAPPED_FIELDS, 'localId', 'source'] : ['localId', 'source', 'fields', 'delimiter', 'encoding'];
    return `${where}: unknown key ${issue.keys.map((name) => `'${name}'`).join(', ')} (known: ${known.join(', ')})`;
  }
  if (issue.code === 'invalid_type' && issue.path.length === 0) return 'the map must be a JSON object';
  if (issue.code === 'invalid_type' && key === 'fields') return 'fields: required, an object naming the column of each identity field';
  if (issue.code === 'invalid_union' && key === 'fields.birthDate') {
    return 'fields.birthDate: a column name, or {"column": "...", "format": "YYYYMMDD"}';
  }
  if (issue.code === 'invalid_union' && key === 'fields.addressLines')
    return 'fields.addressLines: a column name or a list of column names';
  if (issue.code === 'invalid_value' && key === 'encoding') return "encoding: 'utf8' or 'latin1'";
  if (issue.code === 'invalid_type')
    return `${where}: must be ${issue.expected === 'string' ? 'a column name (a string)' : `a ${issue.expected}`}`;
  return `${where}: ${issue.message}`;
}
