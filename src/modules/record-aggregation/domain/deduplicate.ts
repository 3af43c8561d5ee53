import { createHash } from 'node:crypto';

import type {
  R4Appointment,
  R4CarePlan,
  R4CodeableConcept,
  R4Condition,
  R4DiagnosticReport,
  R4Encounter,
  R4MedicationRequest,
  R4MedicationStatement,
  R4Observation,
  R4Resource,
} from '../../../fhir/index.js';
import type { RecordSection } from '../../source-connectors/index.js';
import { clinicalDateOf, displayOf, instantOf, medicationConcept, medicationName, statusOf, withDisplays } from './item-display.js';
import type { RecordItem, SourcedResource } from './record.types.js';

// The same thing reported by several sources becomes one item that lists every source holding
// it, each source's own copy kept beside it. Two copies from different sources are one item when
// (docs/AGGREGATION.md repeats this table):
//
// | Section      | Same item when                                                                                  |
// |--------------|-------------------------------------------------------------------------------------------------|
// | every one    | they share an identifier (same system and value), e.g. GP Connect's cross-care-setting id        |
// | allergies    | same substance: a shared SNOMED CT or dm+d code (dm+d ids are SNOMED CT ids, so either system    |
// |              | matches the other); when they have no code system in common, the same name (normalised text).    |
// |              | Status is not compared: active at one source and resolved at another is one item, and a conflict |
// | medications  | same medicine (code as for allergies, else name) and courses that overlap: start to end, an      |
// |              | active course running on, an ended one without an end lasting its start day. Active and stopped  |
// |              | copies of one course are one item, so the conflict shows; courses years apart stay apart         |
// | conditions   | same code (else name) and onsets within 30 days, or episodes that overlap (onset to abatement;   |
// |              | an active condition runs on), so a GP's long-standing problem and a trust's later record match   |
// | observations | Observation: same code, same effective time to the minute, same value and component values.      |
// |              | DiagnosticReport: same code and issued (else effective) to the minute                            |
// | encounters   | same class and start within 1 hour, their types not different codes of one system; when a class  |
// |              | is unknown (GP Connect sends none) the types must match                                           |
// | appointments | same start to the minute and the same service when both name one                                 |
// | carePlans    | same title (else category) and created (else started) on the same day                            |
//
// A source's own items are never merged with each other, however alike: two identical blood
// pressures in the same minute at one practice are two readings, and the hub cannot know better.
// Within one source, a medicine's statement, authorisation and issues (linked by basedOn) are one
// course, shown as the statement; a referenced Medication is carried inside it (contained). When
// a copy could join several items, it joins the closest: a shared identifier, then the nearest date.
// A generic code that names no test ("Diagnostic studies report") does not identify anything.

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const CONDITION_ONSET_WINDOW_MS = 30 * DAY_MS;

/** How copies of a resource type are compared. */
type MatchKind = 'allergy' | 'medication' | 'condition' | 'observation' | 'report' | 'encounter' | 'appointment' | 'care-plan' | 'other';

const KIND_OF_TYPE: Readonly<Record<string, MatchKind>> = {
  AllergyIntolerance: 'allergy',
  MedicationRequest: 'medication',
  MedicationStatement: 'medication',
  Condition: 'condition',
  Observation: 'observation',
  DiagnosticReport: 'report',
  Encounter: 'encounter',
  Appointment: 'appointment',
  CarePlan: 'care-plan',
};

/** Code systems whose codes are one namespace: dm+d concepts are SNOMED CT concepts. */
const SNOMED_FAMILY = new Set(['http://snomed.info/sct', 'https://dmd.nhs.uk', 'http://dmd.nhs.uk', 'https://fhir.nhs.uk/id/dmd']);
/** Codes too general to say two things are the same (a GP system's "Diagnostic studies report" for every test). */
const GENERIC_CODES = new Set(['sct|721981007']);
/** Statuses after which a medicine or condition no longer runs on. */
const ENDED_STATUSES = new Set([
  'stopped',
  'completed',
  'cancelled',
  'entered-in-error',
  'not-taken',
  'revoked',
  'resolved',
  'inactive',
  'remission',
]);

