import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { R4Bundle, R4Resource } from '../../../fhir/index.js';
import type { RecordItem, SectionResult, SourceStatus } from './record.types.js';
import { r4Errors } from '../../../../test/setup/r4-validation.js';
import { ACUTE, GP, MENTAL_HEALTH } from '../../../../test/factories/sourced-resources.js';
import {
  conflictIssues,
  ITEM_SOURCE_EXTENSION,
  provenancesOf,
  recordEntries,
  resourceOfItem,
  searchsetBundle,
  sourceIssues,
  type ShownItem,
} from './record-bundles.js';

// A Synthea patient's allergy, medicine and condition as two of the borough's sources would hand
// them to the assembler, and the record bundles the facade makes of them.

const SYNTHEA = join(
  process.cwd(),
  '..',
  'shared',
  'fixtures',
  'fhir',
  'synthea',
  'Emanuel_Carroll_b720dd85-e9aa-44a0-833a-14c053a54eef.json',
);
const bundle = JSON.parse(readFileSync(SYNTHEA, 'utf8')) as R4Bundle;
const first = <T extends R4Resource>(type: string): T =>
  bundle.entry!.find((entry) => entry.resource!.resourceType === type)!.resource as T;

const PERSON = '2f1d1f0e-8c4b-4e4e-9a77-0c2b1d3e4f50';
const BASE = 'https://hub.example/fhir/r4';
const FETCHED_GP = '2026-11-23T09:00:00.000Z';
const FETCHED_ACUTE = '2026-11-23T09:00:01.000Z';

function item(id: string, section: RecordItem['section'], resource: R4Resource, holders: (typeof GP)[]): RecordItem {
  return {
    id,
    section,
    resource: { ...resource, meta: { ...resource.meta, versionId: '7', source: `urn:tessera:source:${holders[0]!.sourceId}` } },
    display: id,
    sources: holders.map((holder) => ({
      ...holder,
      resourceId: `${holder.sourceId}-${resource.id}`,
      asOf: holder === GP ? FETCHED_GP : FETCHED_ACUTE,
      freshness: 'live' as const,
    })),
    copies: holders.map(() => resource),
  };
}

const allergy = item('a11e7a11e7a11e70', 'allergies', first('AllergyIntolerance'), [ACUTE, GP]);
const medicine = item('3ed1c1ne3ed1c1ne', 'medications', first('MedicationRequest'), [GP]);
const condition = item('c0nd1710nc0nd171', 'conditions', first('Condition'), [GP]);

const status = (source: typeof GP, kind: SourceStatus['status'], extra: Partial<SourceStatus> = {}): SourceStatus => ({
  ...source,
  status: kind,
  itemCount: 0,
  ...extra,
});
const sections: SectionResult[] = [
  {
    section: 'allergies',
    items: [allergy],
    sources: [status(GP, 'ok', { fetchedAt: FETCHED_GP, itemCount: 1 }), status(ACUTE, 'ok', { fetchedAt: FETCHED_ACUTE, itemCount: 1 })],
    conflicts: [
      {
        kind: 'allergy-status',
        section: 'allergies',
        description: 'Latex allergy: active at the hospital, resolved at the GP',
        itemIds: [allergy.id],
        positions: [],
      },
    ],
  },
  {
    section: 'medications',
    items: [medicine],
    sources: [
      status(GP, 'ok', { fetchedAt: FETCHED_GP, itemCount: 1 }),
      status(ACUTE, 'timeout', { reason: 'no answer within the deadline' }),
      status(MENTAL_HEALTH, 'not-linked'),
    ],
    conflicts: [
      { kind: 'medication-status', section: 'medications', description: 'not shown here', itemIds: ['0therit3m0therit'], positions: [] },
    ],
  },
  {
    section: 'conditions',
    items: [condition],
    sources: [
      status(GP, 'ok', { fetchedAt: FETCHED_GP, itemCount: 1 }),
      status(ACUTE, 'timeout', { reason: 'no answer within the deadline' }),
      status(MENTAL_HEALTH, 'withheld', { reason: "no sharing agreement covers this organisation's data for you" }),
    ],
    conflicts: [],
  },
];
const shown: ShownItem[] = [allergy, medicine, condition].map((entry) => ({ item: entry, resource: resourceOfItem(entry, PERSON) }));

