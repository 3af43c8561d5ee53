// Identity benchmark: how well and how fast `npm run link` links, on data with known truth.
//   1. the sandbox borough (every care record system's records, against the truth file);
//   2. FEBRL dataset 3 and fake_1000 (../shared/fixtures/identity, with their own truth);
//   3. about 1,000,000 sandbox records linked in one run (records/s and wall time);
//   4. one real-time match against 1,000,000 identities in PostgreSQL (p99), from
//      bench/identity-match.bench.mjs when it is there.
// Every linkage runs the built command as an operator would (node dist/link-cli.js).
// Usage: npm run bench:identity   (BENCH_IDENTITY_POPULATION, BENCH_IDENTITY_BULK_RECORDS,
// BENCH_IDENTITY_REPEATS, BENCH_IDENTITY_BULK_TIMEOUT_S to change; BENCH_IDENTITY_BULK_RECORDS=0
// skips step 3). A failure in step 3 or 4 is reported and leaves its figures null; the run
// then exits 1. Last line: a JSON object of the summary figures.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { parse } from 'csv-parse/sync';

import { generatePopulation } from '../dist/sandbox/population/generate-population.js';
import { writeRecordsCsv } from '../dist/sandbox/records/records-extract.js';
import { buildSystemDirectories } from '../dist/sandbox/records/system-records.js';
import { median } from './bench-support.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const fixtures = resolve(root, '../shared/fixtures/identity');
const maps = join(here, 'identity');

const population = Number(process.env.BENCH_IDENTITY_POPULATION ?? 2_000);
const bulkTarget = Number(process.env.BENCH_IDENTITY_BULK_RECORDS ?? 1_000_000);
const repeats = Number(process.env.BENCH_IDENTITY_REPEATS ?? 3);
// The goal is 120 s; past this the bulk step is stopped and reported as not finished.
const bulkTimeoutSeconds = Number(process.env.BENCH_IDENTITY_BULK_TIMEOUT_S ?? 900);
const seed = Number(process.env.SANDBOX_SEED ?? 20_261_123);
// Pinned, so that two runs on different days link the same borough.
const referenceDate = process.env.BENCH_IDENTITY_REFERENCE_DATE ?? '2026-11-23';

const round = (value, places = 4) => Math.round(value * 10 ** places) / 10 ** places;
const say = (line) => process.stdout.write(`${line}\n`);

const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGTERM');
});

