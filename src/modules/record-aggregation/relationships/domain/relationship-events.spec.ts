import type { RelationshipEvent } from '../../../governance/index.js';
import { type CareEventFact, feedPatientsOf, type IdentityFact, relationshipEventsOf, type SourceFact } from './relationship-events.js';

const now = new Date('2026-06-01T12:00:00Z');
const day = (iso: string) => new Date(`${iso}T09:00:00Z`);

const sources: SourceFact[] = [
  { id: 'gp', organisationCode: 'F83004', kind: 'gp' },
  { id: 'pds', organisationCode: 'X26', kind: 'pds' },
  { id: 'acute', organisationCode: 'R9A', kind: 'acute' },
  { id: 'mh', organisationCode: 'R9M', kind: 'mental-health' },
  { id: 'council', organisationCode: 'E09000019', kind: 'social-care' },
];

const identity = (sourceId: string, localId: string, firstSeen: string, gpPracticeCode: string | null = null): IdentityFact => ({
  sourceId,
  localId,
  gpPracticeCode,
  firstSeenAt: day(firstSeen),
});

let sequence = 0;
const careEvent = (
  kind: CareEventFact['kind'],
  at: string | null,
  options: { facility?: string; localId?: string; visit?: string | null } = {},
): CareEventFact => ({
  facility: options.facility ?? 'R9A',
  localId: options.localId ?? 'MRN1',
  kind,
  eventTime: at === null ? null : new Date(at),
  visitNumber: options.visit === undefined ? 'V1' : options.visit,
  recordedAt: new Date('2026-05-30T00:00:00Z'),
  sequence: ++sequence,
});

const hospitalEvents = (careEvents: CareEventFact[], identities: IdentityFact[] = [identity('acute', 'MRN1', '2026-01-01')]) =>
  relationshipEventsOf({ identities, sources, careEvents }, now).filter(
    (event) => event.kind === 'admission' || event.kind === 'attendance',
  );

describe('relationship events from source identities', () => {
  it('registers the person with the practice of a GP system that holds them, from when it was first seen, with no end', () => {
    expect(relationshipEventsOf({ identities: [identity('gp', 'G1', '2024-03-02')], sources, careEvents: [] }, now)).toEqual([
      { kind: 'gp-registration', organisationCode: 'F83004', date: '2024-03-02T09:00:00.000Z' },
    ]);
  });

  it('registers the person with the practice another source names (PDS), once per practice, at its earliest sighting', () => {
    const events = relationshipEventsOf(
      {
        identities: [identity('pds', '9434765919', '2025-05-01', 'f83010'), identity('acute', 'MRN1', '2025-02-01', 'F83010')],
        sources,
        careEvents: [],
      },
      now,
    );
    expect(events).toEqual([{ kind: 'gp-registration', organisationCode: 'F83010', date: '2025-02-01T09:00:00.000Z' }]);
  });

  it('gives the council a social care allocation when its system holds the person (an approximation)', () => {
    expect(relationshipEventsOf({ identities: [identity('council', 'C7', '2026-02-10')], sources, careEvents: [] }, now)).toEqual([
      { kind: 'social-care-allocation', organisationCode: 'E09000019', date: '2026-02-10T09:00:00.000Z' },
    ]);
  });

  it('gives a hospital that merely holds the person no relationship without a care event', () => {
    expect(relationshipEventsOf({ identities: [identity('acute', 'MRN1', '2026-01-01')], sources, careEvents: [] }, now)).toEqual([]);
  });

  it('leaves out what a source first heard after now', () => {
    expect(relationshipEventsOf({ identities: [identity('gp', 'G1', '2026-07-01')], sources, careEvents: [] }, now)).toEqual([]);
  });

  it('asks the feed only about patients of sources that send ADT (not GP systems or PDS), once each', () => {
    expect(
      feedPatientsOf(
        [
          identity('gp', 'G1', '2024-01-01'),
          identity('pds', 'P1', '2024-01-01'),
          identity('acute', 'MRN1', '2024-01-01'),
          identity('mh', 'M9', '2024-01-01'),
        ],
        [...sources, { id: 'acute-fhir', organisationCode: 'R9A', kind: 'acute' }],
      ),
    ).toEqual([
      { facility: 'R9A', localId: 'MRN1' },
      { facility: 'R9M', localId: 'M9' },
    ]);
  });
});

