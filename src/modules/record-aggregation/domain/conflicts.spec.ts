import type { R4Resource } from '../../../fhir/index.js';
import { birthDateConflicts, sectionConflicts } from './conflicts.js';
import { deduplicateSection } from './deduplicate.js';
import { SNOMED, DMD, GP, ACUTE, MENTAL_HEALTH, sourced } from '../../../../test/factories/sourced-resources.js';

const ALLERGY_CLINICAL = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical';
const ALLERGY_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification';

function allergy(code: string, display: string, category: string, clinicalStatus = 'active'): R4Resource {
  return {
    resourceType: 'AllergyIntolerance',
    clinicalStatus: { coding: [{ system: ALLERGY_CLINICAL, code: clinicalStatus }] },
    verificationStatus: { coding: [{ system: ALLERGY_VERIFICATION, code: 'confirmed', display: 'Confirmed' }] },
    type: 'allergy',
    category: [category],
    code: { coding: [{ system: SNOMED, code, display }], text: display },
    patient: { reference: 'Patient/x' },
    onsetDateTime: '2015-04-02',
  } as R4Resource;
}

/** UK Core's negation example (UKCore-AllergyIntolerance-Sn-NegHandlNoKnownAllergies-Example), as JSON. */
function noKnownAllergy(code = '409137002', display = 'No known drug allergy (situation)'): R4Resource {
  return {
    resourceType: 'AllergyIntolerance',
    clinicalStatus: { coding: [{ system: ALLERGY_CLINICAL, code: 'active', display: 'Active' }] },
    verificationStatus: { coding: [{ system: ALLERGY_VERIFICATION, code: 'confirmed', display: 'Confirmed' }] },
    code: { coding: [{ system: SNOMED, code, display }] },
    patient: { reference: 'Patient/UKCore-Patient-RichardSmith-Example' },
  } as R4Resource;
}

function medication(status: string, start: string, end?: string): R4Resource {
  return {
    resourceType: 'MedicationRequest',
    status,
    intent: 'order',
    medicationCodeableConcept: {
      coding: [{ system: DMD, code: '318906001', display: 'Ramipril 5mg capsules' }],
      text: 'Ramipril 5mg capsules',
    },
    subject: { reference: 'Patient/x' },
    authoredOn: start,
    dosageInstruction: [{ text: 'One capsule once a day' }],
    dispenseRequest: { validityPeriod: { start, ...(end ? { end } : {}) } },
  } as R4Resource;
}

function condition(clinicalStatus: string, onset: string): R4Resource {
  return {
    resourceType: 'Condition',
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: clinicalStatus }] },
    code: { coding: [{ system: SNOMED, code: '195967001', display: 'Asthma' }], text: 'Asthma' },
    subject: { reference: 'Patient/x' },
    onsetDateTime: onset,
  } as R4Resource;
}

describe('sectionConflicts: allergies', () => {
  it('shows a drug allergy at the GP against no known drug allergies at the hospital', () => {
    const items = deduplicateSection('allergies', [
      sourced('allergies', GP, allergy('373270004', 'Penicillin -class of antibiotic-', 'medication')),
      sourced('allergies', ACUTE, noKnownAllergy()),
    ]);
    const conflicts = sectionConflicts('allergies', items);
    expect(conflicts).toHaveLength(1);
    const [conflict] = conflicts;
    expect(conflict!.kind).toBe('allergy-versus-no-known-allergies');
    expect(conflict!.section).toBe('allergies');
    expect(conflict!.description).toBe(
      'R9A records no known drug allergy (situation), but F83001 records an allergy to Penicillin -class of antibiotic-.',
    );
    expect(conflict!.itemIds.sort()).toEqual(items.map((item) => item.id).sort());
    expect(conflict!.positions).toEqual([
      { sourceId: ACUTE.sourceId, organisationCode: 'R9A', says: 'No known drug allergy (situation)' },
      { sourceId: GP.sourceId, organisationCode: 'F83001', says: 'Allergy to Penicillin -class of antibiotic-' },
    ]);
  });

  it('does not set no known drug allergies against a food allergy, but does "no known allergy"', () => {
    const peanut = sourced('allergies', GP, allergy('256349002', 'Peanut - dietary', 'food'));
    expect(sectionConflicts('allergies', deduplicateSection('allergies', [peanut, sourced('allergies', ACUTE, noKnownAllergy())]))).toEqual(
      [],
    );
    const none = sourced('allergies', ACUTE, noKnownAllergy('716186003', 'No known allergy'));
    const conflicts = sectionConflicts('allergies', deduplicateSection('allergies', [peanut, none]));
    expect(conflicts.map((conflict) => conflict.description)).toEqual([
      'R9A records no known allergy, but F83001 records an allergy to Peanut - dietary.',
    ]);
  });

  it('ignores an allergy the other source has resolved, and no known allergies held by every source', () => {
    const resolved = sourced('allergies', GP, allergy('373270004', 'Penicillin -class of antibiotic-', 'medication', 'resolved'));
    expect(
      sectionConflicts('allergies', deduplicateSection('allergies', [resolved, sourced('allergies', ACUTE, noKnownAllergy())])),
    ).toEqual([]);
    const agreed = deduplicateSection('allergies', [
      sourced('allergies', GP, noKnownAllergy()),
      sourced('allergies', ACUTE, noKnownAllergy()),
    ]);
    expect(agreed).toHaveLength(1);
    expect(sectionConflicts('allergies', agreed)).toEqual([]);
  });

  it('shows one allergy active at one source and resolved at another', () => {
    const items = deduplicateSection('allergies', [
      sourced('allergies', GP, allergy('111088007', 'Latex', 'environment', 'active')),
      sourced('allergies', ACUTE, allergy('111088007', 'Latex', 'environment', 'resolved')),
      sourced('allergies', MENTAL_HEALTH, allergy('111088007', 'Latex', 'environment', 'active')),
    ]);
    const conflicts = sectionConflicts('allergies', items);
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]!.kind).toBe('allergy-status');
    expect(conflicts[0]!.description).toBe('Allergy to Latex is active at F83001 and R9M but resolved at R9A.');
    expect(conflicts[0]!.itemIds).toEqual([items[0]!.id]);
    expect(conflicts[0]!.positions.map((position) => `${position.organisationCode}:${position.says}`).sort()).toEqual([
      'F83001:active',
      'R9A:resolved',
      'R9M:active',
    ]);
  });
});

