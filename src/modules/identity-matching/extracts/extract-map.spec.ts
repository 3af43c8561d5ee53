import { ExtractInputError } from './extract-input-error.js';
import { parseExtractMap } from './extract-map.js';

const read = (map: unknown) => parseExtractMap(JSON.stringify(map), 'map.json');
const problem = (map: unknown) => {
  try {
    read(map);
  } catch (error) {
    expect(error).toBeInstanceOf(ExtractInputError);
    return (error as ExtractInputError).message;
  }
  throw new Error('the map was accepted');
};

describe('the column map of npm run link', () => {
  it('reads the map the issue gives as its example', () => {
    const map = read({
      localId: 'rec_id',
      fields: {
        given: 'given_name',
        family: 'surname',
        birthDate: { column: 'date_of_birth', format: 'YYYYMMDD' },
        postcode: 'postcode',
        addressLines: ['street_number', 'address_1', 'address_2'],
        city: 'suburb',
        otherIdentifier: 'soc_sec_id',
        nhsNumber: 'nhs_number',
        sex: 'sex',
      },
    });
    expect(map).toMatchObject({
      localId: 'rec_id',
      delimiter: ',',
      encoding: 'utf8',
      text: {
        given: 'given_name',
        family: 'surname',
        postcode: 'postcode',
        city: 'suburb',
        otherIdentifier: 'soc_sec_id',
        nhsNumber: 'nhs_number',
        sex: 'sex',
      },
      addressLines: ['street_number', 'address_1', 'address_2'],
      birthDate: { column: 'date_of_birth', format: { name: 'YYYYMMDD' } },
    });
    expect(map.source).toBeUndefined();
  });

  it('takes a plain birthDate column as ISO-or-compact, one address column, a source column and middle names', () => {
    const map = read({ source: 'system', fields: { birthDate: 'dob', addressLines: 'address', middle: 'middle_names' } });
    expect(map).toMatchObject({
      source: 'system',
      birthDate: { column: 'dob', format: 'year-first' },
      addressLines: ['address'],
      text: { middle: 'middle_names' },
    });
  });

  it('accepts localId and source under "fields" too, but not in both places', () => {
    expect(read({ fields: { localId: 'id', source: 'src', given: 'g' } })).toMatchObject({ localId: 'id', source: 'src' });
    expect(problem({ localId: 'id', fields: { localId: 'id2', given: 'g' } })).toMatch(/localId: given both at the top and under "fields"/);
  });

  it('names the key of every mistake, so one run shows everything to fix', () => {
    const message = problem({ localId: 7, fields: { givn: 'given', birthDate: { column: 'dob', format: 'YYMMDD' } } });
    expect(message).toMatch(/^map\.json: /);
    expect(message).toMatch(/localId: must be a column name/);
    expect(message).toMatch(/fields: unknown key 'givn' \(known: given, middle, family/);
    expect(problem({ fields: { birthDate: { column: 'dob', format: 'YYMMDD' } } })).toMatch(
      /fields\.birthDate\.format: 'YYMMDD' is not a date format/,
    );
    expect(problem({ fields: { given: '' } })).toMatch(/fields\.given: must name a column/);
    expect(problem({ fields: { addressLines: [] } })).toMatch(/fields\.addressLines: must name at least one column/);
    expect(problem({ fields: { given: 'g' }, colour: 'blue' })).toMatch(/the map: unknown key 'colour'/);
  });

  it('refuses a map that is not JSON, not an object, or names nothing to match on', () => {
    expect(problem(undefined)).toMatch(/map\.json: not valid JSON/);
    expect(parseExtractMap.bind(null, '{"fields": {', 'map.json')).toThrow(/not valid JSON/);
    expect(problem([1, 2])).toMatch(/the map must be a JSON object/);
    expect(problem({ localId: 'id' })).toMatch(/fields: required/);
    expect(problem({ localId: 'id', fields: {} })).toMatch(/fields: names no identity field to match on/);
  });

  it('takes another separator and Latin-1 text for extracts written that way', () => {
    expect(read({ delimiter: '|', encoding: 'latin1', fields: { given: 'g' } })).toMatchObject({ delimiter: '|', encoding: 'latin1' });
    expect(problem({ delimiter: '||', fields: { given: 'g' } })).toMatch(/delimiter: must be one character/);
    expect(problem({ encoding: 'ebcdic', fields: { given: 'g' } })).toMatch(/encoding: 'utf8' or 'latin1'/);
  });
});
