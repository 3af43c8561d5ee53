import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { R4Bundle, R4Resource } from '../../../fhir/index.js';
import type { RecordSection } from '../../source-connectors/index.js';
import { deduplicateSection } from './deduplicate.js';
import { SNOMED, DMD, GP, ACUTE, MENTAL_HEALTH, sourced } from '../../../../test/factories/sourced-resources.js';

// Resources shaped as the sandbox sends them: the trusts' R4 (resource-renderers.ts) and the GP
// practice's GP Connect STU3 after the connector's R4 conversion (structured-record.bundle.ts).

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const GP_ITEM_ID = 'https://fhir.nhs.uk/Id/cross-care-setting-identifier';
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const SANDBOX = 'https://fhir.sandbox.tessera.example';

type Coding = { system: string; code: string; display: string };
const PENICILLIN: Coding = { system: SNOMED, code: '373270004', display: 'Penicillin -class of antibiotic-' };
const LATEX: Coding = { system: SNOMED, code: '111088007', display: 'Latex' };
const METFORMIN: Coding = { system: DMD, code: '325278007', display: 'Metformin 500mg tablets' };
const DEPRESSION: Coding = { system: SNOMED, code: '35489007', display: 'Depressive disorder' };
const PNEUMONIA: Coding = { system: SNOMED, code: '233604007', display: 'Pneumonia' };
const HBA1C: Coding = { system: SNOMED, code: '1049301000000100', display: 'HbA1c level (IFCC standardised)' };

let serial = 0;
const nextId = (prefix: string) => `${prefix}${++serial}`;

function concept(coding: Coding) {
  return { coding: [{ ...coding }], text: coding.display };
}

/** The trust's own identifier on every item (R4ResourceRenderer.itemHeader). */
function trustHeader(system: string, type: string) {
  const id = nextId('RVA1234567.item-');
  return { id, identifier: [{ system: `${SANDBOX}/${system}/${type.toLowerCase()}`, value: id }] };
}

function gpHeader() {
  const id = `0b7c${String(++serial).padStart(4, '0')}-5a1e-4c3b-9d2f-7e6a1b2c3d4e`;
  return { id, identifier: [{ system: GP_ITEM_ID, value: id }] };
}

function hospitalAllergy(substance: Coding, onset: string, clinicalStatus = 'active'): R4Resource {
  return {
    resourceType: 'AllergyIntolerance',
    ...trustHeader('acute', 'AllergyIntolerance'),
    clinicalStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: clinicalStatus, display: 'Active' }],
    },
    verificationStatus: {
      coding: [
        { system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'confirmed', display: 'Confirmed' },
      ],
    },
    type: 'allergy',
    category: ['medication'],
    criticality: 'low',
    code: concept(substance),
    patient: { reference: 'Patient/RVA1234567' },
    onsetDateTime: onset,
    recordedDate: '2021-06-14',
    reaction: [{ manifestation: [concept({ system: SNOMED, code: '126485001', display: 'Urticaria' })], severity: 'mild' }],
  } as R4Resource;
}

/** A GP Connect allergy after conversion: its status concepts carry no display. */
function gpAllergy(substance: Coding, onset: string): R4Resource {
  return {
    resourceType: 'AllergyIntolerance',
    ...gpHeader(),
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
    verificationStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'confirmed' }],
    },
    type: 'allergy',
    category: ['medication'],
    criticality: 'low',
    code: concept(substance),
    patient: { reference: 'Patient/9000000009' },
    onsetDateTime: onset,
    recordedDate: onset,
    recorder: { reference: 'PractitionerRole/pr1' },
  } as R4Resource;
}

function hospitalMedication(medicine: Coding, start: string, status: string, end?: string): R4Resource {
  return {
    resourceType: 'MedicationRequest',
    ...trustHeader('acute', 'MedicationRequest'),
    status,
    intent: 'order',
    category: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/medicationrequest-category', code: 'inpatient', display: 'Inpatient' }] },
    ],
    medicationCodeableConcept: concept(medicine),
    subject: { reference: 'Patient/RVA1234567' },
    authoredOn: start,
    dosageInstruction: [{ text: 'One tablet twice a day' }],
    dispenseRequest: { validityPeriod: { start, ...(end ? { end } : {}) }, quantity: { value: 56, unit: 'tablet' } },
  } as R4Resource;
}