/** What a concept says, as keys to compare: codes (namespaced), the code systems used, and names. */
interface ConceptIdentity {
  coded: Set<string>;
  systems: Set<string>;
  texts: Set<string>;
}

interface ObservationValue {
  main?: string;
  components: { concept: ConceptIdentity; value?: string }[];
}

/** What de-duplication compares of one copy, worked out once. */
interface Facts {
  kind: MatchKind;
  identifiers: Set<string>;
  concept: ConceptIdentity;
  /** Clinical date as written, and as milliseconds. */
  date?: string;
  start?: number;
  /** End of the course or episode in ms (Infinity while it runs on). */
  end?: number;
  /** Observations, reports, appointments: the time compared to the minute. */
  moment?: Moment;
  value?: ObservationValue;
  classCode?: string;
  title?: string;
  day?: string;
  /** Keys under which the copy's item can be found by copies that might join it (so not every pair is compared). */
  tokens: string[];
}

interface Copy {
  sourced: SourcedResource;
  /** The copy as shown: displays filled, a referenced Medication contained. */
  resource: R4Resource;
  facts: Facts;
  /** Position in the canonical order (source id, then the source's own order). */
  order: number;
}

interface Group {
  copies: Copy[];
  sourceIds: Set<string>;
}

/**
 * One section's resources from every source as items: the same thing from several sources once,
 * listing each source (provenance) with its own copy; sorted by clinical date, most recent first,
 * undated last. Ids are a hash of what identifies the item, so they are the same on every request
 * that gets the same answers.
 */
export function deduplicateSection(section: RecordSection, sourced: SourcedResource[]): RecordItem[] {
  const copies = canonicalCopies(section, sourced);
  const groups: Group[] = [];
  const byToken = new Map<string, Set<number>>();
  const visitedBy: number[] = [];
  for (const copy of copies) {
    let index = bestGroup(copy, groups, byToken, visitedBy);
    if (index === undefined) {
      index = groups.length;
      groups.push({ copies: [], sourceIds: new Set() });
    }
    const group = groups[index]!;
    group.copies.push(copy);
    group.sourceIds.add(copy.sourced.provenance.sourceId);
    for (const token of copy.facts.tokens) {
      const members = byToken.get(token) ?? new Set<number>();
      members.add(index);
      byToken.set(token, members);
    }
  }

  const seenBases = new Map<string, number>();
  const items = groups.map((group, index) => {
    const item = toItem(section, group, seenBases);
    return { item, index, time: instantOf(item.date) };
  });
  return items
    .sort((a, b) => {
      if (a.time === undefined || b.time === undefined) {
        if (a.time !== b.time) return a.time === undefined ? 1 : -1;
        return a.index - b.index;
      }
      return b.time - a.time || a.index - b.index;
    })
    .map(({ item }) => item);
}

// ---- copies in a canonical order

/** The section's copies, by source id and then each source's own order, medicine courses folded. */
function canonicalCopies(section: RecordSection, sourced: SourcedResource[]): Copy[] {
  const bySource = new Map<string, SourcedResource[]>();
  for (const entry of sourced) {
    if (entry.section !== section) continue;
    const list = bySource.get(entry.provenance.sourceId) ?? [];
    list.push(entry);
    bySource.set(entry.provenance.sourceId, list);
  }
  const copies: Copy[] = [];
  for (const sourceId of [...bySource.keys()].sort()) {
    const entries = bySource.get(sourceId)!;
    const shown = section === 'medications' ? medicineCourses(entries) : entries;
    for (const entry of shown) {
      const resource = withDisplays(entry.resource);
      copies.push({ sourced: { ...entry, resource }, resource, facts: factsOf(resource), order: copies.length });
    }
  }
  return copies;
}

/**
 * One source's medicines as courses: resources linked by basedOn (GP Connect's statement →
 * authorisation ← issues) are one course, shown as its statement (else its authorisation);
 * Medication resources are not items but go inside the course that references them.
 */
