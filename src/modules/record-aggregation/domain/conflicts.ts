import type { R4AllergyIntolerance, R4MedicationRequest, R4MedicationStatement, R4Resource } from '../../../fhir/index.js';
import type { RecordSection } from '../../source-connectors/index.js';
import { formatDate, medicationName, statusOf } from './item-display.js';
import type { ItemProvenance, RecordConflict, RecordItem } from './record.types.js';

// Where sources disagree about the same thing, the clinician is told, in plain words naming the
// organisations; the hub never picks a side. Conflicts are worked out from de-duplicated items
// (deduplicate.ts), whose copies line up with their sources.

/** Statuses that say "this holds now", and those that say it no longer does, per kind of item. */
const STATUS_SIDES = {
  allergy: { current: new Set(['active']), ended: new Set(['inactive', 'resolved', 'refuted']) },
  medication: { current: new Set(['active']), ended: new Set(['stopped', 'completed', 'cancelled']) },
  condition: { current: new Set(['active', 'recurrence', 'relapse']), ended: new Set(['resolved', 'inactive', 'remission']) },
} as const;

type AllergyCategory = NonNullable<R4AllergyIntolerance['category']>[number];

/**
 * SNOMED CT "no known ..." situations and the allergy categories each rules out (UK Core's
 * negation example uses 409137002); undefined: every category.
 */
const NO_KNOWN_ALLERGY: ReadonlyMap<string, readonly AllergyCategory[] | undefined> = new Map([
  ['716186003', undefined], // No known allergy
  ['409137002', ['medication', 'biologic']], // No known drug allergy
  ['429625007', ['food']], // No known food allergy
  ['428607008', ['environment']], // No known environmental allergy
  ['428197003', ['environment']], // No known insect allergy
]);
const SNOMED = 'http://snomed.info/sct';
/** An allergy in one of these states asserts nothing now. */
const NOT_ASSERTED = new Set(['inactive', 'resolved', 'refuted', 'entered-in-error']);

/** The disagreements between sources within one section's items. */
export function sectionConflicts(section: RecordSection, items: RecordItem[]): RecordConflict[] {
  switch (section) {
    case 'allergies':
      return [...noKnownAllergyConflicts(items), ...items.flatMap((item) => statusConflict(item, 'allergy'))];
    case 'medications':
      return items.flatMap((item) => statusConflict(item, 'medication'));
    case 'conditions':
      return items.flatMap((item) => statusConflict(item, 'condition'));
    default:
      return [];
  }
}

const CONFLICT_KIND = { allergy: 'allergy-status', medication: 'medication-status', condition: 'condition-status' } as const;

/** The same item current at one source and ended at another. */
function statusConflict(item: RecordItem, kind: keyof typeof STATUS_SIDES): RecordConflict[] {
  const sides = STATUS_SIDES[kind];
  const held = item.sources.map((source, index) => ({ source, status: statusOf(item.copies[index] ?? item.resource) }));
  const current = held.filter(({ status }) => status !== undefined && sides.current.has(status));
  const ended = held.filter(({ status }) => status !== undefined && sides.ended.has(status));
  if (current.length === 0 || ended.length === 0) return [];

  const endedWords = [...new Set(ended.map(({ status }) => status!))].map(
    (status) =>
      `${status} at ${organisations(
        ended.filter((entry) => entry.status === status),
        ({ source }) => source,
      )}`,
  );
  return [
    {
      kind: CONFLICT_KIND[kind],
      section: item.section,
      description: `${subjectOf(item, kind)} is active at ${organisations(current, ({ source }) => source)} but ${joinWords(endedWords)}.`,
      itemIds: [item.id],
      positions: held.map(({ source, status }) => ({
        sourceId: source.sourceId,
        organisationCode: source.organisationCode,
        says: status ?? 'no status recorded',
      })),
    },
  ];
}

function subjectOf(item: RecordItem, kind: keyof typeof STATUS_SIDES): string {
  if (kind === 'allergy') return `Allergy to ${item.display}`;
  if (kind === 'medication') return medicationName(item.resource as R4MedicationRequest | R4MedicationStatement) ?? item.display;
  return item.display;
}

/**
 * A source recording "no known allergies" (or no known drug, food or environmental allergy)
 * while another source holds an allergy of that kind: one conflict per such record.
 */