/**
 * A GP medicine as GP Connect sends it: the Medication (dm+d code under the SNOMED CT system),
 * the statement, its authorisation (intent plan) and each issue (intent order, based on the plan).
 */
function gpMedicationCourse(medicine: Coding, start: string, status: string, issues: string[], end?: string): R4Resource[] {
  const medicationId = nextId('medication-');
  const plan = gpHeader();
  const statement = gpHeader();
  const medicationReference = { reference: `Medication/${medicationId}` };
  const period = { start, ...(end ? { end } : {}) };
  return [
    {
      resourceType: 'Medication',
      id: medicationId,
      code: { coding: [{ system: SNOMED, code: medicine.code, display: medicine.display }], text: medicine.display },
    } as R4Resource,
    {
      resourceType: 'MedicationStatement',
      ...statement,
      basedOn: [{ reference: `MedicationRequest/${plan.id}` }],
      status,
      medicationReference,
      effectivePeriod: period,
      dateAsserted: start,
      subject: { reference: 'Patient/9000000009' },
      dosage: [{ text: 'One tablet twice a day' }],
    } as R4Resource,
    {
      resourceType: 'MedicationRequest',
      ...plan,
      intent: 'plan',
      status,
      medicationReference,
      subject: { reference: 'Patient/9000000009' },
      authoredOn: start,
      dosageInstruction: [{ text: 'One tablet twice a day' }],
      dispenseRequest: { validityPeriod: period },
    } as R4Resource,
    ...issues.map(
      (date) =>
        ({
          resourceType: 'MedicationRequest',
          ...gpHeader(),
          intent: 'order',
          status: 'completed',
          basedOn: [{ reference: `MedicationRequest/${plan.id}` }],
          medicationReference,
          subject: { reference: 'Patient/9000000009' },
          authoredOn: date,
          dosageInstruction: [{ text: 'One tablet twice a day' }],
        }) as R4Resource,
    ),
  ];
}

function condition(system: string, code: Coding, onset: string, clinicalStatus: 'active' | 'resolved', abatement?: string): R4Resource {
  return {
    resourceType: 'Condition',
    ...trustHeader(system, 'Condition'),
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: clinicalStatus }] },
    verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
    code: concept(code),
    subject: { reference: 'Patient/x' },
    onsetDateTime: onset,
    ...(abatement ? { abatementDateTime: abatement } : {}),
  } as R4Resource;
}

/** The hospital's observation: SNOMED CT first, LOINC beside it; the GP's: SNOMED CT only. */
function observation(from: 'gp' | 'acute', code: Coding, effective: string, value: number, unit: string, loinc?: Coding): R4Resource {
  return {
    resourceType: 'Observation',
    ...(from === 'gp' ? gpHeader() : trustHeader('acute', 'Observation')),
    status: 'final',
    code: { coding: [{ ...code }, ...(loinc && from === 'acute' ? [{ ...loinc }] : [])], text: code.display },
    subject: { reference: 'Patient/x' },
    effectiveDateTime: effective,
    issued: effective,
    valueQuantity: { value, unit, system: UCUM, code: unit },
  } as R4Resource;
}

function bloodPressure(effective: string, systolic: number, diastolic: number): R4Resource {
  return {
    resourceType: 'Observation',
    ...trustHeader('acute', 'Observation'),
    status: 'final',
    code: concept({ system: SNOMED, code: '75367002', display: 'Blood pressure' }),
    subject: { reference: 'Patient/x' },
    effectiveDateTime: effective,
    component: [
      {
        code: concept({ system: SNOMED, code: '271649006', display: 'Systolic blood pressure' }),
        valueQuantity: { value: systolic, unit: 'mm[Hg]', system: UCUM, code: 'mm[Hg]' },
      },
      {
        code: concept({ system: SNOMED, code: '271650006', display: 'Diastolic blood pressure' }),
        valueQuantity: { value: diastolic, unit: 'mm[Hg]', system: UCUM, code: 'mm[Hg]' },
      },
    ],
  } as R4Resource;
}

