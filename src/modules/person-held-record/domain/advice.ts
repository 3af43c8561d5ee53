import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

import { isValidConceptId } from './snomed-ct.js';

// Well-being and condition information chosen by a person's coded conditions. The hub ships a
// small library (config/advice/*.json); operators extend it by adding files in folders of their
// own. Files are checked at start, every problem named with its file and key, so a typo in a
// code never quietly hides advice from the people it is for.
//
// An entry says which conditions it is for in an ECL-like form: `44054006 |Type 2 diabetes|`
// (that concept), `<< 44054006` (it or any descendant), `< 44054006` (descendants only). The hub
// holds no SNOMED CT hierarchy yet, so `<` and `<<` reach descendants only through a subsumption
// check passed in; until then the shipped files also list common descendants outright.

export const ADVICE_TOPICS = [
  'diet',
  'activity',
  'living-with',
  'mental-wellbeing',
  'smoking',
  'alcohol',
  'medicines',
  'monitoring',
  'getting-help',
] as const;
export type AdviceTopic = (typeof ADVICE_TOPICS)[number];

export type ConditionMatch = 'self' | 'descendant-or-self' | 'descendant';

export interface AdviceConditionRule {
  match: ConditionMatch;
  code: string;
  /** The term between the bars, when the file gave one. */
  display?: string;
}

export interface AdviceEntry {
  id: string;
  title: string;
  summary: string;
  paragraphs: string[];
  topics: AdviceTopic[];
  /** Empty for entries meant for everyone. */
  conditions: AdviceConditionRule[];
  forEveryone: boolean;
}

/** Whether `code` is a descendant of `ancestor` (strictly below it), from a terminology service. */
export type SubsumptionCheck = (ancestor: string, code: string) => boolean;

export class AdviceLibraryError extends Error {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(problems.length ? `${message}:\n${problems.map((problem) => `  ${problem}`).join('\n')}` : message);
    this.name = 'AdviceLibraryError';
  }
}

const ECL_LIKE = /^\s*(<<|<)?\s*(\d+)\s*(?:\|\s*([^|]*?)\s*\|)?\s*$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F]/;

const text = (max: number) =>
  z
    .string()
    .refine((value) => value.trim().length > 0, { message: 'must not be empty' })
    .refine((value) => value.length <= max, { message: `must be at most ${max} characters` })
    .refine((value) => !CONTROL_CHARACTERS.test(value), { message: 'must not contain control characters' });

const conditionRule = z.string().superRefine((value, context) => {
  const match = ECL_LIKE.exec(value);
  if (!match) {
    context.addIssue({ code: 'custom', message: 'must be a SNOMED CT concept id, optionally after << or < and before |term|' });
    return;
  }
  if (!isValidConceptId(match[2])) context.addIssue({ code: 'custom', message: `${match[2]} is not a valid SNOMED CT concept id` });
});

const entrySchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lower-case letters and digits joined by single hyphens')
      .max(80, 'must be at most 80 characters'),
    title: text(120),
    summary: text(400),
    paragraphs: z.array(text(1500)).min(1, 'must hold at least one paragraph').max(12, 'must hold at most 12 paragraphs'),
    topics: z
      .array(z.enum(ADVICE_TOPICS))
      .min(1, 'must name at least one topic')
      .refine((topics) => new Set(topics).size === topics.length, { message: 'lists a topic twice' }),
    conditions: z.array(conditionRule).optional(),
    forEveryone: z.literal(true).optional(),
  })
  .superRefine((entry, context) => {
    const hasConditions = (entry.conditions?.length ?? 0) > 0;
    if (hasConditions === Boolean(entry.forEveryone))
      context.addIssue({
        code: 'custom',
        path: ['conditions'],
        message: hasConditions ? 'give conditions or forEveryone: true, not both' : 'give the conditions it is for, or forEveryone: true',
      });
  });

const fileSchema = z.strictObject({
  description: z.string().optional(),
  entries: z.array(entrySchema).min(1, 'must hold at least one entry'),
});

