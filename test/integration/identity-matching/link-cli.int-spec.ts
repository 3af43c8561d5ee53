import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { parse } from 'csv-parse/sync';

// `npm run link` as an operator runs it: the built command on CSV extracts, with the bench's
// maps (bench/identity/*.json), the public fixtures and a sandbox extract.

const fixtures = resolve(process.cwd(), '../shared/fixtures/identity');
const maps = resolve(process.cwd(), 'bench/identity');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function node(script: string, args: string[]): Promise<Run> {
  const child = spawn(process.execPath, [script, ...args], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolvePromise) => child.once('exit', (code) => resolvePromise({ code, stdout, stderr })));
}

const link = (...args: string[]) => node('dist/link-cli.js', args);

/** The figure the summary printed for a name (`f1: 0.9988`). */
function figure(run: Run, name: string): number {
  const match = new RegExp(`^${name}: (\\S+)`, 'm').exec(run.stdout);
  if (!match) throw new Error(`no ${name} in: ${run.stdout}\n${run.stderr}`);
  return Number(match[1]);
}

type LinksRow = { source: string; local_id: string; cluster_id: string; method: string; score: string; truth?: string };
const readLinks = async (path: string) => parse(await readFile(path, 'utf8'), { columns: true }) as LinksRow[];

/** Pair counts listed pair by pair from links.csv, independent of the command's own arithmetic. */
function listPairs(rows: LinksRow[]) {
  let predicted = 0;
  let truth = 0;
  let both = 0;
  for (let i = 0; i < rows.length; i++) {
    for (let j = i + 1; j < rows.length; j++) {
      const together = rows[i]!.cluster_id === rows[j]!.cluster_id;
      const same = rows[i]!.truth !== '' && rows[i]!.truth === rows[j]!.truth;
      if (together) predicted++;
      if (same) truth++;
      if (together && same) both++;
    }
  }
  return { tp: both, fp: predicted - both, fn: truth - both };
}