function hospitalEncounter(system: string, start: string, end: string, classCode = 'AMB', identifier?: fhir4.Identifier): R4Resource {
  const header = trustHeader(system, 'Encounter');
  return {
    resourceType: 'Encounter',
    ...header,
    ...(identifier ? { identifier: [...header.identifier, identifier] } : {}),
    status: 'finished',
    class: { system: ACT_CODE, code: classCode, display: classCode === 'AMB' ? 'ambulatory' : 'emergency' },
    type: [{ coding: [{ system: SNOMED, code: '11429006', display: 'Consultation' }], text: 'Consultation' }],
    subject: { reference: 'Patient/x' },
    period: { start, end },
  } as R4Resource;
}

function appointment(system: string, start: string, service: string, identifier?: fhir4.Identifier): R4Resource {
  const header = trustHeader(system, 'Appointment');
  return {
    resourceType: 'Appointment',
    ...header,
    ...(identifier ? { identifier: [...header.identifier, identifier] } : {}),
    status: 'booked',
    serviceType: [{ text: service }],
    description: `${service} appointment`,
    start,
    end: start.replace(/T(\d{2})/, (_match, hour: string) => `T${String(Number(hour) + 1).padStart(2, '0')}`),
    created: '2026-10-01',
    participant: [{ actor: { reference: 'Patient/x' }, status: 'accepted' }],
  } as R4Resource;
}

function carePlan(system: string, title: string, created: string): R4Resource {
  return {
    resourceType: 'CarePlan',
    ...trustHeader(system, 'CarePlan'),
    status: 'active',
    intent: 'plan',
    category: [{ text: 'Long-term condition care plan' }],
    title,
    subject: { reference: 'Patient/x' },
    period: { start: created },
    created,
  } as R4Resource;
}

