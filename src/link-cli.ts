import { readFile, rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import type { LinkageProgress } from './modules/identity-matching/index.js';
import * as extracts from './modules/identity-matching/index.js';

// `npm run link`: links CSV extracts (legacy systems' demographics) into clusters of records
// that are the same person, with the engine the hub matches with, to seed the index. Progress
// goes to stderr, the summary to stdout. Exit 0 done, 2 the operator's input is wrong (the
// message names the file, line and reason), 1 anything else; a failed run leaves no links.csv.

const USAGE = `usage: npm run link -- --input FILE [--input FILE ...] --map MAP.json --out LINKS.csv [--truth COLUMN]

  --input FILE     a CSV extract with a header row (repeat for several; read in the order given)
  --map MAP.json   which column holds each field, one map for every input, e.g.
                   {"localId": "rec_id", "source": "system", "fields": {"given": "given_name",
                    "family": "surname", "birthDate": {"column": "dob", "format": "DD/MM/YYYY"},
                    "sex": "sex", "postcode": "postcode", "addressLines": ["address_1", "address_2"],
                    "city": "town", "nhsNumber": "nhs_number", "otherIdentifier": "mrn"}}
  --out LINKS.csv  one row per input record, in input order:
                   ${extracts.LINKS_COLUMNS.join(',')}[,truth]
  --truth COLUMN   a column naming each record's true person: prints pair precision, recall and F1

Every field may be left out of the map. A record's source is its "source" column, else its
file's name without extension. See docs/IDENTITY.md, "Bulk linkage".`;

class UsageError extends Error {}

const say = (line: string) => process.stderr.write(`link: ${line}\n`);

/** A progress line at most once a second, and always when a stage begins or ends. */
function progressReporter(): (progress: LinkageProgress) => void {
  let lastStage = '';
  let lastAt = 0;
  return ({ stage, done, total }) => {
    const now = performance.now();
    const edge = stage !== lastStage || done === total;
    if (!edge && now - lastAt < 1_000) return;
    lastStage = stage;
    lastAt = now;
    say(`${stage} ${done}/${total}`);
  };
}

/**
 * Runs the write so that Ctrl-C (or SIGTERM) removes the half-written file before exiting. Only
 * around the write: while the engine links (synchronously) a handler could never run, and
 * Node's default of exiting at once is what an operator expects; no file exists then.
 */
async function whileRemovingPartialOnSignal(out: string, write: () => Promise<void>): Promise<void> {
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
    const handler = () =>
      void rm(extracts.partialLinksPath(out), { force: true }).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    process.once(signal, handler);
    return [signal, handler] as const;
  });
  try {
    await write();
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}

interface Arguments {
  inputs: string[];
  map: string;
  out: string;
  truth?: string;
}

function parseArguments(argv: string[]): Arguments | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        input: { type: 'string', multiple: true },
        map: { type: 'string' },
        out: { type: 'string' },
        truth: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  const missing = [!values.input?.length && '--input FILE', !values.map && '--map MAP.json', !values.out && '--out LINKS.csv'].filter(
    Boolean,
  );
  if (missing.length > 0) throw new UsageError(`${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} required`);
  if (values.truth !== undefined && values.truth.trim() === '') throw new UsageError('--truth must name a column');
  const out = resolve(values.out!);
  const inputs = values.input!;
  // Never let a failed run remove (or a good one overwrite) what it was reading.
  for (const file of [...inputs, values.map!]) {
    if (resolve(file) === out) throw new UsageError(`--out names ${file}, which is also an input; write links elsewhere`);
  }
  const seen = new Set<string>();
  for (const file of inputs) {
    if (seen.has(resolve(file))) throw new UsageError(`--input ${file} is given twice`);
    seen.add(resolve(file));
  }
  return { inputs, map: values.map!, out: values.out!, ...(values.truth !== undefined ? { truth: values.truth.trim() } : {}) };
}