describe('resourceOfItem', () => {
  it('shows the copy once under the item’s stable id, meta.source its first source, and every source in an extension', () => {
    const resource = shown[0]!.resource as fhir4.AllergyIntolerance;
    expect(resource.id).toBe(allergy.id);
    expect(resource.meta).toEqual({
      ...first<fhir4.AllergyIntolerance>('AllergyIntolerance').meta,
      source: `urn:tessera:source:${ACUTE.sourceId}`,
    });
    const sources = resource.extension!.filter((extension) => extension.url === ITEM_SOURCE_EXTENSION);
    expect(
      sources.map((source) => source.extension!.find((part) => part.url === 'organization')!.valueReference!.identifier!.value),
    ).toEqual(['R9A', 'F83001']);
    expect(sources[1]!.extension).toEqual(
      expect.arrayContaining([
        { url: 'resourceId', valueString: `${GP.sourceId}-${allergy.resource.id}` },
        { url: 'asOf', valueInstant: FETCHED_GP },
        { url: 'freshness', valueCode: 'live' },
      ]),
    );
  });

  it('points the patient at the hub’s Patient, leaves other references alone, and leaves the item untouched', () => {
    const medicineShown = shown[1]!.resource as fhir4.MedicationRequest;
    expect(medicineShown.subject).toEqual({ reference: `Patient/${PERSON}`, type: 'Patient' });
    expect(medicineShown.encounter).toEqual(first<fhir4.MedicationRequest>('MedicationRequest').encounter);
    expect((allergy.resource as fhir4.AllergyIntolerance).patient.reference).toMatch(/^urn:uuid:/);
  });

  it('rewrites only the participant of an appointment who is the patient, dropping what the source said of them', () => {
    const appointment: fhir4.Appointment = {
      resourceType: 'Appointment',
      id: 'appt-1',
      status: 'booked',
      participant: [
        { actor: { reference: 'Patient/gp-123', display: 'Ms Jane Example' }, status: 'accepted' },
        { actor: { reference: 'Practitioner/p-9', display: 'Dr Who' }, status: 'accepted' },
        { actor: { identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9434765919' } }, status: 'accepted' },
      ],
    };
    const shownAppointment = resourceOfItem(item('4ppo1n7m3n74ppo1', 'appointments', appointment, [GP]), PERSON) as fhir4.Appointment;
    expect(shownAppointment.participant.map((participant) => participant.actor)).toEqual([
      { reference: `Patient/${PERSON}`, type: 'Patient' },
      { reference: 'Practitioner/p-9', display: 'Dr Who' },
      { reference: `Patient/${PERSON}`, type: 'Patient' },
    ]);
  });
});

describe('provenancesOf', () => {
  it('gives each source one Provenance naming its organisation and every resource it holds a copy of', () => {
    const provenances = provenancesOf(shown, sections);
    const byOrganisation = new Map(provenances.map((provenance) => [provenance.agent[0]!.who!.identifier!.value, provenance]));
    expect([...byOrganisation.keys()].sort()).toEqual(['F83001', 'R9A']);
    expect(byOrganisation.get('F83001')!.target.map((target) => target.reference)).toEqual([
      `AllergyIntolerance/${allergy.id}`,
      `MedicationRequest/${medicine.id}`,
      `Condition/${condition.id}`,
    ]);
    expect(byOrganisation.get('R9A')!.target.map((target) => target.reference)).toEqual([`AllergyIntolerance/${allergy.id}`]);
    expect(byOrganisation.get('R9A')!.recorded).toBe(FETCHED_ACUTE);
    expect(byOrganisation.get('F83001')!.agent[0]!.type!.coding![0]!.code).toBe('custodian');
  });
});

describe('issues', () => {
  it('warns once per source and status, naming the sections, and says nothing of sources that answered or hold nothing', () => {
    const issues = sourceIssues(sections);
    expect(issues.map((issue) => [issue.code, issue.details!.coding![0]!.code, issue.details!.text])).toEqual([
      ['timeout', 'timeout', `${ACUTE.name} (R9A): timeout, no answer within the deadline (medications, conditions)`],
      [
        'suppressed',
        'withheld',
        `${MENTAL_HEALTH.name} (R9M): withheld, no sharing agreement covers this organisation's data for you (conditions)`,
      ],
    ]);
    expect(issues.every((issue) => issue.severity === 'warning')).toBe(true);
  });

  it('names a disagreement between sources about an item shown, and not one about an item left out', () => {
    const issues = conflictIssues(
      sections.flatMap((section) => section.conflicts),
      shown,
    );
    expect(issues).toEqual([
      {
        severity: 'warning',
        code: 'informational',
        details: {
          coding: [{ system: 'https://tessera.example.org/fhir/CodeSystem/record-conflict', code: 'allergy-status' }],
          text: 'Latex allergy: active at the hospital, resolved at the GP',
        },
        diagnostics: `involves AllergyIntolerance/${allergy.id}`,
      },
    ]);
  });
});

describe('a record as a searchset', () => {
  it('is a valid R4 Bundle: matches counted in total, Provenance included, the outcome last', () => {
    const result = searchsetBundle(
      { base: BASE, self: `${BASE}/Patient/${PERSON}/$everything` },
      recordEntries(shown, sections, { provenance: true }),
    );
    expect(r4Errors(result)).toEqual([]);
    expect(result.type).toBe('searchset');
    expect(result.total).toBe(3);
    expect(result.entry!.map((entry) => [entry.resource!.resourceType, entry.search!.mode])).toEqual([
      ['AllergyIntolerance', 'match'],
      ['MedicationRequest', 'match'],
      ['Condition', 'match'],
      ['Provenance', 'include'],
      ['Provenance', 'include'],
      ['OperationOutcome', 'outcome'],
    ]);
    expect(result.entry![0]!.fullUrl).toBe(`${BASE}/AllergyIntolerance/${allergy.id}`);
    expect(result.entry![5]!.fullUrl).toMatch(/^urn:uuid:/);
    for (const entry of result.entry!) expect(r4Errors(entry.resource!)).toEqual([]);
  });

  it('leaves Provenance out unless asked for, and has no outcome when every source answered', () => {
    const quiet: SectionResult[] = [{ ...sections[0]!, conflicts: [] }];
    const entries = recordEntries(shown.slice(0, 1), quiet, { provenance: false });
    expect(entries.map((entry) => entry.resource.resourceType)).toEqual(['AllergyIntolerance']);
  });
});