function medicineCourses(entries: SourcedResource[]): SourcedResource[] {
  const medications = new Map<string, fhir4.Medication>();
  const indexByKey = new Map<string, number>();
  entries.forEach((entry, index) => {
    const { resource } = entry;
    if (resource.resourceType === 'Medication' && resource.id) medications.set(resource.id, resource as fhir4.Medication);
    if (resource.id) indexByKey.set(`${resource.resourceType}/${resource.id}`, index);
  });

  const parent = entries.map((_entry, index) => index);
  const root = (index: number): number => {
    while (parent[index] !== index) index = parent[index] = parent[parent[index]!]!;
    return index;
  };
  entries.forEach((entry, index) => {
    if (!isMedicine(entry.resource)) return;
    const resource = entry.resource as { basedOn?: fhir4.Reference[]; derivedFrom?: fhir4.Reference[] };
    for (const reference of [...(resource.basedOn ?? []), ...(resource.derivedFrom ?? [])]) {
      const target = indexByKey.get(referenceKey(reference.reference) ?? '');
      if (target !== undefined && isMedicine(entries[target]!.resource)) parent[root(index)] = root(target);
    }
  });

  const courses = new Map<number, number[]>();
  const result: { entry: SourcedResource; first: number }[] = [];
  entries.forEach((entry, index) => {
    if (entry.resource.resourceType === 'Medication') return;
    if (!isMedicine(entry.resource)) {
      result.push({ entry, first: index });
      return;
    }
    const list = courses.get(root(index)) ?? [];
    list.push(index);
    courses.set(root(index), list);
  });
  for (const members of courses.values()) {
    const chosen = members.map((index) => entries[index]!).sort((a, b) => courseRank(a.resource) - courseRank(b.resource))[0]!;
    result.push({ entry: { ...chosen, resource: withContainedMedication(chosen.resource, medications) }, first: members[0]! });
  }
  return result.sort((a, b) => a.first - b.first).map(({ entry }) => entry);
}

function isMedicine(resource: R4Resource): boolean {
  return resource.resourceType === 'MedicationRequest' || resource.resourceType === 'MedicationStatement';
}

/** Which resource of a course is shown: the statement, else the authorisation, else any request. */
function courseRank(resource: R4Resource): number {
  if (resource.resourceType === 'MedicationStatement') return 0;
  const request = resource as R4MedicationRequest;
  if (request.intent === 'plan') return 1;
  return request.basedOn?.length ? 3 : 2;
}

/** "Medication/abc", "https://host/fhir/Medication/abc/_history/2" → "Medication/abc". */
function referenceKey(reference: string | undefined): string | undefined {
  if (!reference || reference.startsWith('#')) return undefined;
  const parts = reference.replace(/\/_history\/[^/]+$/, '').split('/');
  return parts.length >= 2 ? `${parts.at(-2)}/${parts.at(-1)}` : undefined;
}

function withContainedMedication(resource: R4Resource, medications: Map<string, fhir4.Medication>): R4Resource {
  const medicine = resource as R4MedicationRequest | R4MedicationStatement;
  const key = referenceKey(medicine.medicationReference?.reference);
  const id = key?.startsWith('Medication/') ? key.slice('Medication/'.length) : undefined;
  const medication = id ? medications.get(id) : undefined;
  if (!medication || !id) return resource;
  const { meta: _meta, ...inner } = medication;
  return {
    ...medicine,
    contained: [...(medicine.contained ?? []).filter((contained) => contained.id !== id), { ...inner, id }],
    medicationReference: { ...medicine.medicationReference, reference: `#${id}` },
  } as unknown as R4Resource;
}

// ---- what is compared

