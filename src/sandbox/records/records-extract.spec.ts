import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parse } from 'csv-parse/sync';

import { generatePopulation } from '../population/generate-population.js';
import { EXTRACT_SYSTEMS, RECORDS_COLUMNS, writeRecordsCsv } from './records-extract.js';
import { buildSystemDirectories } from './system-records.js';

const population = generatePopulation({ seed: 11, size: 3_000, referenceDate: '2026-11-23' });
const directories = buildSystemDirectories(population);

describe('the sandbox records extract', () => {
  let folder: string;
  beforeAll(async () => (folder = await mkdtemp(join(tmpdir(), 'tessera-records-'))));
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it('holds every care record system’s records, as each holds them, and no PDS record', async () => {
    const path = join(folder, 'records.csv');
    const summary = await writeRecordsCsv(path, directories);
    const rows = parse(await readFile(path, 'utf8'), { columns: true }) as Record<(typeof RECORDS_COLUMNS)[number], string>[];

    const expected = EXTRACT_SYSTEMS.flatMap((system) => directories[system].records);
    expect(summary.records).toBe(expected.length);
    expect(rows).toHaveLength(expected.length);
    expect(Object.keys(rows[0]!)).toEqual([...RECORDS_COLUMNS]);
    expect(rows.some((row) => row.system === 'pds')).toBe(false);
    expect(summary.bySystem).toEqual(Object.fromEntries(EXTRACT_SYSTEMS.map((system) => [system, directories[system].records.length])));

    rows.forEach((row, index) => {
      const record = expected[index]!;
      expect(row).toEqual({
        system: record.system,
        local_id: record.localId,
        person_id: record.personId,
        nhs_number: record.nhsNumber ?? '',
        given: record.given,
        middle: record.middle ?? '',
        family: record.family,
        sex: record.sex,
        birth_date: record.birthDate,
        address_line_1: record.address.lines[0] ?? '',
        address_line_2: record.address.lines.slice(1).join(', '),
        city: record.address.town,
        postcode: record.address.postcode,
      });
    });
  });

  it('keeps the errors each system made, so linking it is a real test', async () => {
    const path = join(folder, 'errors.csv');
    await writeRecordsCsv(path, directories);
    const rows = parse(await readFile(path, 'utf8'), { columns: true }) as Record<string, string>[];
    // Records without an NHS number, and second registrations of one person in one system.
    expect(rows.filter((row) => row.nhs_number === '').length).toBeGreaterThan(10);
    const perSystemPerson = new Map<string, number>();
    for (const row of rows)
      perSystemPerson.set(`${row.system} ${row.person_id}`, (perSystemPerson.get(`${row.system} ${row.person_id}`) ?? 0) + 1);
    expect([...perSystemPerson.values()].filter((count) => count > 1).length).toBeGreaterThan(5);
    // And spellings that differ between systems for one person.
    const givenByPerson = new Map<string, Set<string>>();
    for (const row of rows) givenByPerson.set(row.person_id!, (givenByPerson.get(row.person_id!) ?? new Set()).add(row.given!));
    expect([...givenByPerson.values()].filter((names) => names.size > 1).length).toBeGreaterThan(10);
  });

  it('leaves no file, partial or whole, when it cannot write', async () => {
    const path = join(folder, 'no-such-folder', 'records.csv');
    await expect(writeRecordsCsv(path, directories)).rejects.toMatchObject({ code: 'ENOENT' });
    const left = await readdir(folder);
    expect(left.filter((name) => name.includes('partial'))).toEqual([]);
  });
});
