import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { R4Bundle, R4CodeableConcept, R4Resource } from '../../../fhir/index.js';
import { clinicalDateOf, displayOf, statusOf, withDisplays } from './item-display.js';
import { SNOMED, DMD } from '../../../../test/factories/sourced-resources.js';

// Shapes as the sandbox's trusts render them (resource-renderers.ts) and as GP Connect's STU3
// comes out of the R4 conversion (no display on converted status codes).
const LOINC = 'http://loinc.org';
const ALLERGY_CLINICAL = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical';
const ALLERGY_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification';
const SYNTHEA = join(process.cwd(), '..', 'shared', 'fixtures', 'fhir', 'synthea');

function codingsOf(node: unknown, found: fhir4.Coding[] = []): fhir4.Coding[] {
  if (Array.isArray(node)) node.forEach((item) => codingsOf(item, found));
  else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'meta') continue;
      if (key === 'coding' && Array.isArray(value)) found.push(...(value as fhir4.Coding[]));
      codingsOf(value, found);
    }
  }
  return found;
}

describe('withDisplays', () => {
  it('names a coding from its concept text, another coding, or its code system', () => {
    const observation: fhir4.Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: SNOMED, code: '1049301000000100' }], text: 'HbA1c level (IFCC standardised)' },
      valueCodeableConcept: {
        coding: [
          { system: SNOMED, code: '75367002', display: 'Blood pressure' },
          { system: LOINC, code: '85354-9' },
        ],
      },
      interpretation: [
        { coding: [{ system: SNOMED, code: '22298006' }] },
        { coding: [{ system: DMD, code: '325278007' }] },
        { coding: [{ system: LOINC, code: '59261-8' }] },
        { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'E11' }] },
        { coding: [{ system: 'http://read.info/readv2', code: 'C10F.' }] },
      ],
    };
    const shown = withDisplays(observation);
    expect(shown.code.coding![0]!.display).toBe('HbA1c level (IFCC standardised)');
    expect(shown.valueCodeableConcept!.coding![1]!.display).toBe('Blood pressure');
    expect(shown.interpretation!.map((concept) => concept.coding![0]!.display)).toEqual([
      'SNOMED CT 22298006',
      'dm+d 325278007',
      'LOINC 59261-8',
      'ICD-10 E11',
      'Read C10F.',
    ]);
  });

  it('reads HL7 status codes as words, fills contained resources, and leaves the input untouched', () => {
    // A GP Connect allergy after STU3 → R4: its status concepts carry codes only.
    const allergy: fhir4.AllergyIntolerance = {
      resourceType: 'AllergyIntolerance',
      clinicalStatus: { coding: [{ system: ALLERGY_CLINICAL, code: 'active' }] },
      verificationStatus: { coding: [{ system: ALLERGY_VERIFICATION, code: 'entered-in-error' }] },
      code: { coding: [{ system: SNOMED, code: '373270004', display: 'Penicillin -class of antibiotic-' }] },
      patient: { reference: 'Patient/9000000009' },
      contained: [{ resourceType: 'Medication', id: 'm1', code: { coding: [{ system: SNOMED, code: '323510009' }] } } as R4Resource],
    };
    const before = structuredClone(allergy);
    const shown = withDisplays(allergy);
    expect(shown.clinicalStatus!.coding![0]!.display).toBe('Active');
    expect(shown.verificationStatus!.coding![0]!.display).toBe('Entered in error');
    expect(((shown.contained![0] as fhir4.Medication).code as R4CodeableConcept).coding![0]!.display).toBe('SNOMED CT 323510009');
    expect(allergy).toEqual(before);
  });
});

