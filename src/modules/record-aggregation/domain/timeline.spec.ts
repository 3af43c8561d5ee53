import type { R4Resource } from '../../../fhir/index.js';
import type { RecordSection } from '../../source-connectors/index.js';
import { deduplicateSection } from './deduplicate.js';
import type { RecordItem } from './record.types.js';
import { pageTimeline, timelineOf, type TimelineEvent } from './timeline.js';
import { SNOMED, GP, ACUTE, sourced } from '../../../../test/factories/sourced-resources.js';

function encounter(start: string): R4Resource {
  return {
    resourceType: 'Encounter',
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
    type: [{ coding: [{ system: SNOMED, code: '11429006', display: 'Consultation' }], text: 'Consultation' }],
    period: { start, end: start },
  } as R4Resource;
}

function heartRate(effective: string, value: number): R4Resource {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: SNOMED, code: '364075005', display: 'Heart rate' }] },
    effectiveDateTime: effective,
    valueQuantity: { value, unit: '/min', code: '/min', system: 'http://unitsofmeasure.org' },
  } as R4Resource;
}

function allergy(onset?: string): R4Resource {
  return {
    resourceType: 'AllergyIntolerance',
    code: { coding: [{ system: SNOMED, code: '111088007', display: 'Latex' }] },
    patient: { reference: 'Patient/x' },
    ...(onset ? { onsetDateTime: onset } : {}),
  } as R4Resource;
}

function record(): RecordItem[] {
  return [
    ...deduplicateSection('encounters', [
      sourced('encounters', GP, encounter('2024-01-10T09:00:00Z')),
      sourced('encounters', ACUTE, encounter('2024-03-02T14:00:00Z')),
      sourced('encounters', ACUTE, encounter('2023-06-01T08:00:00Z')),
    ]),
    ...deduplicateSection('observations', [
      sourced('observations', ACUTE, heartRate('2024-03-02T14:20:00Z', 88)),
      sourced('observations', GP, heartRate('2024-01-10T09:05:00Z', 72)),
    ]),
    ...deduplicateSection('allergies', [sourced('allergies', GP, allergy('2022-05-05')), sourced('allergies', ACUTE, allergy())]),
  ];
}

function allPages(events: TimelineEvent[], first: number, filters: { from?: string; to?: string; types?: RecordSection[] } = {}) {
  const seen: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = pageTimeline(events, { first, ...filters, ...(after ? { after } : {}) });
    seen.push(...page.edges.map((edge) => edge.node.date));
    if (!page.pageInfo.hasNextPage) return seen;
    after = page.pageInfo.endCursor;
  }
}

describe('timelineOf', () => {
  it('lists every dated item across sections, most recent first, with its type, display and sources', () => {
    const events = timelineOf(record());
    expect(events.map((event) => [event.date, event.type])).toEqual([
      ['2024-03-02T14:20:00Z', 'Observation'],
      ['2024-03-02T14:00:00Z', 'Encounter'],
      ['2024-01-10T09:05:00Z', 'Observation'],
      ['2024-01-10T09:00:00Z', 'Encounter'],
      ['2023-06-01T08:00:00Z', 'Encounter'],
      ['2022-05-05', 'AllergyIntolerance'],
    ]);
    expect(events[0]).toMatchObject({ section: 'observations', display: 'Heart rate 88 /min', status: 'final' });
    expect(events[0]!.sources.map((source) => source.organisationCode)).toEqual(['R9A']);
  });
});

describe('pageTimeline', () => {
  const events = timelineOf(record());

  it('pages through every event once, in order, with a total count', () => {
    const first = pageTimeline(events, { first: 4 });
    expect(first.totalCount).toBe(6);
    expect(first.edges).toHaveLength(4);
    expect(first.pageInfo).toEqual({ hasNextPage: true, endCursor: first.edges[3]!.cursor });
    expect(allPages(events, 4)).toEqual(events.map((event) => event.date));
    expect(allPages(events, 1)).toEqual(events.map((event) => event.date));
  });

  it('filters by section and by dates, a date-only "to" covering its whole day', () => {
    const observations = pageTimeline(events, { first: 10, types: ['observations'] });
    expect(observations.edges.map((edge) => edge.node.display)).toEqual(['Heart rate 88 /min', 'Heart rate 72 /min']);
    expect(observations.totalCount).toBe(2);
    const january = pageTimeline(events, { first: 10, from: '2024-01-01', to: '2024-01-10' });
    expect(january.edges.map((edge) => edge.node.date)).toEqual(['2024-01-10T09:05:00Z', '2024-01-10T09:00:00Z']);
    expect(allPages(events, 1, { from: '2023', to: '2023-12' })).toEqual(['2023-06-01T08:00:00Z']);
  });

  it('carries on where it stopped when a newer event arrives between pages', () => {
    const page = pageTimeline(events, { first: 2 });
    const grown = timelineOf([
      ...record(),
      ...deduplicateSection('observations', [sourced('observations', ACUTE, heartRate('2025-01-01T10:00:00Z', 90))]),
    ]);
    expect(grown).toHaveLength(events.length + 1);
    const next = pageTimeline(grown, { first: 2, after: page.pageInfo.endCursor! });
    expect(next.edges.map((edge) => edge.node.date)).toEqual(['2024-01-10T09:05:00Z', '2024-01-10T09:00:00Z']);
    expect(next.totalCount).toBe(7);
  });

  it('refuses a page size outside 1 to 100, a cursor it did not make, and a date that is not one', () => {
    expect(() => pageTimeline(events, { first: 0 })).toThrow(RangeError);
    expect(() => pageTimeline(events, { first: 101 })).toThrow(RangeError);
    expect(() => pageTimeline(events, { first: 2.5 })).toThrow(RangeError);
    expect(pageTimeline(events, { first: 100 }).edges).toHaveLength(6);
    expect(() => pageTimeline(events, { first: 2, after: 'not a cursor!' })).toThrow(RangeError);
    expect(() => pageTimeline(events, { first: 2, after: Buffer.from('{"date":1}').toString('base64url') })).toThrow(RangeError);
    expect(() => pageTimeline(events, { first: 2, after: Buffer.from('["yesterday","abc"]').toString('base64url') })).toThrow(RangeError);
    expect(() => pageTimeline(events, { first: 2, from: '01/02/2024' })).toThrow(RangeError);
  });
});