describe('npm run link', () => {
  let folder: string;
  const file = async (name: string, content: string) => {
    const path = join(folder, name);
    await writeFile(path, content);
    return path;
  };
  beforeAll(async () => (folder = await mkdtemp(join(tmpdir(), 'tessera-link-'))));
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it('prints its usage on --help', async () => {
    const run = await link('--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^usage: npm run link -- --input FILE \[--input FILE \.\.\.\] --map MAP\.json --out LINKS\.csv \[--truth COLUMN\]/,
    );
  });

  it('links FEBRL dataset 3 and scores the pairs it found against the truth, as links.csv shows them', async () => {
    // FEBRL's truth is the <N> in rec-<N>-org / rec-<N>-dup-<k>: copied here into a column of its own.
    const lines = (await readFile(join(fixtures, 'febrl_dataset3.csv'), 'utf8')).trimEnd().split('\n');
    const input = await file(
      'febrl3.csv',
      [`${lines[0]}, entity`, ...lines.slice(1).map((line) => `${line}, ${/^rec-(\d+)-/.exec(line)![1]}`)].join('\n') + '\n',
    );
    const out = join(folder, 'febrl-links.csv');
    const run = await link('--input', input, '--map', join(maps, 'febrl-map.json'), '--out', out, '--truth', 'entity');
    expect(run.code).toBe(0);

    const rows = await readLinks(out);
    expect(Object.keys(rows[0]!)).toEqual(['source', 'local_id', 'cluster_id', 'method', 'score', 'truth']);
    // One row per record, in input order.
    expect(rows.map((row) => row.local_id)).toEqual(lines.slice(1).map((line) => line.split(',')[0]));
    expect(rows.every((row) => row.source === 'febrl3' && /^\d\.\d{4}$/.test(row.score))).toBe(true);
    expect(new Set(rows.map((row) => row.method))).toEqual(new Set(['new', 'probabilistic']));
    expect(figure(run, 'records')).toBe(5_000);
    expect(figure(run, 'clusters')).toBe(new Set(rows.map((row) => row.cluster_id)).size);

    const { tp, fp, fn } = listPairs(rows);
    expect(tp + fn).toBe(6_538);
    expect({ tp: figure(run, 'TP'), fp: figure(run, 'FP'), fn: figure(run, 'FN') }).toEqual({ tp, fp, fn });
    const precision = tp / (tp + fp);
    const recall = tp / (tp + fn);
    expect(figure(run, 'precision')).toBeCloseTo(precision, 4);
    expect(figure(run, 'recall')).toBeCloseTo(recall, 4);
    expect(figure(run, 'f1')).toBeCloseTo((2 * precision * recall) / (precision + recall), 4);
    // Far above the published results on this set (about 0.65 of the true links found).
    expect(figure(run, 'f1')).toBeGreaterThanOrEqual(0.99);

    // Progress on stderr: records read, then each stage of the engine.
    expect(run.stderr).toMatch(/^link: .*febrl3\.csv: 5000 records read$/m);
    for (const stage of ['normalise', 'block', 'train', 'score', 'cluster'])
      expect(run.stderr).toMatch(new RegExp(`^link: ${stage} \\d+/\\d+$`, 'm'));
    // FEBRL has corrupted dates (19560931): left blank and said where, not fatal.
    expect(run.stderr).toMatch(
      /febrl3\.csv: warning: \d+ dates of birth not YYYYMMDD or not a real date, left blank \(first on line \d+\)/,
    );
  });

  it('links a sandbox extract from several systems in several files, keeping each record’s source and NHS number links', async () => {
    const records = join(folder, 'sandbox.csv');
    const made = await node('dist/sandbox/truth-cli.js', [
      '--records',
      records,
      '--size',
      '400',
      '--seed',
      '5',
      '--reference-date',
      '2026-11-23',
    ]);
    expect(made.code).toBe(0);
    const [header, ...rows] = (await readFile(records, 'utf8')).trimEnd().split('\n');
    const gp = await file('gp.csv', [header, ...rows.filter((row) => row.startsWith('gp,'))].join('\r\n') + '\r\n');
    const others = await file('others.csv', [header, ...rows.filter((row) => !row.startsWith('gp,'))].join('\n') + '\n');
    const out = join(folder, 'sandbox-links.csv');
    const run = await link('--input', gp, '--input', others, '--map', join(maps, 'sandbox-map.json'), '--out', out, '--truth', 'person_id');
    expect(run.code).toBe(0);

    const links = await readLinks(out);
    expect(links).toHaveLength(rows.length);
    const systems = rows.map((row) => row.split(',')[0]);
    // gp.csv first, then the other systems, each with the source its "system" column names.
    expect(links.map((row) => row.source)).toEqual([...systems.filter((s) => s === 'gp'), ...systems.filter((s) => s !== 'gp')]);
    expect(new Set(links.map((row) => row.source))).toEqual(new Set(['gp', 'acute', 'mental-health', 'social-care']));
    expect(links.some((row) => row.method === 'nhs-number' && row.score === '1.0000')).toBe(true);
    expect(figure(run, 'precision')).toBeGreaterThan(0.95);
    expect(figure(run, 'recall')).toBeGreaterThan(0.95);
  });

  it('reads a messy extract (BOM, CRLF, padding, quotes, blank fields, sex spelt many ways, bad dates) and says what it left blank', async () => {
    const input = await file(
      'legacy export.csv',
      '\ufeff Patient ID , Forename ,Surname, DOB ,Gender,Post Code,NHS No\r\n' +
        ' 1 , Mary , Smith , 09/04/1956 , F , N7 6LJ , 943 476 5919 \r\n' +
        '2,"Mary","Smith","9/4/1956","female","N7 6LJ","9434765919"\r\n' +
        '3,"Robert ""Bob""",Jones,31/02/1970,Male,,\r\n' +
        '4,Bob,Jones,,m,N1 1AA,\r\n' +
        '5,"Ann, Marie",Brown,01/01/1990,U,N5 2BB,\r\n' +
        '6,Ann-Marie,Brown,01/01/1990,,N5 2BB,\r\n' +
        ',,,,,,\r\n',
    );
    const map = await file(
      'legacy-map.json',
      JSON.stringify({
        localId: 'Patient ID',
        fields: {
          given: 'Forename',
          family: 'Surname',
          birthDate: { column: 'DOB', format: 'DD/MM/YYYY' },
          sex: 'Gender',
          postcode: 'Post Code',
          nhsNumber: 'NHS No',
        },
      }),
    );
    const out = join(folder, 'legacy-links.csv');
    const run = await link('--input', input, '--map', map, '--out', out);
    expect(run.stderr).toMatch(/legacy export\.csv: 6 records read/);
    expect(run.stderr).toMatch(
      /legacy export\.csv: warning: 1 date of birth not DD\/MM\/YYYY or not a real date, left blank \(first on line 4\)/,
    );
    expect(run.stderr).toMatch(/legacy export\.csv: warning: 1 empty row skipped/);
    expect(run.code).toBe(0);
    const rows = await readLinks(out);
    expect(rows.map((row) => [row.source, row.local_id])).toEqual(['1', '2', '3', '4', '5', '6'].map((id) => ['legacy export', id]));
    // The same valid NHS number, written two ways, is one person.
    expect(rows[0]!.cluster_id).toBe(rows[1]!.cluster_id);
    expect(rows[1]!.method).toBe('nhs-number');
    expect(run.stdout).not.toMatch(/precision/);
  });

  describe('refuses bad input with the file, the line and the reason, exit 2 and no links.csv', () => {
    const header = 'id,given,family,dob\n';
    const smallMap = () =>
      file('small-map.json', JSON.stringify({ localId: 'id', fields: { given: 'given', family: 'family', birthDate: 'dob' } }));

    it('a row with the wrong number of fields, even over an earlier links.csv', async () => {
      const input = await file('short.csv', `${header}1,A,B,1980-01-02\n2,C,D\n3,E,F,1980-01-02\n`);
      const out = await file('stale-links.csv', 'source,local_id,cluster_id,method,score\nold,1,C1,new,0.0000\n');
      const run = await link('--input', input, '--map', await smallMap(), '--out', out);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`link: ${input}:3: malformed row: 3 fields where the header has 4\n`);
      expect((await readdir(folder)).filter((name) => name.startsWith('stale-links'))).toEqual([]);
    });

    it('a quote that never closes', async () => {
      const input = await file('quote.csv', `${header}1,A,B,1980-01-02\n2,"C,D,1980-01-02\n3,E,F,1980-01-02\n`);
      const run = await link('--input', input, '--map', await smallMap(), '--out', join(folder, 'quote-links.csv'));
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`link: ${input}:3: malformed row: a quoted field opened in this row is never closed\n`);
    });

    it('a map with an unknown key, and a map naming a column the file lacks', async () => {
      const input = await file('good.csv', `${header}1,A,B,1980-01-02\n`);
      const typo = await file('typo-map.json', JSON.stringify({ localId: 'id', fields: { givenName: 'given' } }));
      let run = await link('--input', input, '--map', typo, '--out', join(folder, 'typo-links.csv'));
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`^link: ${typo}: fields: unknown key 'givenName'`, 'm'));

      const wrong = await file('wrong-map.json', JSON.stringify({ localId: 'id', fields: { given: 'given', postcode: 'post_code' } }));
      run = await link('--input', input, '--map', wrong, '--out', join(folder, 'wrong-links.csv'));
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        new RegExp(`^link: ${input}:1: fields.postcode names column 'post_code', which the header does not have`, 'm'),
      );
      expect((await readdir(folder)).filter((name) => /^(typo|wrong)-links/.test(name))).toEqual([]);
    });

    it('the same record in two inputs, naming both lines', async () => {
      const first = await file('dup-a.csv', `system,${header}gp,1,A,B,1980-01-02\ngp,2,C,D,1980-01-02\n`);
      const second = await file('dup-b.csv', `system,${header}acute,2,C,D,1980-01-02\ngp,2,C,D,1980-01-02\n`);
      const map = await file('dup-map.json', JSON.stringify({ source: 'system', localId: 'id', fields: { given: 'given' } }));
      const run = await link('--input', first, '--input', second, '--map', map, '--out', join(folder, 'dup-links.csv'));
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`link: ${second}:3: duplicate record: the same source and local id as on ${first}:3\n`);
    });

    it('missing arguments, a missing input and a --truth column the file lacks', async () => {
      let run = await link('--input', 'a.csv');
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^link: --map MAP\.json, --out LINKS\.csv are required\nusage: npm run link/);
      run = await link('--input', join(folder, 'absent.csv'), '--map', await smallMap(), '--out', join(folder, 'absent-links.csv'));
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`link: ${join(folder, 'absent.csv')}: cannot read the file (no such file)`);
      const input = await file('no-truth.csv', `${header}1,A,B,1980-01-02\n`);
      run = await link('--input', input, '--map', await smallMap(), '--out', join(folder, 'truth-links.csv'), '--truth', 'person');
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/--truth names column 'person', which the header does not have/);
      run = await link('--input', input, '--map', await smallMap(), '--out', input);
      expect(run.code).toBe(2);
      expect(await readFile(input, 'utf8')).toBe(`${header}1,A,B,1980-01-02\n`);
    });
  });
});