describe('relationship events from the HL7 feed', () => {
  it('pairs an admission with its discharge by visit number', () => {
    expect(
      hospitalEvents([
        careEvent('admission', '2026-05-01T10:00:00Z', { visit: 'V1' }),
        careEvent('admission', '2026-05-02T10:00:00Z', { facility: 'R9M', localId: 'M9', visit: 'V1' }),
        careEvent('discharge', '2026-05-04T15:00:00Z', { visit: 'V1' }),
      ]),
    ).toEqual<RelationshipEvent[]>([
      { kind: 'admission', organisationCode: 'R9A', date: '2026-05-01T10:00:00.000Z', dischargeDate: '2026-05-04T15:00:00.000Z' },
    ]);
  });

  it('keeps an admission with no discharge open (an inpatient today), and a resent A01 is the same stay', () => {
    expect(hospitalEvents([careEvent('admission', '2026-05-20T08:00:00Z'), careEvent('admission', '2026-05-20T08:00:00Z')])).toEqual([
      { kind: 'admission', organisationCode: 'R9A', date: '2026-05-20T08:00:00.000Z' },
    ]);
  });

  it('drops a cancelled admission and reopens a stay whose discharge was cancelled', () => {
    expect(
      hospitalEvents([
        careEvent('admission', '2026-04-01T08:00:00Z', { visit: 'V1' }),
        careEvent('cancel-admission', '2026-04-01T09:00:00Z', { visit: 'V1' }),
        careEvent('admission', '2026-05-01T08:00:00Z', { visit: 'V2' }),
        careEvent('discharge', '2026-05-03T08:00:00Z', { visit: 'V2' }),
        careEvent('cancel-discharge', '2026-05-03T09:00:00Z', { visit: 'V2' }),
      ]),
    ).toEqual([{ kind: 'admission', organisationCode: 'R9A', date: '2026-05-01T08:00:00.000Z' }]);
  });

  it('orders by when events happened, not when they arrived', () => {
    const discharge = careEvent('discharge', '2026-05-04T15:00:00Z');
    const admission = careEvent('admission', '2026-05-01T10:00:00Z');
    expect(hospitalEvents([discharge, admission])).toEqual([
      { kind: 'admission', organisationCode: 'R9A', date: '2026-05-01T10:00:00.000Z', dischargeDate: '2026-05-04T15:00:00.000Z' },
    ]);
  });

  it('ends a stay whose discharge never came when the person is admitted again', () => {
    expect(
      hospitalEvents([
        careEvent('admission', '2026-01-01T10:00:00Z', { visit: 'V1' }),
        careEvent('admission', '2026-05-01T10:00:00Z', { visit: 'V2' }),
      ]),
    ).toEqual([
      { kind: 'admission', organisationCode: 'R9A', date: '2026-01-01T10:00:00.000Z', dischargeDate: '2026-05-01T10:00:00.000Z' },
      { kind: 'admission', organisationCode: 'R9A', date: '2026-05-01T10:00:00.000Z' },
    ]);
  });

  it('shows a stay for a discharge whose admission the feed never heard, dated at the discharge', () => {
    expect(hospitalEvents([careEvent('discharge', '2026-05-10T10:00:00Z', { visit: 'V7' })])).toEqual([
      { kind: 'admission', organisationCode: 'R9A', date: '2026-05-10T10:00:00.000Z', dischargeDate: '2026-05-10T10:00:00.000Z' },
    ]);
  });

  it('records attendances, dates an event without a time by when it was recorded, and ignores transfers and results', () => {
    expect(
      hospitalEvents([
        careEvent('attendance', '2026-05-15T10:00:00Z', { visit: null }),
        careEvent('attendance', null, { visit: null }),
        careEvent('transfer', '2026-05-16T10:00:00Z'),
        careEvent('result-available', '2026-05-16T11:00:00Z'),
      ]),
    ).toEqual([
      { kind: 'attendance', organisationCode: 'R9A', date: '2026-05-15T10:00:00.000Z' },
      { kind: 'attendance', organisationCode: 'R9A', date: '2026-05-30T00:00:00.000Z' },
    ]);
  });

  it('ignores care events of patients that are not the person’s', () => {
    expect(hospitalEvents([careEvent('attendance', '2026-05-15T10:00:00Z', { localId: 'SOMEONE-ELSE' })])).toEqual([]);
  });
});