function factsOf(resource: R4Resource): Facts {
  const kind = KIND_OF_TYPE[resource.resourceType] ?? 'other';
  const date = clinicalDateOf(resource);
  const facts: Facts = { kind, identifiers: identifiersOf(resource), concept: emptyConcept(), date, start: instantOf(date), tokens: [] };
  switch (kind) {
    case 'allergy':
      facts.concept = conceptIdentity([(resource as fhir4.AllergyIntolerance).code]);
      break;
    case 'medication': {
      const medicine = resource as R4MedicationRequest | R4MedicationStatement;
      const concept = medicationConcept(medicine);
      facts.concept = conceptIdentity([concept ?? { text: medicationName(medicine) }]);
      const end =
        medicine.resourceType === 'MedicationStatement'
          ? medicine.effectivePeriod?.end
          : (medicine as R4MedicationRequest).dispenseRequest?.validityPeriod?.end;
      facts.end = courseEnd(date, end, statusOf(resource));
      break;
    }
    case 'condition': {
      const condition = resource as R4Condition;
      facts.concept = conceptIdentity([condition.code]);
      facts.end = courseEnd(date, condition.abatementDateTime ?? condition.abatementPeriod?.end, statusOf(resource));
      break;
    }
    case 'observation': {
      const observation = resource as R4Observation;
      facts.concept = conceptIdentity([observation.code]);
      facts.moment = momentOf(date);
      facts.value = {
        main: valueKey(observation),
        components: (observation.component ?? []).map((component) => ({
          concept: conceptIdentity([component.code]),
          value: valueKey(component),
        })),
      };
      break;
    }
    case 'report': {
      const report = resource as R4DiagnosticReport;
      facts.concept = conceptIdentity([report.code]);
      facts.moment = momentOf(report.issued ?? date);
      break;
    }
    case 'encounter': {
      const encounter = resource as R4Encounter;
      facts.concept = conceptIdentity(encounter.type ?? []);
      const known = encounter.class?.code && encounter.class.code !== 'unknown' && !encounter.class.system?.includes('data-absent-reason');
      facts.classCode = known ? `${encounter.class.system ?? ''}|${encounter.class.code}` : undefined;
      break;
    }
    case 'appointment': {
      const appointment = resource as R4Appointment;
      facts.concept = conceptIdentity([
        ...(appointment.serviceType ?? []),
        ...(appointment.serviceCategory ?? []),
        ...(appointment.specialty ?? []),
        appointment.appointmentType,
      ]);
      facts.moment = momentOf(appointment.start);
      break;
    }
    case 'care-plan': {
      const plan = resource as R4CarePlan;
      facts.concept = conceptIdentity(plan.category ?? []);
      facts.title = plan.title ? normaliseText(plan.title) : undefined;
      facts.day = (plan.created ?? plan.period?.start)?.slice(0, 10);
      break;
    }
    case 'other':
      break;
  }
  facts.tokens = blockingTokens(facts);
  return facts;
}

/** When a course or episode ends: its end, else its start day when its status says it is over, else never. */
function courseEnd(start: string | undefined, end: string | undefined, status: string | undefined): number {
  if (end) return endOf(end) ?? Infinity;
  if (status && ENDED_STATUSES.has(status) && start) return endOf(start) ?? Infinity;
  return Infinity;
}

/** The last moment a written date covers: a whole day for a date, the instant for a dateTime. */
function endOf(value: string): number | undefined {
  const time = instantOf(value);
  if (time === undefined) return undefined;
  return value.includes('T') ? time : time + DAY_MS - 1;
}

function identifiersOf(resource: R4Resource): Set<string> {
  const identifiers = (resource as { identifier?: unknown }).identifier;
  const keys = new Set<string>();
  for (const identifier of Array.isArray(identifiers) ? (identifiers as fhir4.Identifier[]) : []) {
    if (identifier?.system?.trim() && identifier.value?.trim()) keys.add(`${identifier.system.trim()}|${identifier.value.trim()}`);
  }
  return keys;
}

function emptyConcept(): ConceptIdentity {
  return { coded: new Set(), systems: new Set(), texts: new Set() };
}

function conceptIdentity(concepts: (R4CodeableConcept | undefined)[]): ConceptIdentity {
  const identity = emptyConcept();
  for (const concept of concepts) {
    if (!concept) continue;
    const text = normaliseText(concept.text);
    if (text) identity.texts.add(text);
    for (const coding of concept.coding ?? []) {
      const display = normaliseText(coding.display);
      if (display) identity.texts.add(display);
      const code = coding.code?.trim();
      if (!code) continue;
      const system = systemFamily(coding.system);
      const key = `${system}|${code}`;
      if (GENERIC_CODES.has(key)) continue;
      identity.coded.add(key);
      identity.systems.add(system);
    }
  }
  return identity;
}

function systemFamily(system: string | undefined): string {
  const normal = (system ?? '').trim().toLowerCase().replace(/\/+$/, '');
  if (SNOMED_FAMILY.has(normal)) return 'sct';
  if (normal === 'http://loinc.org') return 'loinc';
  return normal;
}