/** The entries of one advice file, or every problem in it, each naming the file and key. */
export function parseAdviceFile(json: unknown, file: string): AdviceEntry[] {
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success)
    throw new AdviceLibraryError(
      `advice file ${file} is invalid`,
      parsed.error.issues.map((issue) => `${file}: ${pathOf(issue.path) || '(top level)'}: ${issue.message}`),
    );
  return parsed.data.entries.map((entry) => ({
    id: entry.id,
    title: entry.title.trim(),
    summary: entry.summary.trim(),
    paragraphs: entry.paragraphs.map((paragraph) => paragraph.trim()),
    topics: entry.topics,
    conditions: (entry.conditions ?? []).map(parseRule),
    forEveryone: entry.forEveryone === true,
  }));
}

/**
 * Reads every *.json file in the folders, in the order given and by file name within each, into
 * one library. Throws AdviceLibraryError listing every problem in every file (bad JSON, a wrong
 * key, an id used twice) so one start-up shows them all.
 */
export async function loadAdviceLibrary(dirs: readonly string[], options: { subsumes?: SubsumptionCheck } = {}): Promise<AdviceLibrary> {
  const files: Array<{ file: string; json: unknown }> = [];
  const problems: string[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = (await readdir(dir, { withFileTypes: true }))
        .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
        .map((entry) => entry.name)
        .sort();
    } catch (error) {
      problems.push(`${dir}: cannot read the folder (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      continue;
    }
    for (const name of names) {
      const file = join(dir, name);
      try {
        files.push({ file, json: JSON.parse(await readFile(file, 'utf8')) });
      } catch (error) {
        problems.push(`${file}: is not valid JSON (${(error as Error).message})`);
      }
    }
  }
  if (problems.length) throw new AdviceLibraryError('the advice library cannot be loaded', problems);
  return buildAdviceLibrary(files, options);
}

/** The library from already-read files (as loadAdviceLibrary reads them): checks each, then ids across files. */
export function buildAdviceLibrary(
  files: ReadonlyArray<{ file: string; json: unknown }>,
  options: { subsumes?: SubsumptionCheck } = {},
): AdviceLibrary {
  const problems: string[] = [];
  const entries: AdviceEntry[] = [];
  const firstFile = new Map<string, string>();
  for (const { file, json } of files) {
    let parsed: AdviceEntry[];
    try {
      parsed = parseAdviceFile(json, file);
    } catch (error) {
      if (!(error instanceof AdviceLibraryError)) throw error;
      problems.push(...error.problems);
      continue;
    }
    parsed.forEach((entry, index) => {
      const other = firstFile.get(entry.id);
      if (other) problems.push(`${file}: entries[${index}].id: "${entry.id}" is already used in ${other}`);
      else {
        firstFile.set(entry.id, file);
        entries.push(entry);
      }
    });
  }
  if (problems.length) throw new AdviceLibraryError('the advice library is invalid', problems);
  return new AdviceLibrary(entries, options.subsumes);
}

/** The checked entries and the choice of them for one person. */
export class AdviceLibrary {
  constructor(
    readonly entries: readonly AdviceEntry[],
    private readonly subsumes?: SubsumptionCheck,
  ) {}

  /**
   * The entries for a person with these SNOMED CT condition codes: those for their conditions
   * first, then those for everyone, each once, in library order. Codes that are not concept ids
   * are ignored (a record may carry local codes).
   */
  adviceFor(conditionCodes: Iterable<string>): AdviceEntry[] {
    const codes = [...new Set(conditionCodes)].filter((code) => typeof code === 'string' && isValidConceptId(code));
    const specific = this.entries.filter((entry) => entry.conditions.some((rule) => codes.some((code) => this.#matches(rule, code))));
    return [...specific, ...this.entries.filter((entry) => entry.forEveryone)];
  }

  byId(id: string): AdviceEntry | undefined {
    return this.entries.find((entry) => entry.id === id);
  }

  #matches(rule: AdviceConditionRule, code: string): boolean {
    if (rule.match !== 'descendant' && code === rule.code) return true;
    if (rule.match === 'self' || code === rule.code) return false;
    return this.subsumes?.(rule.code, code) ?? false;
  }
}

function parseRule(value: string): AdviceConditionRule {
  const [, operator, code, display] = ECL_LIKE.exec(value) as RegExpExecArray;
  const match: ConditionMatch = operator === '<<' ? 'descendant-or-self' : operator === '<' ? 'descendant' : 'self';
  return display ? { match, code, display } : { match, code };
}

function pathOf(path: PropertyKey[]): string {
  return path.reduce<string>(
    (result, key) => (typeof key === 'number' ? `${result}[${key}]` : result ? `${result}.${String(key)}` : String(key)),
    '',
  );
}