describe('sectionConflicts: medications and conditions', () => {
  it('shows a medicine the hospital stopped while the GP still has it active', () => {
    const items = deduplicateSection('medications', [
      sourced('medications', GP, medication('active', '2018-02-01')),
      sourced('medications', ACUTE, medication('stopped', '2024-05-10', '2024-05-12')),
    ]);
    expect(items).toHaveLength(1);
    const conflicts = sectionConflicts('medications', items);
    expect(conflicts).toEqual([
      expect.objectContaining({
        kind: 'medication-status',
        section: 'medications',
        description: 'Ramipril 5mg capsules is active at F83001 but stopped at R9A.',
        itemIds: [items[0]!.id],
      }),
    ]);
  });

  it('says nothing when sources agree', () => {
    const items = deduplicateSection('medications', [
      sourced('medications', GP, medication('active', '2018-02-01')),
      sourced('medications', ACUTE, medication('active', '2024-05-10')),
    ]);
    expect(sectionConflicts('medications', items)).toEqual([]);
  });

  it('shows a condition active at the GP and resolved at the hospital', () => {
    const items = deduplicateSection('conditions', [
      sourced('conditions', GP, condition('active', '2005-01-01')),
      sourced('conditions', ACUTE, condition('resolved', '2022-03-03')),
    ]);
    const conflicts = sectionConflicts('conditions', items);
    expect(conflicts.map((conflict) => [conflict.kind, conflict.description])).toEqual([
      ['condition-status', 'Asthma is active at F83001 but resolved at R9A.'],
    ]);
    expect(sectionConflicts('encounters', [])).toEqual([]);
  });
});

describe('birthDateConflicts', () => {
  it('shows linked records that disagree on the date of birth, naming each organisation', () => {
    const conflicts = birthDateConflicts([
      { sourceId: GP.sourceId, organisationCode: 'F83001', birthDate: '1950-03-02' },
      { sourceId: ACUTE.sourceId, organisationCode: 'R9A', birthDate: '1950-02-03' },
      { sourceId: MENTAL_HEALTH.sourceId, organisationCode: 'R9M', birthDate: '1950-03-02' },
      { sourceId: 'social-care-e09000019', organisationCode: 'E09000019', birthDate: null },
    ]);
    expect(conflicts).toEqual([
      {
        kind: 'birth-date',
        section: 'demographics',
        description: 'Linked records disagree on the date of birth: 2 Mar 1950 at F83001 and R9M; 3 Feb 1950 at R9A.',
        itemIds: [],
        positions: [
          { sourceId: GP.sourceId, organisationCode: 'F83001', says: 'Date of birth 2 Mar 1950' },
          { sourceId: MENTAL_HEALTH.sourceId, organisationCode: 'R9M', says: 'Date of birth 2 Mar 1950' },
          { sourceId: ACUTE.sourceId, organisationCode: 'R9A', says: 'Date of birth 3 Feb 1950' },
        ],
      },
    ]);
  });

  it('finds none when every dated record agrees', () => {
    expect(
      birthDateConflicts([
        { sourceId: GP.sourceId, organisationCode: 'F83001', birthDate: '1950-03-02' },
        { sourceId: ACUTE.sourceId, organisationCode: 'R9A', birthDate: '1950-03-02' },
        { sourceId: MENTAL_HEALTH.sourceId, organisationCode: 'R9M', birthDate: null },
      ]),
    ).toEqual([]);
  });
});