const SEMANTIC_TAG =
  /\s*\((disorder|finding|substance|product|situation|procedure|observable entity|regime\/therapy|medicinal product)\)\s*$/;

/** Names compared as words: case, accents, punctuation and a SNOMED CT semantic tag ("(substance)") ignored. */
function normaliseText(text: string | undefined): string | undefined {
  if (!text) return undefined;
  // Accents are folded only where there are any: most names are plain ASCII.
  const folded = /^[\x20-\x7e]*$/.test(text) ? text : text.normalize('NFKD').replace(/\p{M}/gu, '');
  const words = folded
    .toLowerCase()
    .replace(SEMANTIC_TAG, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  return words === '' ? undefined : words;
}

type Relation = 'same' | 'different' | 'unknown';

/** Same when they share a code, or (sharing no code system) a name; different when one system gives each a different code. */
function conceptRelation(a: ConceptIdentity, b: ConceptIdentity): Relation {
  if (intersects(a.coded, b.coded)) return 'same';
  if (intersects(a.systems, b.systems)) return 'different';
  if (intersects(a.texts, b.texts)) return 'same';
  return 'unknown';
}

function conceptsMatch(a: ConceptIdentity, b: ConceptIdentity): boolean {
  return conceptRelation(a, b) === 'same';
}

function isEmptyConcept(concept: ConceptIdentity): boolean {
  return concept.coded.size === 0 && concept.texts.size === 0;
}

type ValueHolder = Pick<
  R4Observation,
  'valueQuantity' | 'valueCodeableConcept' | 'valueString' | 'valueBoolean' | 'valueInteger' | 'valueRange' | 'valueRatio' | 'valueDateTime'
>;

/** A value as compared: numbers by value (units follow from the code), concepts by their keys, the rest as written. */
function valueKey(holder: ValueHolder): string | undefined {
  const quantity = holder.valueQuantity;
  if (quantity && typeof quantity.value === 'number') return `${quantity.comparator ?? ''}${quantity.value}`;
  if (holder.valueCodeableConcept) {
    const identity = conceptIdentity([holder.valueCodeableConcept]);
    return `concept:${[...identity.coded].sort()[0] ?? [...identity.texts].sort()[0] ?? ''}`;
  }
  if (typeof holder.valueString === 'string') return `text:${normaliseText(holder.valueString) ?? ''}`;
  if (typeof holder.valueBoolean === 'boolean') return `boolean:${holder.valueBoolean}`;
  if (typeof holder.valueInteger === 'number') return String(holder.valueInteger);
  if (holder.valueRange) return `range:${holder.valueRange.low?.value ?? ''}-${holder.valueRange.high?.value ?? ''}`;
  if (holder.valueRatio) return `ratio:${holder.valueRatio.numerator?.value ?? ''}/${holder.valueRatio.denominator?.value ?? ''}`;
  if (holder.valueDateTime) return `date:${holder.valueDateTime}`;
  return undefined;
}

function valuesMatch(a: ObservationValue | undefined, b: ObservationValue | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.main !== b.main || a.components.length !== b.components.length) return false;
  const unused = [...b.components];
  for (const component of a.components) {
    const index = unused.findIndex((other) => other.value === component.value && conceptsMatch(other.concept, component.concept));
    if (index < 0) return false;
    unused.splice(index, 1);
  }
  return true;
}

/** A time as compared: its minute (UTC) when it has a time, and the day as written. */
interface Moment {
  day: string;
  minute?: number;
  /** The day as written and the UTC day: a copy at the same moment shares one of them. */
  days: string[];
}

function momentOf(value: string | undefined): Moment | undefined {
  const time = instantOf(value);
  if (time === undefined || !value) return undefined;
  const day = value.slice(0, 10);
  if (!value.includes('T')) return { day, days: [day] };
  const utcDay = new Date(time).toISOString().slice(0, 10);
  return { day, minute: Math.floor(time / 60_000), days: utcDay === day ? [day] : [day, utcDay] };
}