describe('displayOf', () => {
  it('names an allergy by its substance and a medicine by its name and short dosage', () => {
    expect(
      displayOf({
        resourceType: 'AllergyIntolerance',
        code: { coding: [{ system: SNOMED, code: '373270004', display: 'Penicillin -class of antibiotic-' }] },
        patient: { reference: 'Patient/1' },
      } as fhir4.AllergyIntolerance),
    ).toBe('Penicillin -class of antibiotic-');
    const request: fhir4.MedicationRequest = {
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: {
        coding: [{ system: DMD, code: '323510009', display: 'Amoxicillin 500mg capsules' }],
        text: 'Amoxicillin 500mg capsules',
      },
      subject: { reference: 'Patient/1' },
      dosageInstruction: [{ text: 'One capsule three times a day' }],
    };
    expect(displayOf(request)).toBe('Amoxicillin 500mg capsules — One capsule three times a day');
    const long = { ...request, dosageInstruction: [{ text: 'Take one capsule three times a day for seven days, then stop; see leaflet' }] };
    expect(displayOf(long)).toBe('Amoxicillin 500mg capsules');
  });

  it('names a GP Connect medication statement by its contained Medication', () => {
    const statement: fhir4.MedicationStatement = {
      resourceType: 'MedicationStatement',
      status: 'active',
      contained: [
        {
          resourceType: 'Medication',
          id: 'med1',
          code: { coding: [{ system: SNOMED, code: '325278007', display: 'Metformin 500mg tablets' }], text: 'Metformin 500mg tablets' },
        } as R4Resource,
      ],
      medicationReference: { reference: '#med1' },
      subject: { reference: 'Patient/9000000009' },
      effectivePeriod: { start: '2019-03-04' },
      dosage: [{ text: 'One tablet twice a day' }],
    };
    expect(displayOf(statement)).toBe('Metformin 500mg tablets — One tablet twice a day');
    expect(clinicalDateOf(statement)).toBe('2019-03-04');
  });

  it('shows an observation with its value and a blood pressure as systolic/diastolic', () => {
    const hba1c: fhir4.Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: SNOMED, code: '1049301000000100', display: 'HbA1c level (IFCC standardised)' }] },
      effectiveDateTime: '2024-02-05T10:15:00Z',
      valueQuantity: { value: 48, unit: 'mmol/mol', system: 'http://unitsofmeasure.org', code: 'mmol/mol' },
    };
    expect(displayOf(hba1c)).toBe('HbA1c level (IFCC standardised) 48 mmol/mol');
    const pressure: fhir4.Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: SNOMED, code: '75367002', display: 'Blood pressure' }], text: 'Blood pressure' },
      component: [
        {
          code: { coding: [{ system: SNOMED, code: '271649006', display: 'Systolic blood pressure' }] },
          valueQuantity: { value: 120, unit: 'mm[Hg]', code: 'mm[Hg]' },
        },
        {
          code: { coding: [{ system: SNOMED, code: '271650006', display: 'Diastolic blood pressure' }] },
          valueQuantity: { value: 80, unit: 'mm[Hg]', code: 'mm[Hg]' },
        },
      ],
    };
    expect(displayOf(pressure)).toBe('Blood pressure 120/80 mmHg');
    expect(displayOf({ ...hba1c, valueQuantity: { value: 37.2, unit: 'Cel' } } as fhir4.Observation)).toBe(
      'HbA1c level (IFCC standardised) 37.2 °C',
    );
  });

  it('names encounters, appointments, care plans and reports with their dates', () => {
    expect(
      displayOf({
        resourceType: 'Encounter',
        status: 'finished',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP', display: 'inpatient encounter' },
        type: [{ coding: [{ system: SNOMED, code: '32485007', display: 'Hospital admission' }], text: 'Hospital admission' }],
        period: { start: '2024-01-02T07:30:00Z', end: '2024-01-05T11:00:00Z' },
      } as fhir4.Encounter),
    ).toBe('Hospital admission, 2 Jan 2024 to 5 Jan 2024');
    // GP Connect sends no class: the R4 conversion says "unknown", which is no name for it.
    expect(
      displayOf({
        resourceType: 'Encounter',
        status: 'finished',
        class: { system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'unknown', display: 'Unknown' },
        period: { start: '2024-03-01T09:10:00Z' },
      } as fhir4.Encounter),
    ).toBe('Encounter, 1 Mar 2024');
    expect(
      displayOf({
        resourceType: 'Appointment',
        status: 'booked',
        serviceType: [{ text: 'Cardiology' }],
        start: '2025-02-03T09:10:00Z',
        participant: [],
      } as fhir4.Appointment),
    ).toBe('Cardiology, 3 Feb 2025 09:10');
    expect(
      displayOf({
        resourceType: 'CarePlan',
        status: 'active',
        intent: 'plan',
        category: [{ text: 'Social care support' }],
        subject: { reference: 'Patient/1' },
      } as fhir4.CarePlan),
    ).toBe('Social care support');
    expect(
      displayOf({
        resourceType: 'DiagnosticReport',
        status: 'final',
        // GP systems file every test under one generic code, naming the test in the text.
        code: { coding: [{ system: SNOMED, code: '721981007', display: 'Diagnostic studies report' }], text: 'Full blood count' },
      } as fhir4.DiagnosticReport),
    ).toBe('Full blood count');
  });
});