function noKnownAllergyConflicts(items: RecordItem[]): RecordConflict[] {
  const conflicts: RecordConflict[] = [];
  for (const none of items) {
    const ruledOut = noKnownAllergyScope(none.resource);
    if (ruledOut === false) continue;
    const saying = none.sources.filter((_source, index) => !NOT_ASSERTED.has(statusOf(none.copies[index] ?? none.resource) ?? ''));
    if (saying.length === 0) continue;
    const sayingIds = new Set(saying.map((source) => source.sourceId));

    // Allergies held elsewhere, by source, in the order items come.
    const heldElsewhere = new Map<string, { source: ItemProvenance; items: RecordItem[] }>();
    for (const allergy of items) {
      if (allergy === none || noKnownAllergyScope(allergy.resource) !== false) continue;
      if (!inScope(allergy.resource, ruledOut)) continue;
      allergy.sources.forEach((source, index) => {
        if (sayingIds.has(source.sourceId)) return;
        if (NOT_ASSERTED.has(statusOf(allergy.copies[index] ?? allergy.resource) ?? '')) return;
        const entry = heldElsewhere.get(source.sourceId) ?? { source, items: [] };
        entry.items.push(allergy);
        heldElsewhere.set(source.sourceId, entry);
      });
    }
    if (heldElsewhere.size === 0) continue;

    const holders = [...heldElsewhere.values()];
    const allergyIds = [...new Set(holders.flatMap((holder) => holder.items.map((item) => item.id)))];
    const noneWords = lowerFirst(none.display);
    const heldWords = holders.map(
      ({ source, items: held }) =>
        `${source.organisationCode} records ${held.length === 1 ? 'an allergy' : 'allergies'} to ${joinWords(held.map((item) => item.display))}`,
    );
    conflicts.push({
      kind: 'allergy-versus-no-known-allergies',
      section: 'allergies',
      description: `${organisations(saying, (source) => source)} records ${noneWords}, but ${heldWords.join('; ')}.`,
      itemIds: [none.id, ...allergyIds],
      positions: [
        ...saying.map((source) => ({ sourceId: source.sourceId, organisationCode: source.organisationCode, says: none.display })),
        ...holders.map(({ source, items: held }) => ({
          sourceId: source.sourceId,
          organisationCode: source.organisationCode,
          says: `Allergy to ${held.map((item) => item.display).join(', ')}`,
        })),
      ],
    });
  }
  return conflicts;
}

/**
 * For a "no known allergies" record: the categories it rules out (undefined: all of them);
 * false for a record of an actual allergy.
 */
function noKnownAllergyScope(resource: R4Resource): readonly AllergyCategory[] | undefined | false {
  if (resource.resourceType !== 'AllergyIntolerance') return false;
  for (const coding of (resource as R4AllergyIntolerance).code?.coding ?? []) {
    const code = coding.code?.trim();
    if (code && coding.system === SNOMED && NO_KNOWN_ALLERGY.has(code)) return NO_KNOWN_ALLERGY.get(code);
  }
  return false;
}

/** Whether an allergy falls in what a "no known ..." record rules out; an allergy of no stated category always does. */
function inScope(resource: R4Resource, ruledOut: readonly AllergyCategory[] | undefined): boolean {
  const categories = (resource as R4AllergyIntolerance).category ?? [];
  return !ruledOut || categories.length === 0 || categories.some((category) => ruledOut.includes(category));
}

export interface IdentityBirthDate {
  sourceId: string;
  organisationCode: string;
  birthDate: string | null;
}

/** One 'birth-date' conflict when a person's linked records give different dates of birth; none otherwise. */
export function birthDateConflicts(identities: IdentityBirthDate[]): RecordConflict[] {
  const byDate = new Map<string, IdentityBirthDate[]>();
  for (const identity of identities) {
    const date = identity.birthDate?.trim();
    if (!date) continue;
    const list = byDate.get(date) ?? [];
    list.push(identity);
    byDate.set(date, list);
  }
  if (byDate.size < 2) return [];
  const dated = [...byDate.entries()];
  return [
    {
      kind: 'birth-date',
      section: 'demographics',
      description: `Linked records disagree on the date of birth: ${dated
        .map(([date, holders]) => `${formatDate(date)} at ${organisations(holders, (holder) => holder)}`)
        .join('; ')}.`,
      itemIds: [],
      positions: dated.flatMap(([date, holders]) =>
        holders.map((holder) => ({
          sourceId: holder.sourceId,
          organisationCode: holder.organisationCode,
          says: `Date of birth ${formatDate(date)}`,
        })),
      ),
    },
  ];
}

/** "Y00001", "Y00001 and R1H", "Y00001, R1H and RAT01": each organisation once. */
function organisations<T>(entries: T[], source: (entry: T) => { organisationCode: string }): string {
  return joinWords([...new Set(entries.map((entry) => source(entry).organisationCode))]);
}

function joinWords(words: string[]): string {
  if (words.length <= 1) return words[0] ?? '';
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

/** "No known drug allergy" reads as "no known drug allergy" mid-sentence; other names keep their capitals. */
function lowerFirst(text: string): string {
  return /^No\b/.test(text) ? `n${text.slice(1)}` : text;
}