/** The same minute when both have a time; the same day when either is a date only. */
function sameMoment(a: Moment | undefined, b: Moment | undefined): boolean {
  if (!a || !b) return false;
  if (a.minute !== undefined && b.minute !== undefined) return a.minute === b.minute;
  return a.day === b.day;
}

function overlaps(a: Facts, b: Facts): boolean {
  if (a.start === undefined || b.start === undefined) return true;
  return a.start <= (b.end ?? Infinity) && b.start <= (a.end ?? Infinity);
}

/**
 * How well a copy matches another (lower is closer); undefined when they are not the same item.
 * A shared identifier is the closest match of all.
 */
function matchScore(a: Facts, b: Facts): number | undefined {
  if (a.kind !== b.kind) return undefined;
  if (intersects(a.identifiers, b.identifiers)) return -1;
  const apart = a.start !== undefined && b.start !== undefined ? Math.abs(a.start - b.start) : 0;
  switch (a.kind) {
    case 'allergy':
      return conceptsMatch(a.concept, b.concept) ? 0 : undefined;
    case 'medication':
      return conceptsMatch(a.concept, b.concept) && overlaps(a, b) ? apart : undefined;
    case 'condition':
      return conceptsMatch(a.concept, b.concept) && (apart <= CONDITION_ONSET_WINDOW_MS || overlaps(a, b)) ? apart : undefined;
    case 'observation':
      return conceptsMatch(a.concept, b.concept) && sameMoment(a.moment, b.moment) && valuesMatch(a.value, b.value) ? 0 : undefined;
    case 'report':
      return conceptsMatch(a.concept, b.concept) && sameMoment(a.moment, b.moment) ? 0 : undefined;
    case 'encounter': {
      if (a.start === undefined || b.start === undefined || apart > HOUR_MS) return undefined;
      const types = conceptRelation(a.concept, b.concept);
      const sameKind = a.classCode && b.classCode ? a.classCode === b.classCode && types !== 'different' : types === 'same';
      return sameKind ? apart : undefined;
    }
    case 'appointment': {
      const sameService = isEmptyConcept(a.concept) || isEmptyConcept(b.concept) || conceptsMatch(a.concept, b.concept);
      const sameStart = sameMoment(a.moment, b.moment) && (a.moment!.minute === undefined) === (b.moment!.minute === undefined);
      return sameStart && sameService ? 0 : undefined;
    }
    case 'care-plan': {
      if (!a.day || a.day !== b.day) return undefined;
      const sameTitle = a.title && b.title ? a.title === b.title : conceptsMatch(a.concept, b.concept);
      return sameTitle ? 0 : undefined;
    }
    case 'other':
      return undefined;
  }
}

function blockingTokens(facts: Facts): string[] {
  const tokens = [...facts.identifiers].map((identifier) => `id:${identifier}`);
  const conceptKeys = [...[...facts.concept.coded].map((key) => `code:${key}`), ...[...facts.concept.texts].map((text) => `text:${text}`)];
  switch (facts.kind) {
    case 'encounter':
      tokens.push('encounter');
      break;
    case 'appointment':
      for (const day of facts.moment?.days ?? []) tokens.push(`day:${day}`);
      break;
    case 'care-plan':
      if (facts.day) tokens.push(`day:${facts.day}`);
      break;
    case 'observation':
    case 'report':
      // Only a result at the same moment can be the same result.
      for (const day of facts.moment?.days ?? []) for (const key of conceptKeys) tokens.push(`${key}@${day}`);
      break;
    case 'allergy':
    case 'medication':
    case 'condition':
      tokens.push(...conceptKeys);
      break;
    case 'other':
      break;
  }
  return tokens;
}

/** The item the copy joins: the closest match (then the earliest item) among those held by no copy of its source. */
function bestGroup(copy: Copy, groups: Group[], byToken: Map<string, Set<number>>, visitedBy: number[]): number | undefined {
  let best: { index: number; score: number } | undefined;
  for (const token of copy.facts.tokens) {
    for (const index of byToken.get(token) ?? []) {
      if (visitedBy[index] === copy.order) continue;
      visitedBy[index] = copy.order;
      const group = groups[index]!;
      // One source's items are its own business: never merged with each other.
      if (group.sourceIds.has(copy.sourced.provenance.sourceId)) continue;
      for (const member of group.copies) {
        const score = matchScore(member.facts, copy.facts);
        if (score !== undefined && (best === undefined || score < best.score || (score === best.score && index < best.index))) {
          best = { index, score };
        }
      }
    }
  }
  return best?.index;
}

