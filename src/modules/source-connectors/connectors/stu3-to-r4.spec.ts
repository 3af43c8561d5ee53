import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { convertStu3Bundle, convertStu3Resource, Stu3ConversionError } from './stu3-to-r4.js';
import { r4Errors } from '../../../../test/setup/r4-validation.js';

// Every published GP Connect example (shared fixtures) converted to R4 and checked with medplum's
// validator against the base R4 StructureDefinitions.

const FIXTURES = path.resolve(process.cwd(), '../shared/fixtures/gp-connect');
const SOURCE = 'https://gp.example/F83001';

type Resource = { resourceType: string; id?: string; meta?: { source?: string }; [key: string]: unknown };

function fixtures(folder: string, pattern: RegExp): string[] {
  return readdirSync(path.join(FIXTURES, folder))
    .filter((name) => pattern.test(name))
    .sort()
    .map((name) => `${folder}/${name}`);
}

const read = (file: string): Resource => JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as Resource;

it('uses a validator that does catch invalid R4', () => {
  expect(
    r4Errors({ resourceType: 'AllergyIntolerance', id: 'x', patient: { reference: 'Patient/1' }, clinicalStatus: 'active' }),
  ).not.toEqual([]);
});

const bundleFiles = [
  ...fixtures('access-record-structured', /response|skeleton|split_plan/),
  ...fixtures('appointments', /searchset|retrieve|search_for/),
  ...fixtures('foundations', /find_|register_patient_response/),
];

describe.each(bundleFiles)('%s', (file) => {
  it('converts every entry to valid R4 with meta.source', () => {
    const result = convertStu3Bundle(read(file), SOURCE);
    const errors = result.resources.flatMap((resource) => r4Errors(resource as Resource));
    expect(errors).toEqual([]);
    for (const resource of result.resources) expect(resource.meta?.source).toBe(SOURCE);
    // Only the skeleton example (elements left out on purpose) has resources R4 cannot hold.
    if (file.includes('skeleton')) {
      for (const reason of Object.keys(result.skipped)) expect(reason).toMatch(/: missing required /);
    } else {
      expect(result.skipped).toEqual({});
    }
    const entries = (read(file).entry as unknown[] | undefined) ?? [];
    expect(result.resources.length + result.warnings.length > 0 || entries.length === 0).toBe(true);
  });
});

const singleResourceFiles = [
  ...fixtures('appointments', /^(amend|book|read)_appt_(request|response)/),
  ...fixtures('foundations', /^read_/),
];

describe.each(singleResourceFiles)('%s', (file) => {
  it('converts to valid R4', () => {
    const converted = convertStu3Resource(read(file), SOURCE) as Resource;
    expect(r4Errors(converted)).toEqual([]);
    expect(converted.meta?.source).toBe(SOURCE);
  });
});

it('counts what converts across the structured record examples', () => {
  const byType: Record<string, number> = {};
  for (const file of fixtures('access-record-structured', /response|skeleton|split_plan/)) {
    for (const resource of convertStu3Bundle(read(file), SOURCE).resources)
      byType[resource.resourceType] = (byType[resource.resourceType] ?? 0) + 1;
  }
  expect(byType).toMatchObject({
    Patient: 12,
    AllergyIntolerance: 6,
    MedicationStatement: 5,
    MedicationRequest: 14,
    Medication: 6,
    Observation: 19,
    DiagnosticReport: 1,
    ServiceRequest: 3,
    Specimen: 1,
    Immunization: 3,
    Condition: 1,
  });
  const skeleton = convertStu3Bundle(read('access-record-structured/skeleton_full_record.json'), SOURCE);
  expect(skeleton.skipped).toEqual({
    'AllergyIntolerance: missing required patient': 3,
    'Condition: missing required subject': 1,
    'Encounter: missing required status': 1,
    'Immunization: missing required status, vaccineCode, patient': 3,
    'List: missing required status, mode': 16,
    'MedicationStatement: missing required status, medication[x], subject': 3,
    'Observation: missing required status, code': 3,
  });
});

it('maps the STU3 shapes that changed in R4', () => {
  const allergies = convertStu3Bundle(read('access-record-structured/allergies_response1.json'), SOURCE).resources;
  const allergy = allergies.find((resource) => resource.resourceType === 'AllergyIntolerance') as fhir4.AllergyIntolerance;
  expect(allergy.clinicalStatus?.coding?.[0]?.system).toBe('http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical');
  expect(allergy.verificationStatus?.coding?.[0]?.system).toBe('http://terminology.hl7.org/CodeSystem/allergyintolerance-verification');
  expect(allergy.recordedDate).toBeDefined();

  const pathology = convertStu3Bundle(read('access-record-structured/pathology_response1.json'), SOURCE).resources;
  expect(pathology.some((resource) => resource.resourceType === 'ProcedureRequest')).toBe(false);
  const report = pathology.find((resource) => resource.resourceType === 'DiagnosticReport') as fhir4.DiagnosticReport;
  for (const performer of report.performer ?? []) expect(performer.reference).toBeDefined();
  const list = pathology.find((resource) => resource.resourceType === 'List') as fhir4.List;
  expect(JSON.stringify(list)).not.toContain('ProcedureRequest/');

  const meds = convertStu3Bundle(read('access-record-structured/meds_response.json'), SOURCE).resources;
  const order = meds.find((resource) => resource.resourceType === 'MedicationRequest') as fhir4.MedicationRequest;
  expect(order.requester === undefined || typeof order.requester.reference === 'string').toBe(true);
  // CareConnect extensions are kept with their URLs.
  expect(JSON.stringify(meds)).toContain('Extension-CareConnect-GPC-PrescriptionType-1');
});

it('works around entries that are bare resources, counting them', () => {
  const result = convertStu3Bundle(read('access-record-structured/diaryentries_response1.json'), SOURCE);
  expect(result.defects).toEqual({ 'entry without resource wrapper': 2, 'ProcedureRequest.occurrence without type': 2 });
  expect(result.resources.filter((resource) => resource.resourceType === 'ServiceRequest')).toHaveLength(2);
});

it('carries the bundle warnings as codes', () => {
  const result = convertStu3Bundle(read('access-record-structured/consultations_forwards_response1.json'), SOURCE);
  expect(result.warnings.length).toBeGreaterThan(0);
});

it('skips and counts types it has no mapping for, and refuses what is not a bundle', () => {
  const result = convertStu3Bundle(
    { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Flag', id: 'f' } }, {}] },
    SOURCE,
  );
  expect(result.resources).toEqual([]);
  expect(result.skipped).toEqual({ 'Flag: no R4 mapping': 1, 'entry: no resource': 1 });
  expect(() => convertStu3Bundle({ resourceType: 'Patient' }, SOURCE)).toThrow(Stu3ConversionError);
  expect(() => convertStu3Bundle('[', SOURCE)).toThrow(Stu3ConversionError);
});