/** Runs a node script to the end (or kills it after timeoutSeconds): its stdout, and the wall time from start to exit. */
function runNode(args, { label, timeoutSeconds = 0 }) {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: root, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const timer = timeoutSeconds > 0 ? setTimeout(() => child.kill('SIGTERM'), timeoutSeconds * 1000) : undefined;
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    // Progress lines stay visible, indented under the step.
    process.stderr.write(String(chunk).replace(/^(?=.)/gm, '    '));
  });
  return new Promise((resolvePromise, reject) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      clearTimeout(timer);
      const seconds = (performance.now() - started) / 1000;
      if (code === 0) return resolvePromise({ stdout, seconds });
      const how = signal
        ? `was stopped (${signal}) after ${seconds.toFixed(0)} s${timeoutSeconds > 0 && seconds >= timeoutSeconds ? `, its time limit` : ''}`
        : `exited with ${code}`;
      reject(new Error(`${label} ${how}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

/** `npm run link` on the inputs with a truth column; the summary figures it printed. */
async function link(label, inputs, map, truth, out, timeoutSeconds = 0) {
  // The heap npm run link gives it.
  const args = ['--max-old-space-size=8192', 'dist/link-cli.js', ...inputs.flatMap((input) => ['--input', input])];
  args.push('--map', join(maps, map), '--out', out, '--truth', truth);
  const { stdout, seconds } = await runNode(args, { label: `link (${label})`, timeoutSeconds });
  const figure = (name) => {
    const match = new RegExp(`^${name}: (\\S+)`, 'm').exec(stdout);
    if (!match) throw new Error(`link (${label}) printed no ${name}`);
    return Number(match[1]);
  };
  const result = {
    records: figure('records'),
    clusters: figure('clusters'),
    pairsCompared: figure('pairs compared'),
    reviewPairs: figure('review pairs'),
    precision: figure('precision'),
    recall: figure('recall'),
    f1: figure('f1'),
    tp: figure('TP'),
    fp: figure('FP'),
    fn: figure('FN'),
    seconds,
    // The command's own split of its time, e.g. "38.1 (reading 6.2, linking 31.9)".
    ownTiming: /^seconds: (.*)$/m.exec(stdout)?.[1] ?? '',
  };
  say(
    `${label}: ${result.records} records → ${result.clusters} clusters in ${seconds.toFixed(1)} s; ` +
      `precision ${result.precision.toFixed(4)}, recall ${result.recall.toFixed(4)}, F1 ${result.f1.toFixed(4)} ` +
      `(TP ${result.tp}, FP ${result.fp}, FN ${result.fn}; ${result.pairsCompared} pairs compared, ${result.reviewPairs} for review)`,
  );
  return result;
}

/** A copy of a CSV with a truth column added, for sets whose truth sits inside another value. */
async function withTruthColumn(source, target, column, truthOf) {
  const rows = parse(await readFile(source, 'utf8'), { trim: true, skip_empty_lines: true });
  const field = (value) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  const header = [...rows[0], column];
  const lines = [header, ...rows.slice(1).map((row) => [...row, truthOf(row)])].map((row) => row.map(field).join(','));
  await writeFile(target, `${lines.join('\n')}\n`);
}

const temporary = await mkdtemp(join(tmpdir(), 'tessera-bench-identity-'));
const summary = {};
const failures = [];
try {
  // ---- 1. the sandbox borough, every care record system, against the truth file
  say(`sandbox: ${population} people, seed ${seed}, reference date ${referenceDate}`);
  const recordsFile = join(temporary, 'sandbox-records.csv');
  const truthFile = join(temporary, 'sandbox-truth.csv');
  await runNode(
    [
      'dist/sandbox/truth-cli.js',
      '--out',
      truthFile,
      '--records',
      recordsFile,
      '--size',
      String(population),
      '--seed',
      String(seed),
      '--reference-date',
      referenceDate,
    ],
    { label: 'sandbox:truth' },
  );
  // The extract's person_id must be the truth file's, record for record.
  const truthOf = new Map(
    parse(await readFile(truthFile, 'utf8'), { columns: true }).map((row) => [`${row.system} ${row.local_id}`, row.person_id]),
  );
  const extractRows = parse(await readFile(recordsFile, 'utf8'), { columns: true });
  const disagreeing = extractRows.filter((row) => truthOf.get(`${row.system} ${row.local_id}`) !== row.person_id).length;
  if (disagreeing > 0) throw new Error(`${disagreeing} extract rows disagree with the truth file`);
  const sandbox = await link('sandbox', [recordsFile], 'sandbox-map.json', 'person_id', join(temporary, 'sandbox-links.csv'));
  Object.assign(summary, {
    f1_sandbox: round(sandbox.f1),
    precision_sandbox: round(sandbox.precision),
    recall_sandbox: round(sandbox.recall),
  });
  const recordsPerPerson = extractRows.length / population;

  // ---- 2. the public record-linkage sets
  const febrlFile = join(temporary, 'febrl_dataset3.csv');
  // FEBRL's truth is the <N> of rec-<N>-org and rec-<N>-dup-<k>.
  await withTruthColumn(join(fixtures, 'febrl_dataset3.csv'), febrlFile, 'entity', (row) => /^rec-(\d+)-/.exec(row[0])[1]);
  // Linked a few times: the figures must not change, and the median time is quoted.
  const febrlRuns = [];
  for (let run = 0; run < repeats; run++) {
    febrlRuns.push(
      await link(`FEBRL dataset 3 (run ${run + 1})`, [febrlFile], 'febrl-map.json', 'entity', join(temporary, 'febrl-links.csv')),
    );
  }
  const febrl = febrlRuns[0];
  if (febrlRuns.some((run) => run.f1 !== febrl.f1 || run.clusters !== febrl.clusters))
    throw new Error('linking FEBRL twice gave different results');
  summary.febrl_link_seconds = round(median(febrlRuns.map((run) => run.seconds)), 2);
  Object.assign(summary, { f1_febrl: round(febrl.f1), precision_febrl: round(febrl.precision), recall_febrl: round(febrl.recall) });
  const fake = await link(
    'fake_1000',
    [join(fixtures, 'fake_1000.csv')],
    'fake1000-map.json',
    'cluster',
    join(temporary, 'fake1000-links.csv'),
  );
  Object.assign(summary, { f1_fake1000: round(fake.f1), precision_fake1000: round(fake.precision), recall_fake1000: round(fake.recall) });

  // ---- 3. bulk throughput: about a million records in one run
  if (bulkTarget > 0) {
    try {
      // The sandbox's own limit is 500,000 people (about 730,000 records), so the borough is
      // generated here, sized by the records per person just seen.
      const people = Math.ceil(bulkTarget / recordsPerPerson);
      const started = performance.now();
      const bulkFile = join(temporary, 'bulk-records.csv');
      {
        const directories = buildSystemDirectories(generatePopulation({ seed, size: people, referenceDate }));
        const written = await writeRecordsCsv(bulkFile, directories);
        say(
          `bulk: ${people} people, ${written.records} records generated and written in ${((performance.now() - started) / 1000).toFixed(1)} s`,
        );
      }
      const bulk = await link('bulk', [bulkFile], 'sandbox-map.json', 'person_id', join(temporary, 'bulk-links.csv'), bulkTimeoutSeconds);
      Object.assign(summary, {
        bulk_records: bulk.records,
        bulk_seconds: round(bulk.seconds, 1),
        bulk_records_per_s: Math.round(bulk.records / bulk.seconds),
        f1_bulk: round(bulk.f1),
      });
      say(
        `bulk: ${bulk.records} records linked in ${bulk.seconds.toFixed(1)} s wall time (${summary.bulk_records_per_s} records/s; goal 1,000,000 in 120 s); the command's own timing: ${bulk.ownTiming} s`,
      );
    } catch (error) {
      failures.push(`bulk: ${error.message}`);
      say(`bulk: FAILED: ${error.message}`);
      Object.assign(summary, { bulk_records: null, bulk_seconds: null, bulk_records_per_s: null, f1_bulk: null });
    }
  }

  // ---- 4. MATCH P99: single real-time matches against 1,000,000 identities in PostgreSQL.
  // Measured by bench/identity-match.bench.mjs (written with the matching service); its last
  // line is a JSON object with match_p99_ms, merged into this summary.
  const matchBench = join(here, 'identity-match.bench.mjs');
  if (existsSync(matchBench)) {
    try {
      const { stdout } = await runNode(['--max-old-space-size=12288', matchBench], { label: 'identity-match bench' });
      process.stdout.write(stdout.replace(/\n?[^\n]*\n?$/, '\n'));
      Object.assign(summary, JSON.parse(stdout.trim().split('\n').at(-1)));
    } catch (error) {
      failures.push(`match: ${error.message}`);
      say(`match: FAILED: ${error.message}`);
      summary.match_p99_ms = null;
    }
  } else {
    say('match: bench/identity-match.bench.mjs is not there yet; match_p99_ms not measured');
    summary.match_p99_ms = null;
  }
} finally {
  await rm(temporary, { recursive: true, force: true });
}
say(JSON.stringify(summary));
if (failures.length > 0) process.exitCode = 1;