describe('deduplicateSection', () => {
  it("shows the hospital's copy of a GP drug allergy once, listing both sources with their own copies", () => {
    const gp = gpAllergy(PENICILLIN, '2015-04-02');
    const hospital = hospitalAllergy(PENICILLIN, '2015-04-02');
    const items = deduplicateSection('allergies', [sourced('allergies', GP, gp), sourced('allergies', ACUTE, hospital)]);

    expect(items).toHaveLength(1);
    const [item] = items;
    expect(item!.id).toMatch(/^[0-9a-f]{16}$/);
    expect(item!.display).toBe('Penicillin -class of antibiotic-');
    expect(item!.date).toBe('2015-04-02');
    expect(item!.status).toBe('active');
    expect(item!.sources.map((source) => source.sourceId).sort()).toEqual([ACUTE.sourceId, GP.sourceId]);
    // Each copy is its source's own, in the order of the sources; the fuller copy (the hospital's, with a reaction) is shown.
    item!.sources.forEach((source, index) => expect(item!.copies[index]!.id).toBe(source.resourceId));
    expect(item!.sources[0]!.sourceId).toBe(ACUTE.sourceId);
    expect(item!.resource).toBe(item!.copies[0]);
    // The GP copy's converted status codes now have words.
    const gpCopy = item!.copies[1] as fhir4.AllergyIntolerance;
    expect(gpCopy.clinicalStatus!.coding![0]!.display).toBe('Active');
  });

  it('keeps different allergies apart, and never merges two records of one source', () => {
    const items = deduplicateSection('allergies', [
      sourced('allergies', GP, gpAllergy(PENICILLIN, '2015-04-02')),
      sourced('allergies', GP, gpAllergy(PENICILLIN, '2019-01-20')),
      sourced('allergies', ACUTE, hospitalAllergy(LATEX, '2020-02-02')),
    ]);
    expect(items.map((item) => item.display)).toEqual(['Latex', 'Penicillin -class of antibiotic-', 'Penicillin -class of antibiotic-']);
    expect(items.every((item) => item.sources.length === 1)).toBe(true);
    expect(new Set(items.map((item) => item.id)).size).toBe(3);
  });

  it('makes one course of a GP statement, authorisation and issues, and matches the hospital prescription of the same dm+d medicine', () => {
    const gp = gpMedicationCourse(METFORMIN, '2019-03-04', 'active', ['2019-03-04', '2019-04-01', '2019-04-29']);
    const hospital = hospitalMedication(METFORMIN, '2024-05-10', 'active');
    const items = deduplicateSection('medications', [
      ...gp.map((resource) => sourced('medications', GP, resource)),
      sourced('medications', ACUTE, hospital),
    ]);

    expect(items).toHaveLength(1);
    const [item] = items;
    expect(item!.sources).toHaveLength(2);
    const gpCopy = item!.copies[item!.sources.findIndex((source) => source.sourceId === GP.sourceId)] as fhir4.MedicationStatement;
    expect(gpCopy.resourceType).toBe('MedicationStatement');
    // The Medication the statement referenced travels inside it.
    expect(gpCopy.medicationReference!.reference).toMatch(/^#medication-/);
    expect(gpCopy.contained).toHaveLength(1);
    expect(item!.display).toBe('Metformin 500mg tablets — One tablet twice a day');
  });

  it('keeps courses of one medicine years apart as separate items', () => {
    const items = deduplicateSection('medications', [
      ...gpMedicationCourse(METFORMIN, '2012-01-10', 'stopped', [], '2014-06-01').map((resource) => sourced('medications', GP, resource)),
      sourced('medications', ACUTE, hospitalMedication(METFORMIN, '2024-05-10', 'active')),
    ]);
    expect(items).toHaveLength(2);
    expect(items.map((item) => item.status)).toEqual(['active', 'stopped']);
  });

  it("matches the GP's long-standing problem with a trust's later record of it, but not a new episode of an old illness", () => {
    const items = deduplicateSection('conditions', [
      sourced('conditions', GP, condition('gp', DEPRESSION, '2016-05-01', 'active')),
      sourced('conditions', MENTAL_HEALTH, condition('mental-health', DEPRESSION, '2022-09-12', 'active')),
      sourced('conditions', GP, condition('gp', PNEUMONIA, '2019-01-03', 'resolved', '2019-01-20')),
      sourced('conditions', ACUTE, condition('acute', PNEUMONIA, '2023-11-02', 'resolved', '2023-11-09')),
    ]);
    const byName = items.map((item) => [
      item.display,
      item.sources
        .map((source) => source.organisationCode)
        .sort()
        .join('+'),
    ]);
    expect(byName).toEqual([
      ['Pneumonia', 'R9A'],
      ['Pneumonia', 'F83001'],
      ['Depressive disorder', 'F83001+R9M'],
    ]);
  });

  it('matches a result by code, minute and value: a SNOMED CT-coded GP result and the LOINC-coded hospital copy are one', () => {
    const loinc = { system: LOINC, code: '59261-8', display: 'Hemoglobin A1c/Hemoglobin.total in Blood by IFCC protocol' };
    const items = deduplicateSection('observations', [
      sourced('observations', GP, observation('gp', HBA1C, '2024-02-05T10:15:00Z', 48, 'mmol/mol')),
      sourced('observations', ACUTE, observation('acute', HBA1C, '2024-02-05T10:15:30Z', 48, 'mmol/mol', loinc)),
      // A later result, and one with another value at the same minute: different results.
      sourced('observations', ACUTE, observation('acute', HBA1C, '2024-08-01T09:00:00Z', 52, 'mmol/mol', loinc)),
      sourced('observations', GP, observation('gp', HBA1C, '2024-08-01T09:00:00Z', 55, 'mmol/mol')),
    ]);
    expect(items.map((item) => [item.display, item.sources.length])).toEqual([
      ['HbA1c level (IFCC standardised) 52 mmol/mol', 1],
      ['HbA1c level (IFCC standardised) 55 mmol/mol', 1],
      ['HbA1c level (IFCC standardised) 48 mmol/mol', 2],
    ]);
  });

  it('keeps two identical blood pressures taken in the same minute at one source as two readings', () => {
    const first = bloodPressure('2024-03-01T09:10:00Z', 142, 86);
    const second = bloodPressure('2024-03-01T09:10:00Z', 142, 86);
    const items = deduplicateSection('observations', [sourced('observations', ACUTE, first), sourced('observations', ACUTE, second)]);
    expect(items).toHaveLength(2);
    expect(items[0]!.display).toBe('Blood pressure 142/86 mmHg');
    expect(items[0]!.id).not.toBe(items[1]!.id);
    // The same two readings from a second source pair up with them, one each.
    const both = deduplicateSection('observations', [
      sourced('observations', ACUTE, first),
      sourced('observations', ACUTE, second),
      sourced('observations', MENTAL_HEALTH, bloodPressure('2024-03-01T09:10:00Z', 142, 86)),
      sourced('observations', MENTAL_HEALTH, bloodPressure('2024-03-01T09:10:00Z', 142, 86)),
    ]);
    expect(both.map((item) => item.sources.length)).toEqual([2, 2]);
  });

  it('matches a laboratory report by code and issued time', () => {
    const report = (start: string): R4Resource =>
      ({
        resourceType: 'DiagnosticReport',
        ...trustHeader('acute', 'DiagnosticReport'),
        status: 'final',
        code: concept({ system: SNOMED, code: '26604007', display: 'Full blood count' }),
        subject: { reference: 'Patient/x' },
        effectiveDateTime: start,
        issued: start,
      }) as R4Resource;
    const items = deduplicateSection('observations', [
      sourced('observations', ACUTE, report('2024-02-05T17:00:00Z')),
      sourced('observations', GP, report('2024-02-05T17:00:00Z')),
      sourced('observations', GP, report('2024-03-05T17:00:00Z')),
    ]);
    expect(items.map((item) => item.sources.length)).toEqual([1, 2]);
  });

  it('matches encounters by a shared identifier, else by class and a start within the hour', () => {
    const shared = { system: 'https://fhir.nhs.uk/Id/cross-care-setting-identifier', value: 'b1e2c3d4-0000-4000-8000-000000000001' };
    const items = deduplicateSection('encounters', [
      sourced('encounters', ACUTE, hospitalEncounter('acute', '2024-01-02T09:00:00Z', '2024-01-02T09:30:00Z', 'AMB', shared)),
      sourced(
        'encounters',
        MENTAL_HEALTH,
        hospitalEncounter('mental-health', '2024-01-02T15:00:00Z', '2024-01-02T16:00:00Z', 'AMB', shared),
      ),
      sourced('encounters', ACUTE, hospitalEncounter('acute', '2024-02-10T10:00:00Z', '2024-02-10T12:00:00Z', 'EMER')),
      sourced('encounters', MENTAL_HEALTH, hospitalEncounter('mental-health', '2024-02-10T10:40:00Z', '2024-02-10T12:00:00Z', 'EMER')),
      // Two hours later, or another class: another encounter.
      sourced('encounters', ACUTE, hospitalEncounter('acute', '2024-03-10T10:00:00Z', '2024-03-10T10:30:00Z', 'AMB')),
      sourced('encounters', MENTAL_HEALTH, hospitalEncounter('mental-health', '2024-03-10T12:00:00Z', '2024-03-10T12:30:00Z', 'AMB')),
      sourced('encounters', MENTAL_HEALTH, hospitalEncounter('mental-health', '2024-03-10T10:10:00Z', '2024-03-10T10:30:00Z', 'EMER')),
    ]);
    expect(items.map((item) => [item.date, item.sources.length])).toEqual([
      ['2024-03-10T12:00:00Z', 1],
      ['2024-03-10T10:10:00Z', 1],
      ['2024-03-10T10:00:00Z', 1],
      ['2024-02-10T10:00:00Z', 2],
      ['2024-01-02T09:00:00Z', 2],
    ]);
  });

  it('matches appointments by identifier or by start and service, and care plans by title and created day', () => {
    const booking = { system: 'https://fhir.nhs.uk/Id/ubrn', value: '000123456789' };
    const appointments = deduplicateSection('appointments', [
      sourced('appointments', ACUTE, appointment('acute', '2027-01-05T09:00:00Z', 'Cardiology', booking)),
      sourced('appointments', GP, appointment('gp', '2027-01-05T09:30:00Z', 'Cardiology clinic', booking)),
      sourced('appointments', ACUTE, appointment('acute', '2027-02-01T14:00:00Z', 'Diabetes')),
      sourced('appointments', MENTAL_HEALTH, appointment('mental-health', '2027-02-01T14:00:00Z', 'Diabetes')),
      sourced('appointments', GP, appointment('gp', '2027-02-01T14:00:00Z', 'Asthma review')),
    ]);
    expect(appointments.map((item) => item.sources.length)).toEqual([2, 1, 2]);

    const plans = deduplicateSection('carePlans', [
      sourced('carePlans', GP, carePlan('gp', 'Type 2 diabetes mellitus care plan', '2021-03-01')),
      sourced('carePlans', ACUTE, carePlan('acute', 'Type 2 diabetes mellitus care plan', '2021-03-01')),
      sourced('carePlans', MENTAL_HEALTH, carePlan('mental-health', 'Mental health crisis plan', '2021-03-01')),
    ]);
    expect(plans.map((item) => [item.display, item.sources.length])).toEqual([
      ['Type 2 diabetes mellitus care plan', 2],
      ['Mental health crisis plan', 1],
    ]);
  });

  it('gives the same ids whatever order the sources answer in, sorted most recent first with undated items last', () => {
    const undated = { ...gpAllergy(LATEX, '2000-01-01') } as fhir4.AllergyIntolerance;
    delete undated.onsetDateTime;
    delete undated.recordedDate;
    const input = [
      sourced('allergies', GP, gpAllergy(PENICILLIN, '2015-04-02')),
      sourced('allergies', GP, undated),
      sourced('allergies', ACUTE, hospitalAllergy(PENICILLIN, '2015-04-02')),
      sourced('allergies', ACUTE, hospitalAllergy({ system: SNOMED, code: '387207008', display: 'Ibuprofen' }, '2022-07-07')),
    ];
    const forwards = deduplicateSection('allergies', input);
    const backwards = deduplicateSection('allergies', [...input].reverse());
    expect(forwards.map((item) => item.display)).toEqual(['Ibuprofen', 'Penicillin -class of antibiotic-', 'Latex']);
    expect(backwards.map((item) => item.id)).toEqual(forwards.map((item) => item.id));
    expect(deduplicateSection('allergies', input).map((item) => item.id)).toEqual(forwards.map((item) => item.id));
  });

  it('ignores resources of other sections', () => {
    const items = deduplicateSection('allergies', [sourced('conditions', GP, condition('gp', DEPRESSION, '2016-05-01', 'active'))]);
    expect(items).toEqual([]);
  });
});

describe('a Synthea record answered by two sources', () => {
  const SYNTHEA = join(process.cwd(), '..', 'shared', 'fixtures', 'fhir', 'synthea');
  const SECTION_OF: Record<string, RecordSection> = {
    AllergyIntolerance: 'allergies',
    MedicationRequest: 'medications',
    Condition: 'conditions',
    Observation: 'observations',
    DiagnosticReport: 'observations',
    Encounter: 'encounters',
    CarePlan: 'carePlans',
  };
  const files = readdirSync(SYNTHEA).filter((name) => name.endsWith('.json'));

  it.each(files)('%s: every item once, held by both sources', (file) => {
    const resources = ((JSON.parse(readFileSync(join(SYNTHEA, file), 'utf8')) as R4Bundle).entry ?? [])
      .map((entry) => entry.resource!)
      .filter((resource) => SECTION_OF[resource.resourceType]);
    for (const section of new Set(Object.values(SECTION_OF))) {
      const own = resources.filter((resource) => SECTION_OF[resource.resourceType] === section);
      const items = deduplicateSection(section, [
        ...own.map((resource) => sourced(section, GP, resource)),
        ...own.map((resource) => sourced(section, ACUTE, resource)),
      ]);
      expect(items).toHaveLength(own.length);
      for (const item of items) {
        expect(item.sources.map((source) => source.sourceId).sort()).toEqual([ACUTE.sourceId, GP.sourceId]);
        expect(item.copies[0]!.id).toBe(item.copies[1]!.id);
      }
    }
  });
});
