import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { generatePopulation } from '../population/generate-population.js';
import type { Person } from '../population/population.types.js';
import { nicknamesOf, transliterationsOf } from './name-variants.js';
import { ERROR_RATES } from './record-errors.js';
import { buildSystemDirectories } from './system-records.js';
import { RECORD_ERRORS, SYSTEM_IDS, type SystemRecord } from './system-record.types.js';
import { TRUTH_COLUMNS, writeTruthCsv } from './truth.js';

const population = generatePopulation({ seed: 3, size: 20_000, referenceDate: '2026-11-23' });
const directories = buildSystemDirectories(population);
const people = new Map(population.people.map((person) => [person.id, person]));

const share = (records: SystemRecord[], predicate: (record: SystemRecord) => boolean) => records.filter(predicate).length / records.length;

describe('each system’s copy of the borough', () => {
  it('is the same for the same seed', () => {
    const again = buildSystemDirectories(population);
    for (const system of SYSTEM_IDS) expect(again[system].records).toEqual(directories[system].records);
  });

  it('knows the people each system would know', () => {
    const wrong = population.people.filter(
      (person) =>
        !directories.pds.byPersonId.has(person.id) ||
        directories.gp.byPersonId.has(person.id) !== (person.gp !== undefined) ||
        directories.acute.byPersonId.has(person.id) !== person.care.acute ||
        directories['mental-health'].byPersonId.has(person.id) !== person.care.mentalHealth ||
        directories['social-care'].byPersonId.has(person.id) !== person.care.socialCare,
    );
    expect(wrong).toEqual([]);
  });

  it('leaves out NHS numbers at the documented rate for each system', () => {
    for (const system of ['acute', 'mental-health', 'social-care'] as const) {
      const primaries = directories[system].records.filter((record) => !record.duplicateOf);
      const missing = share(primaries, (record) => record.errors.includes('missing-nhs-number'));
      expect(Math.abs(missing - ERROR_RATES[system]['missing-nhs-number'])).toBeLessThan(0.05);
      expect(share(primaries, (record) => record.nhsNumber === undefined)).toBeCloseTo(missing, 5);
    }
    // About 70% of social care clients carry an NHS number.
    const socialCare = directories['social-care'].records;
    expect(share(socialCare, (record) => Boolean(record.nhsNumber))).toBeGreaterThan(0.62);
    expect(share(socialCare, (record) => Boolean(record.nhsNumber))).toBeLessThan(0.78);
    expect(
      directories.pds.records.every((record) => record.errors.length === 0 && record.nhsNumber === people.get(record.personId)!.nhsNumber),
    ).toBe(true);
  });

  it('records only errors it really made, and a clean copy where it made none', () => {
    const problems: string[] = [];
    for (const system of SYSTEM_IDS) {
      for (const record of directories[system].records) {
        const person = people.get(record.personId)!;
        if (record.errors.length === 0) {
          const same =
            record.given === person.given &&
            record.family === person.family &&
            record.birthDate === person.birthDate &&
            record.nhsNumber === person.nhsNumber &&
            record.address === person.addresses.at(-1)!.address;
          if (!same) problems.push(`${system} ${record.localId}: differs from the truth with no error recorded`);
        }
        problems.push(...checkErrors(record, person).map((problem) => `${system} ${record.localId}: ${problem}`));
      }
    }
    expect(problems).toEqual([]);
  });

  it('makes every kind of error somewhere, and duplicates inside systems', () => {
    const made = new Set(SYSTEM_IDS.flatMap((system) => directories[system].records.flatMap((record) => record.errors)));
    for (const error of RECORD_ERRORS) {
      expect(made).toContain(error);
    }
    const duplicates = directories.acute.records.filter((record) => record.duplicateOf);
    expect(duplicates.length).toBeGreaterThan(0);
    for (const duplicate of duplicates) expect(directories.acute.byLocalId.get(duplicate.duplicateOf!)!.personId).toBe(duplicate.personId);
  });
});

describe('the truth file', () => {
  it('names, for every record in every system, the person it is of', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'tessera-truth-'));
    try {
      const path = join(folder, 'truth.csv');
      const summary = await writeTruthCsv(path, directories);
      const [header, ...rows] = (await readFile(path, 'utf8')).trimEnd().split('\n');
      expect(header).toBe(TRUTH_COLUMNS.join(','));
      const total = SYSTEM_IDS.reduce((sum, system) => sum + directories[system].records.length, 0);
      expect(rows).toHaveLength(total);
      expect(summary.records).toBe(total);
      expect(summary.people).toBe(population.people.length);
      const disagreements = rows.filter((row) => {
        const [system, localId, personId, duplicateOf, nhsNumber] = row.split(',');
        const record = directories[system as SystemRecord['system']].byLocalId.get(localId!);
        return (
          !record || record.personId !== personId || (record.duplicateOf ?? '') !== duplicateOf || (record.nhsNumber ?? '') !== nhsNumber
        );
      });
      expect(disagreements).toEqual([]);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('leaves nothing half-written behind when it cannot be put in place', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'tessera-truth-'));
    try {
      // The target is a folder, so the final rename fails after the rows were written.
      await mkdir(join(folder, 'truth.csv'));
      await expect(writeTruthCsv(join(folder, 'truth.csv'), directories)).rejects.toThrow();
      expect(await readdir(folder)).toEqual(['truth.csv']);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

function checkErrors(record: SystemRecord, person: Person): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, problem: string) => ok || problems.push(problem);
  const errors = new Set(record.errors);
  if (errors.has('maiden-name') && !errors.has('typo-family') && !errors.has('swapped-names') && !errors.has('transliteration')) {
    check(record.family === person.birthFamily, 'maiden-name but not the birth family name');
  }
  if (errors.has('nickname') && !errors.has('typo-given') && !errors.has('swapped-names') && !errors.has('transliteration')) {
    check(nicknamesOf(person.given).includes(record.given), 'nickname that is not a short form of the given name');
  }
  if (
    errors.has('transliteration') &&
    !['typo-given', 'typo-family', 'swapped-names', 'nickname', 'maiden-name'].some((other) => errors.has(other as never))
  ) {
    const changed =
      record.given !== person.given
        ? transliterationsOf(person.given).includes(record.given)
        : transliterationsOf(person.family).includes(record.family);
    check(changed, 'transliteration that is not another spelling');
  }
  const [year, month, day] = person.birthDate.split('-');
  check(
    record.birthDate === (errors.has('dob-day-month-swap') ? `${year}-${day}-${month}` : person.birthDate),
    'date of birth differs from the error recorded',
  );
  if (errors.has('old-address')) check(record.address === person.addresses.at(-2)!.address, 'old-address but not the previous address');
  if (errors.has('wrong-nhs-number')) check(record.nhsNumber !== person.nhsNumber, 'wrong-nhs-number but the right one');
  if (errors.has('missing-nhs-number')) check(record.nhsNumber === undefined, 'missing-nhs-number but has one');
  if (!errors.has('wrong-nhs-number') && !errors.has('missing-nhs-number'))
    check(record.nhsNumber === person.nhsNumber, 'NHS number differs with no error recorded');
  return problems;
}
