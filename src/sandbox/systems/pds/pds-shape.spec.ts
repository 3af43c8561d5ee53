import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { outcomeShapeProblems, patientShapeProblems, pdsShapeProblems, searchsetShapeProblems } from './pds-shape.js';

const FIXTURES = path.resolve(process.cwd(), '../shared/fixtures/pds');

function fixture(relative: string): unknown {
  return JSON.parse(readFileSync(path.join(FIXTURES, relative), 'utf8'));
}

function filesIn(folder: string): string[] {
  return readdirSync(path.join(FIXTURES, folder))
    .filter((name) => name.endsWith('.json'))
    .map((name) => `${folder}/${name}`);
}

// The checker is only worth running over our responses if PDS's own responses pass it.
describe('PDS shape checker', () => {
  const patients = [
    ...filesIn('mock-stubs/patientResponses'),
    'sandbox/Patient.json',
    'sandbox/Sensitive_Patient.json',
    'sandbox/Patient-Jayne-Smyth.json',
  ];
  const searchsets = [...filesIn('mock-stubs/searchResponses'), ...filesIn('sandbox')].filter((file) => {
    const body = fixture(file) as { resourceType?: string; entry?: Array<{ resource: { resourceType: string } }> };
    return body.resourceType === 'Bundle' && (body.entry ?? []).every((entry) => entry.resource.resourceType === 'Patient');
  });
  // NOT_SUPPORTED_SEARCH is the mock server's own warning, not a Spine error.
  const outcomes = [
    ...filesIn('mock-stubs/errorResponses').filter((file) => !file.endsWith('NOT_SUPPORTED_SEARCH.json')),
    'mock-stubs/searchResponses/TOO_MANY_MATCHES.json',
  ];

  it.each(patients)('accepts the Patient fixture %s', (file) => {
    expect(patientShapeProblems(fixture(file))).toEqual([]);
  });

  it.each(searchsets)('accepts the searchset fixture %s', (file) => {
    expect(searchsetShapeProblems(fixture(file))).toEqual([]);
  });

  it.each(outcomes)('accepts the OperationOutcome fixture %s', (file) => {
    expect(outcomeShapeProblems(fixture(file))).toEqual([]);
  });

  it('finds what is wrong with a Patient that strays from the PDS shape', () => {
    const patient = fixture('sandbox/Patient.json') as {
      identifier: Array<{ extension: unknown[] }>;
      name: Array<{ period: unknown }>;
      address: Array<{ use: string }>;
      nickname?: string;
    };
    patient.identifier[0].extension = [];
    patient.name[0].period = { begin: '2020-01-01' };
    patient.address[0].use = 'somewhere';
    patient.nickname = 'JJ';
    const problems = pdsShapeProblems(patient);
    expect(problems).toEqual(
      expect.arrayContaining([
        'Patient: unexpected key nickname',
        'Patient.identifier[0] lacks the NHS number verification status extension',
        'Patient.name[0].period: unexpected key begin',
        'Patient.address[0].use somewhere is not one of home, temp, work, billing, old',
      ]),
    );
  });

  it('finds a searchset entry without a score', () => {
    const bundle = fixture('sandbox/PatientSearch.json') as { entry: Array<{ search?: unknown }> };
    delete bundle.entry[0].search;
    expect(searchsetShapeProblems(bundle)).toEqual(['Bundle.entry[0].search.score is not a number in [0, 1]']);
  });
});