describe('clinicalDateOf and statusOf', () => {
  it('takes the date that matters clinically for each type', () => {
    expect(clinicalDateOf({ resourceType: 'Condition', onsetDateTime: '2016-05-01', recordedDate: '2016-06-01' } as R4Resource)).toBe(
      '2016-05-01',
    );
    expect(
      clinicalDateOf({ resourceType: 'MedicationRequest', authoredOn: '2023-09-10', status: 'active', intent: 'order' } as R4Resource),
    ).toBe('2023-09-10');
    expect(clinicalDateOf({ resourceType: 'Appointment', start: '2025-01-01T10:00:00Z', created: '2024-12-01' } as R4Resource)).toBe(
      '2025-01-01T10:00:00Z',
    );
    expect(clinicalDateOf({ resourceType: 'CarePlan', created: '2022-04-01' } as R4Resource)).toBe('2022-04-01');
    expect(clinicalDateOf({ resourceType: 'Patient' })).toBeUndefined();
  });

  it('gives the clinical status of allergies and conditions, verification errors first, and the status of the rest', () => {
    const condition = {
      resourceType: 'Condition',
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'resolved' }] },
    } as R4Resource;
    expect(statusOf(condition)).toBe('resolved');
    expect(
      statusOf({
        resourceType: 'AllergyIntolerance',
        verificationStatus: { coding: [{ system: ALLERGY_VERIFICATION, code: 'entered-in-error' }] },
      } as R4Resource),
    ).toBe('entered-in-error');
    expect(statusOf({ resourceType: 'MedicationStatement', status: 'stopped' } as R4Resource)).toBe('stopped');
  });
});

describe('every resource of the Synthea bundles', () => {
  const DISPLAYED = new Set([
    'AllergyIntolerance',
    'MedicationRequest',
    'Condition',
    'Observation',
    'DiagnosticReport',
    'Encounter',
    'CarePlan',
  ]);
  const resources = readdirSync(SYNTHEA)
    .filter((name) => name.endsWith('.json'))
    .flatMap((name) => (JSON.parse(readFileSync(join(SYNTHEA, name), 'utf8')) as R4Bundle).entry ?? [])
    .map((entry) => entry.resource!)
    .filter((resource) => DISPLAYED.has(resource.resourceType));

  it('has a readable one-line name and a display on every coding', () => {
    expect(resources.length).toBeGreaterThan(2500);
    for (const resource of resources) {
      const display = displayOf(resource);
      expect(display.trim()).not.toBe('');
      expect(display).not.toMatch(/undefined|NaN|\[object/);
      expect(display).not.toContain('\n');
      for (const coding of codingsOf(withDisplays(resource))) if (coding.code) expect(coding.display?.trim()).toBeTruthy();
    }
  });
});