// ---- items

function toItem(section: RecordSection, group: Group, seenBases: Map<string, number>): RecordItem {
  const shown = mostComplete(group.copies);
  const ordered = [shown, ...group.copies.filter((copy) => copy !== shown)];
  const date = clinicalDateOf(shown.resource);
  const status = statusOf(shown.resource);
  return {
    id: itemId(section, group, seenBases),
    section,
    resource: shown.resource,
    display: displayOf(shown.resource),
    ...(date ? { date } : {}),
    ...(status ? { status } : {}),
    sources: ordered.map((copy) => copy.sourced.provenance),
    copies: ordered.map((copy) => copy.resource),
  };
}

/** The copy that says most; the first in canonical order among equals. */
function mostComplete(copies: Copy[]): Copy {
  if (copies.length === 1) return copies[0]!;
  let best = copies[0]!;
  let bestScore = completeness(best.resource);
  for (const copy of copies.slice(1)) {
    const score = completeness(copy.resource);
    if (score > bestScore || (score === bestScore && copy.order < best.order)) [best, bestScore] = [copy, score];
  }
  return best;
}

/**
 * sha256 of what identifies the item (the smallest of its copies' keys, so any order of arrival
 * gives the same id); a second item with the same key in one source is told apart by its rank.
 */
function itemId(section: RecordSection, group: Group, seenBases: Map<string, number>): string {
  const basis = group.copies.map((copy) => identityBasis(section, copy)).sort()[0]!;
  const seen = (seenBases.get(basis) ?? 0) + 1;
  seenBases.set(basis, seen);
  return createHash('sha256')
    .update(seen === 1 ? basis : `${basis}#${seen}`)
    .digest('hex')
    .slice(0, 16);
}

function identityBasis(section: RecordSection, copy: Copy): string {
  const { facts, resource } = copy;
  const concept = primaryKey(facts.concept);
  const day = facts.date?.slice(0, 10) ?? '';
  switch (facts.kind) {
    case 'allergy':
      return `${section}|allergy|${concept}`;
    case 'medication':
    case 'condition':
      return `${section}|${facts.kind}|${concept}|${day}`;
    case 'observation':
      return `${section}|observation|${concept}|${minuteKey(facts.moment)}|${facts.value?.main ?? ''}|${(facts.value?.components ?? [])
        .map((component) => component.value ?? '')
        .sort()
        .join(',')}`;
    case 'report':
      return `${section}|report|${concept}|${minuteKey(facts.moment)}`;
    case 'encounter':
      return `${section}|encounter|${facts.classCode ?? concept}|${minuteKey(momentOf(facts.date))}`;
    case 'appointment':
      return `${section}|appointment|${minuteKey(facts.moment)}|${concept}`;
    case 'care-plan':
      return `${section}|care-plan|${facts.title ?? concept}|${facts.day ?? ''}`;
    case 'other':
      return `${section}|${resource.resourceType}|${[...facts.identifiers].sort()[0] ?? resource.id ?? ''}`;
  }
}

function primaryKey(concept: ConceptIdentity): string {
  return [...concept.coded].sort()[0] ?? [...concept.texts].sort()[0] ?? '';
}

function minuteKey(moment: Moment | undefined): string {
  if (!moment) return '';
  return moment.minute !== undefined ? String(moment.minute) : moment.day;
}

/** How much a copy says: its filled-in values, not counting meta, narrative or ids. */
function completeness(node: unknown, key?: string): number {
  if (key === 'meta' || key === 'id') return 0;
  if (typeof node !== 'object' || node === null) return node === undefined || node === null || node === '' ? 0 : 1;
  if (key === 'text') return 0;
  let count = 0;
  if (Array.isArray(node)) for (const item of node) count += completeness(item);
  else for (const name in node) count += completeness((node as Record<string, unknown>)[name], name);
  return count;
}

function intersects<T>(a: Set<T>, b: Set<T>): boolean {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const value of small) if (large.has(value)) return true;
  return false;
}