async function link(args: Arguments): Promise<void> {
  const started = performance.now();
  const outFolder = dirname(resolve(args.out));
  const folder = await stat(outFolder).catch(() => undefined);
  if (!folder?.isDirectory()) throw new extracts.ExtractInputError(`the folder ${outFolder} does not exist`, args.out);

  const mapText = await readFile(args.map, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new extracts.ExtractInputError(
      `cannot read the map (${error.code === 'ENOENT' ? 'no such file' : (error.code ?? error.message)})`,
      args.map,
    );
  });
  const map = extracts.parseExtractMap(mapText, args.map);

  const files: extracts.ExtractRecords[] = [];
  for (const file of args.inputs) {
    let lastAt = performance.now();
    const extract = await extracts.readExtract(file, map, {
      ...(args.truth !== undefined ? { truthColumn: args.truth } : {}),
      onProgress: (records) => {
        if (performance.now() - lastAt < 1_000) return;
        lastAt = performance.now();
        say(`${file}: ${records} records read so far`);
      },
    });
    const notes = [];
    if (extract.badBirthDates > 0) {
      notes.push(
        `${extract.badBirthDates} date${extract.badBirthDates === 1 ? '' : 's'} of birth not ${map.birthDate?.format === 'year-first' ? 'YYYY-MM-DD, YYYYMMDD or YYYY/MM/DD' : map.birthDate?.format.name} or not a real date, left blank (first on line ${extract.firstBadBirthDateLine})`,
      );
    }
    if (extract.blankSources > 0)
      notes.push(`${extract.blankSources} blank source${extract.blankSources === 1 ? '' : 's'}, given the file's name`);
    if (extract.blankRows > 0) notes.push(`${extract.blankRows} empty row${extract.blankRows === 1 ? '' : 's'} skipped`);
    say(`${file}: ${extract.records.length} records read`);
    for (const note of notes) say(`${file}: warning: ${note}`);
    files.push(extract);
  }
  const { records, truths } = extracts.combineExtracts(files);
  const read = performance.now();

  const result = extracts.linkRecords(records, { onProgress: progressReporter() });
  const linked = performance.now();
  await whileRemovingPartialOnSignal(args.out, () => extracts.writeLinksCsv(args.out, records, result.assignments, truths));
  const seconds = (performance.now() - started) / 1000;

  const lines = [
    `records: ${records.length}`,
    `clusters: ${result.clusters}`,
    `pairs compared: ${result.pairsCompared}`,
    `pairs linked: ${result.pairsLinked}`,
    `review pairs: ${result.reviewPairs.length}`,
    `seconds: ${seconds.toFixed(1)} (reading ${((read - started) / 1000).toFixed(1)}, linking ${((linked - read) / 1000).toFixed(1)})`,
    `records/s: ${Math.round(records.length / seconds)}`,
  ];
  if (truths) {
    const metrics = extracts.pairMetrics(
      result.assignments.map((assignment) => assignment.clusterId),
      truths,
    );
    lines.push(
      `precision: ${metrics.precision.toFixed(4)}`,
      `recall: ${metrics.recall.toFixed(4)}`,
      `f1: ${metrics.f1.toFixed(4)}`,
      `true pairs: ${metrics.truePairs}`,
      `TP: ${metrics.truePositives}`,
      `FP: ${metrics.falsePositives}`,
      `FN: ${metrics.falseNegatives}`,
    );
  }
  lines.push(`wrote: ${resolve(args.out)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function main(): Promise<number> {
  let args: Arguments | 'help';
  try {
    args = parseArguments(process.argv.slice(2));
  } catch (error) {
    say((error as Error).message);
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const out = args.out;
  try {
    await link(args);
    return 0;
  } catch (error) {
    const expected = error instanceof extracts.ExtractInputError;
    say(expected ? error.message : `failed: ${(error as Error).message}`);
    if (!expected) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
    // A links.csv left from an earlier run must not be taken for this run's.
    const removed = await rm(out, { force: false }).then(
      () => true,
      () => false,
    );
    say(`no links written${removed ? ` (the earlier ${out} was removed)` : ''}`);
    return expected ? 2 : 1;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`link: failed: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
