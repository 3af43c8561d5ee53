import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { parseExtractMap } from './extract-map.js';
import { readExtract } from './extract-reader.js';
import { combineExtracts } from './extract-set.js';
import { writeLinksCsv } from './links-csv.js';

const fixtures = resolve(process.cwd(), '../shared/fixtures/identity');

const map = parseExtractMap(
  JSON.stringify({
    localId: 'id',
    fields: {
      given: 'given',
      family: 'family',
      birthDate: { column: 'dob', format: 'DD/MM/YYYY' },
      sex: 'sex',
      addressLines: ['line1', 'line2'],
      postcode: 'postcode',
      nhsNumber: 'nhs',
    },
  }),
  'map.json',
);

describe('reading a CSV extract', () => {
  let folder: string;
  const file = async (name: string, content: string | Buffer) => {
    const path = join(folder, name);
    await writeFile(path, content);
    return path;
  };
  beforeAll(async () => (folder = await mkdtemp(join(tmpdir(), 'tessera-extract-'))));
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it('reads what real extracts do: a BOM, CRLF, padded headers and values, quotes, blank fields, re-cased headers', async () => {
    const path = await file(
      'gp-export.csv',
      '\ufeff ID , Given ,family,dob,sex,line1,line2,postcode,nhs\r\n' +
        '  A1 , Mary , "O\'Brien, Jr" , 09/04/1956 ,F,"Flat 4","27 Holloway Road",  N7 6LJ ,943 476 5919\r\n' +
        'A2,"Robert ""Bob""",Smith,,male,,,,\r\n' +
        '\r\n' +
        'A3,Anna,"Line\r\nBreak",1/2/2001,,12 High St,,N1 1AA,\r\n',
    );
    const extract = await readExtract(path, map);
    expect(extract.records).toEqual([
      {
        source: 'gp-export',
        localId: 'A1',
        fields: {
          given: 'Mary',
          family: "O'Brien, Jr",
          birthDate: '1956-04-09',
          sex: 'F',
          addressLines: ['Flat 4', '27 Holloway Road'],
          postcode: 'N7 6LJ',
          nhsNumber: '943 476 5919',
        },
      },
      { source: 'gp-export', localId: 'A2', fields: { given: 'Robert "Bob"', family: 'Smith', sex: 'male' } },
      {
        source: 'gp-export',
        localId: 'A3',
        fields: { given: 'Anna', family: 'Line\r\nBreak', birthDate: '2001-02-01', addressLines: ['12 High St'], postcode: 'N1 1AA' },
      },
    ]);
    // The line each record starts on, as an editor shows it.
    expect(extract.lines).toEqual([2, 3, 5]);
    expect(extract.badBirthDates).toBe(0);
  });

  it('reads FEBRL’s comma-and-space separators and keeps its rows in file order', async () => {
    const febrlMap = parseExtractMap(
      JSON.stringify({
        localId: 'rec_id',
        fields: { given: 'given_name', family: 'surname', birthDate: { column: 'date_of_birth', format: 'YYYYMMDD' } },
      }),
      'febrl-map.json',
    );
    const extract = await readExtract(join(fixtures, 'febrl_dataset3.csv'), febrlMap);
    expect(extract.records).toHaveLength(5_000);
    expect(extract.records[0]).toEqual({
      source: 'febrl_dataset3',
      localId: 'rec-1496-org',
      fields: { given: 'mitchell', family: 'green', birthDate: '1956-04-09' },
    });
    // rec-1716-dup-1 has no surname: absent, never an empty string.
    expect(extract.records[3]).toMatchObject({ localId: 'rec-1716-dup-1', fields: { given: 'isabelle' } });
    expect(extract.records[3]!.fields.family).toBeUndefined();
    // The README counts 155 empty dates of birth; corrupted ones are left blank and counted.
    expect(extract.records.filter((record) => record.fields.birthDate).length + extract.badBirthDates).toBe(5_000 - 155);
    expect(extract.badBirthDates).toBeGreaterThan(0);
  });

  it('leaves an impossible or mis-formatted date of birth blank, counts it and says where the first was', async () => {
    const path = await file(
      'dates.csv',
      'id,given,family,dob,sex,line1,line2,postcode,nhs\n1,A,B,31/02/1980,,,,,\n2,C,D,1980-02-03,,,,,\n3,E,F,03/02/1980,,,,,\n',
    );
    const extract = await readExtract(path, map);
    expect(extract.records.map((record) => record.fields.birthDate)).toEqual([undefined, undefined, '1980-02-03']);
    expect(extract).toMatchObject({ badBirthDates: 2, firstBadBirthDateLine: 2 });
  });

  it('keeps the truth column beside each record and skips rows that are only separators', async () => {
    const path = await file(
      'truth.csv',
      'id,given,family,dob,sex,line1,line2,postcode,nhs,person\n1,A,B,,,,,,,P1\n,,,,,,,,,\n2,C,D,,,,,,,\n',
    );
    const extract = await readExtract(path, map, { truthColumn: 'person' });
    expect(extract.truths).toEqual(['P1', '']);
    expect(extract.blankRows).toBe(1);
  });

  it('takes the source from a column when the map names one, and a missing local id from the line', async () => {
    const sourced = parseExtractMap(JSON.stringify({ source: 'system', fields: { given: 'given' } }), 'map.json');
    const path = await file('mixed.csv', 'system,given\nacute,A\n,B\nsocial-care,C\n');
    const extract = await readExtract(path, sourced);
    expect(extract.records.map((record) => [record.source, record.localId])).toEqual([
      ['acute', '2'],
      ['mixed', '3'],
      ['social-care', '4'],
    ]);
    expect(extract.blankSources).toBe(1);
  });

  it('reads a pipe-separated Latin-1 extract when the map says so', async () => {
    const latin = parseExtractMap(
      JSON.stringify({ localId: 'id', delimiter: '|', encoding: 'latin1', fields: { given: 'given' } }),
      'map.json',
    );
    const path = await file('latin.csv', Buffer.from('id|given\n1|Zoë\n', 'latin1'));
    expect((await readExtract(path, latin)).records[0]!.fields.given).toBe('Zoë');
  });

  describe('refuses, naming the file, the line and the reason', () => {
    it('a row with the wrong number of fields', async () => {
      const path = await file('short.csv', 'id,given,family,dob,sex,line1,line2,postcode,nhs\n1,A,B,,,,,,\n2,C,D,,,\n');
      await expect(readExtract(path, map)).rejects.toThrow(`${path}:3: malformed row: 6 fields where the header has 9`);
    });

    it('a quote that never closes, at the row where it opens', async () => {
      const path = await file('quote.csv', 'id,given,family,dob,sex,line1,line2,postcode,nhs\n1,A,B,,,,,,\n2,"C,D,,,,,,,\n3,E,F,,,,,,\n');
      await expect(readExtract(path, map)).rejects.toThrow(`${path}:3: malformed row: a quoted field opened in this row is never closed`);
    });

    it('text after a closing quote', async () => {
      const path = await file('after.csv', 'id,given,family,dob,sex,line1,line2,postcode,nhs\n1,"A"x,B,,,,,,\n');
      await expect(readExtract(path, map)).rejects.toThrow(`${path}:2: malformed row: text follows the closing quote`);
    });

    it('a map naming columns the file does not have, each with its map key', async () => {
      const path = await file('columns.csv', 'id,given,surname,dob\n1,A,B,\n');
      await expect(readExtract(path, map)).rejects.toThrow(
        new RegExp(
          `^${path}:1: fields.family names column 'family', which the header does not have; .*fields.addressLines\\[0\\] names column 'line1'.*\\(its columns: id, given, surname, dob\\)`,
        ),
      );
      await expect(
        readExtract(path, parseExtractMap('{"fields": {"given": "given"}}', 'm.json'), { truthColumn: 'person' }),
      ).rejects.toThrow(/--truth names column 'person', which the header does not have/);
    });

    it('a mapped column the header holds twice', async () => {
      const path = await file('twice.csv', 'id,given,given\n1,A,B\n');
      const small = parseExtractMap('{"localId": "id", "fields": {"given": "given"}}', 'm.json');
      await expect(readExtract(path, small)).rejects.toThrow(
        /fields.given names column 'given', which the header has 2 times \(columns 2, 3\)/,
      );
    });

    it('a blank local id, an empty file and a missing file', async () => {
      const blank = await file('blank-id.csv', 'id,given,family,dob,sex,line1,line2,postcode,nhs\n1,A,B,,,,,,\n ,C,D,,,,,,\n');
      await expect(readExtract(blank, map)).rejects.toThrow(`${blank}:3: the local id (column 'id') is blank`);
      const empty = await file('empty.csv', '');
      await expect(readExtract(empty, map)).rejects.toThrow(`${empty}: the file is empty: it has no header row`);
      await expect(readExtract(join(folder, 'nowhere.csv'), map)).rejects.toThrow(/nowhere.csv: cannot read the file \(no such file\)/);
      await expect(readExtract(folder, map)).rejects.toThrow(`${folder}: cannot read the file (it is a folder)`);
    });

    it('the same source and local id twice, naming both lines', async () => {
      const first = await file('north.csv', 'id,given,family,dob,sex,line1,line2,postcode,nhs\n1,A,B,,,,,,\n2,C,D,,,,,,\n');
      const again = await file('north.tsv', 'id,given,family,dob,sex,line1,line2,postcode,nhs\n3,E,F,,,,,,\n2,G,H,,,,,,\n');
      const extracts = [await readExtract(first, map), await readExtract(again, map)];
      expect(() => combineExtracts(extracts)).toThrow(`${again}:3: duplicate record: the same source and local id as on ${first}:3`);
    });
  });

  it('joins several extracts in input order and writes links.csv with a row for each record', async () => {
    const north = await file('north-gp.csv', 'id,given,family,dob,sex,line1,line2,postcode,nhs,who\n1,A,B,,,,,,,P1\n2,"C, D",E,,,,,,,\n');
    const south = await file('south-gp.csv', 'id,given,family,dob,sex,line1,line2,postcode,nhs,who\n1,F,G,,,,,,,P1\n');
    const { records, truths } = combineExtracts([
      await readExtract(north, map, { truthColumn: 'who' }),
      await readExtract(south, map, { truthColumn: 'who' }),
    ]);
    expect(records.map((record) => `${record.source}/${record.localId}`)).toEqual(['north-gp/1', 'north-gp/2', 'south-gp/1']);
    const out = join(folder, 'links.csv');
    await writeLinksCsv(
      out,
      records,
      [
        { clusterId: 'C1', method: 'probabilistic', score: 0.987654 },
        { clusterId: 'C2', method: 'new', score: 0 },
        { clusterId: 'C1', method: 'nhs-number', score: 1 },
      ],
      truths,
    );
    expect(await readFile(out, 'utf8')).toBe(
      'source,local_id,cluster_id,method,score,truth\nnorth-gp,1,C1,probabilistic,0.9877,P1\nnorth-gp,2,C2,new,0.0000,\nsouth-gp,1,C1,nhs-number,1.0000,P1\n',
    );
    expect((await readdir(folder)).filter((name) => name.includes('partial'))).toEqual([]);
  });
});
