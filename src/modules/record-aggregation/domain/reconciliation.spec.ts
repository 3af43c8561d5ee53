import type { R4Resource } from '../../../fhir/index.js';
import { deduplicateSection } from './deduplicate.js';
import { reconcile } from './reconciliation.js';
import { SNOMED, DMD, GP, ACUTE, MENTAL_HEALTH, sourced } from '../../../../test/factories/sourced-resources.js';

function medication(code: string, display: string, status: string, start: string): R4Resource {
  return {
    resourceType: 'MedicationRequest',
    status,
    intent: 'order',
    medicationCodeableConcept: { coding: [{ system: DMD, code, display }], text: display },
    subject: { reference: 'Patient/x' },
    authoredOn: start,
  } as R4Resource;
}

function allergy(code: string, display: string, verification = 'confirmed'): R4Resource {
  return {
    resourceType: 'AllergyIntolerance',
    ...(verification === 'entered-in-error'
      ? {}
      : { clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] } }),
    verificationStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: verification }],
    },
    category: ['medication'],
    code: { coding: [{ system: SNOMED, code, display }], text: display },
    patient: { reference: 'Patient/x' },
    onsetDateTime: '2015-04-02',
  } as R4Resource;
}

describe('reconcile', () => {
  const medications = deduplicateSection('medications', [
    sourced('medications', GP, medication('318906001', 'Ramipril 5mg capsules', 'active', '2018-02-01')),
    sourced('medications', ACUTE, medication('318906001', 'Ramipril 5mg capsules', 'stopped', '2024-05-10')),
    sourced('medications', GP, medication('319283006', 'Amlodipine 5mg tablets', 'active', '2019-01-01')),
    sourced('medications', ACUTE, medication('319283006', 'Amlodipine 5mg tablets', 'active', '2024-05-10')),
    sourced('medications', MENTAL_HEALTH, medication('319283006', 'Amlodipine 5mg tablets', 'active', '2023-01-01')),
  ]);
  const allergies = deduplicateSection('allergies', [
    sourced('allergies', GP, allergy('373270004', 'Penicillin -class of antibiotic-')),
    sourced('allergies', ACUTE, allergy('387207008', 'Ibuprofen', 'entered-in-error')),
  ]);
  const conditions = deduplicateSection('conditions', [
    sourced('conditions', GP, {
      resourceType: 'Condition',
      code: { coding: [{ system: SNOMED, code: '59621000', display: 'Essential hypertension' }] },
      subject: { reference: 'Patient/x' },
    } as R4Resource),
  ]);

  it("lists each medicine and allergy with every asked source's status, not-recorded where a source does not hold it", () => {
    const reconciled = reconcile([...medications, ...allergies, ...conditions], [GP, ACUTE, MENTAL_HEALTH]);
    const summary = reconciled.map((entry) => ({
      kind: entry.kind,
      name: entry.item.display,
      agreed: entry.agreed,
      statuses: entry.perSource.map((position) => `${position.organisationCode}:${position.status}`),
    }));
    expect(summary).toEqual([
      { kind: 'allergy', name: 'Ibuprofen', agreed: false, statuses: ['F83001:not-recorded', 'R9A:entered-in-error', 'R9M:not-recorded'] },
      {
        kind: 'allergy',
        name: 'Penicillin -class of antibiotic-',
        agreed: false,
        statuses: ['F83001:active', 'R9A:not-recorded', 'R9M:not-recorded'],
      },
      { kind: 'medication', name: 'Ramipril 5mg capsules', agreed: false, statuses: ['F83001:active', 'R9A:stopped', 'R9M:not-recorded'] },
      { kind: 'medication', name: 'Amlodipine 5mg tablets', agreed: true, statuses: ['F83001:active', 'R9A:active', 'R9M:active'] },
    ]);
    expect(reconciled[0]!.perSource[1]).toEqual({
      sourceId: ACUTE.sourceId,
      organisationCode: 'R9A',
      name: 'Islington Park Hospitals NHS Trust',
      status: 'entered-in-error',
    });
  });

  it('agrees when only the sources that hold an item were asked, and adds a holding source that was not asked', () => {
    const reconciled = reconcile(medications, [GP, ACUTE]);
    const amlodipine = reconciled.find((entry) => entry.item.display === 'Amlodipine 5mg tablets')!;
    expect(amlodipine.perSource.map((position) => position.sourceId)).toEqual([GP.sourceId, ACUTE.sourceId, MENTAL_HEALTH.sourceId]);
    expect(amlodipine.agreed).toBe(true);
    const ramipril = reconciled.find((entry) => entry.item.display === 'Ramipril 5mg capsules')!;
    expect(ramipril.agreed).toBe(false);
  });
});
