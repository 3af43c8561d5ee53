/// <reference types="fhir" />
import { randomUUID } from 'node:crypto';

import { NHS_NUMBER_SYSTEM, type R4Bundle, type R4OperationOutcome, type R4Reference, type R4Resource } from '../../../fhir/index.js';
import type { ItemProvenance, RecordConflict, RecordItem, SectionResult, SourceStatusKind } from './record.types.js';

// The shared record as FHIR: each item once, as the copy the assembler shows, saying every source
// that holds it; a Provenance per source; and what went wrong with sources, and where sources
// disagree, as OperationOutcome issues, because partial data is normal and must be visible.

export type R4Provenance = fhir4.Provenance;
type R4OperationOutcomeIssue = fhir4.OperationOutcomeIssue;

/** Lists every source of an item (the first is the one whose copy is shown): docs/API.md. */
export const ITEM_SOURCE_EXTENSION = 'https://tessera.example.org/fhir/StructureDefinition/item-source';
export const SOURCE_STATUS_SYSTEM = 'https://tessera.example.org/fhir/CodeSystem/source-status';
export const RECORD_CONFLICT_SYSTEM = 'https://tessera.example.org/fhir/CodeSystem/record-conflict';
/** The access policy's reason codes (docs/SECURITY.md), e.g. not-own-record, no-relationship. */
export const REFUSAL_REASON_SYSTEM = 'https://tessera.example.org/fhir/CodeSystem/refusal-reason';
export const ODS_CODE_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';
const SOURCE_ID_SYSTEM = 'urn:tessera:source';
const PROVENANCE_PARTICIPANT = 'http://terminology.hl7.org/CodeSystem/provenance-participant-type';

/** meta.source of a resource from a source: what the connectors set (urn:tessera:source:<id>). */
export const sourceUri = (sourceId: string): string => `${SOURCE_ID_SYSTEM}:${sourceId}`;

/** One entry of a searchset: why it is there, and how well it matched (Patient searches). */
export interface SearchEntry {
  resource: R4Resource;
  mode: 'match' | 'include' | 'outcome';
  score?: number;
}

export interface BundleLinks {
  /** The facade's base URL, e.g. https://hub.example/fhir/r4: entries' fullUrls start with it. */
  base: string;
  /** The URL asked for. */
  self: string;
  next?: string;
}

/** A searchset Bundle; `total` counts the matches (not the included Provenance nor the outcome). */
export function searchsetBundle(links: BundleLinks, entries: readonly SearchEntry[], now = new Date()): R4Bundle {
  return {
    resourceType: 'Bundle',
    id: randomUUID(),
    meta: { lastUpdated: now.toISOString() },
    type: 'searchset',
    timestamp: now.toISOString(),
    total: entries.filter((entry) => entry.mode === 'match').length,
    link: [{ relation: 'self', url: links.self }, ...(links.next ? [{ relation: 'next', url: links.next }] : [])],
    entry: entries.map(({ resource, mode, score }) => ({
      // Resources made for this answer (Provenance, OperationOutcome) have no address of their own.
      fullUrl: resource.id ? `${links.base}/${resource.resourceType}/${resource.id}` : `urn:uuid:${randomUUID()}`,
      resource,
      search: { mode, ...(score === undefined ? {} : { score }) },
    })),
  };
}

/**
 * An item as the facade shows it: the shown copy with the item's stable id (sources' own ids may
 * collide, and are kept in the extension), meta.source the first source, an item-source extension
 * per source, and references to the patient pointing at the hub's Patient. Those references lose
 * any display or identifier the source put there: a caller allowed the section may not be allowed
 * the person's demographics.
 */
export function resourceOfItem(item: RecordItem, personId: string): R4Resource {
  const shown = item.resource as R4Resource & Record<string, unknown>;
  const { versionId: _sourceVersion, ...meta } = shown.meta ?? {};
  const extension = ((shown.extension as fhir4.Extension[] | undefined) ?? []).filter((entry) => entry.url !== ITEM_SOURCE_EXTENSION);
  const resource: R4Resource & Record<string, unknown> = {
    ...shown,
    id: item.id,
    meta: { ...meta, source: sourceUri(item.sources[0]!.sourceId) },
    extension: [...extension, ...item.sources.map(sourceExtension)],
  };
  const person: R4Reference = { reference: `Patient/${personId}`, type: 'Patient' };
  // Every item of the record is about the person: its patient or subject is them unless it names another type.
  for (const field of ['patient', 'subject'] as const) if (resource[field] && !namesAnotherType(resource[field])) resource[field] = person;
  // An appointment's participants are many: only those that say they are the patient are.
  if (Array.isArray(resource.participant))
    resource.participant = (resource.participant as fhir4.AppointmentParticipant[]).map((participant) =>
      participant.actor && saysPatient(participant.actor) ? { ...participant, actor: person } : participant,
    );
  return resource;
}

/** The type a reference names: its `type`, or the type part of a relative or absolute RESTful reference. */
function typeOf(reference: R4Reference): string | undefined {
  return reference.type ?? /(?:^|\/)([A-Z][A-Za-z]+)\/[^/]+$/.exec(reference.reference ?? '')?.[1];
}

function namesAnotherType(value: unknown): boolean {
  const type = typeof value === 'object' && value !== null ? typeOf(value as R4Reference) : undefined;
  return type !== undefined && type !== 'Patient';
}

function saysPatient(reference: R4Reference): boolean {
  return typeOf(reference) === 'Patient' || reference.identifier?.system === NHS_NUMBER_SYSTEM;
}

function sourceExtension(source: ItemProvenance): fhir4.Extension {
  return {
    url: ITEM_SOURCE_EXTENSION,
    extension: [
      { url: 'source', valueUri: sourceUri(source.sourceId) },
      {
        url: 'organization',
        valueReference: {
          type: 'Organization',
          identifier: { system: ODS_CODE_SYSTEM, value: source.organisationCode },
          display: source.name,
        },
      },
      ...(source.resourceId ? [{ url: 'resourceId', valueString: source.resourceId }] : []),
      { url: 'asOf', valueInstant: source.asOf },
      { url: 'freshness', valueCode: source.freshness },
    ],
  };
}

/** An item and the resource the facade made of it. */
export interface ShownItem {
  item: RecordItem;
  resource: R4Resource;
}

/**
 * One Provenance per source whose data is in the answer: the organisation as custodian, when its
 * data was fetched, and every resource it holds a copy of (not only those whose copy is shown).
 */
export function provenancesOf(shown: readonly ShownItem[], sections: readonly SectionResult[]): R4Provenance[] {
  const bySource = new Map<string, { source: ItemProvenance; targets: R4Reference[]; fetched: string[] }>();
  for (const { item, resource } of shown)
    for (const source of item.sources) {
      const entry = bySource.get(source.sourceId) ?? { source, targets: [], fetched: [] };
      entry.targets.push({ reference: `${resource.resourceType}/${resource.id}` });
      entry.fetched.push(source.asOf);
      bySource.set(source.sourceId, entry);
    }
  for (const section of sections)
    for (const status of section.sources) if (status.fetchedAt) bySource.get(status.sourceId)?.fetched.push(status.fetchedAt);
  return [...bySource.values()].map(({ source, targets, fetched }) => ({
    resourceType: 'Provenance',
    target: targets,
    // The earliest fetch: nothing shown from this source is older.
    recorded: fetched.reduce((earliest, at) => (Date.parse(at) < Date.parse(earliest) ? at : earliest)),
    agent: [
      {
        type: { coding: [{ system: PROVENANCE_PARTICIPANT, code: 'custodian', display: 'Custodian' }] },
        who: { type: 'Organization', identifier: { system: ODS_CODE_SYSTEM, value: source.organisationCode }, display: source.name },
      },
    ],
    entity: [{ role: 'source', what: { identifier: { system: SOURCE_ID_SYSTEM, value: source.sourceId }, display: source.name } }],
  }));
}

const ISSUE_OF_STATUS: Partial<Record<SourceStatusKind, R4OperationOutcomeIssue['code']>> = {
  timeout: 'timeout',
  error: 'incomplete',
  'circuit-open': 'incomplete',
  // FHIR's issue type for "not returned due to business rules, consent or privacy rules, or access permission".
  withheld: 'suppressed',
};

/** A warning per source that did not answer, or whose data the policy kept back (one per source, status and reason, naming the sections). */
export function sourceIssues(sections: readonly SectionResult[]): R4OperationOutcomeIssue[] {
  const grouped = new Map<
    string,
    { name: string; organisationCode: string; status: SourceStatusKind; reason?: string; sections: string[] }
  >();
  for (const section of sections)
    for (const status of section.sources) {
      if (!ISSUE_OF_STATUS[status.status]) continue;
      const key = JSON.stringify([status.sourceId, status.status, status.reason ?? '']);
      const entry = grouped.get(key) ?? { ...status, sections: [] };
      entry.sections.push(section.section);
      grouped.set(key, entry);
    }
  return [...grouped.values()].map(({ name, organisationCode, status, reason, sections: affected }) => ({
    severity: 'warning',
    code: ISSUE_OF_STATUS[status]!,
    details: {
      coding: [{ system: SOURCE_STATUS_SYSTEM, code: status }],
      text: `${name} (${organisationCode}): ${status}${reason ? `, ${reason}` : ''} (${affected.join(', ')})`,
    },
  }));
}

/** A warning per disagreement between sources that touches an item shown (or the person's demographics). */
export function conflictIssues(conflicts: readonly RecordConflict[], shown: readonly ShownItem[]): R4OperationOutcomeIssue[] {
  const references = new Map(shown.map(({ item, resource }) => [item.id, `${resource.resourceType}/${resource.id}`]));
  return conflicts
    .filter((conflict) => conflict.itemIds.length === 0 || conflict.itemIds.some((id) => references.has(id)))
    .map((conflict) => {
      const involved = conflict.itemIds.flatMap((id) => references.get(id) ?? []);
      return {
        severity: 'warning',
        code: 'informational',
        details: { coding: [{ system: RECORD_CONFLICT_SYSTEM, code: conflict.kind }], text: conflict.description },
        ...(involved.length ? { diagnostics: `involves ${involved.join(', ')}` } : {}),
      };
    });
}

/** The issues as one OperationOutcome for a searchset's `outcome` entry; nothing when all is well. */
export function outcomeOf(issues: readonly R4OperationOutcomeIssue[]): R4OperationOutcome | undefined {
  return issues.length ? { resourceType: 'OperationOutcome', issue: [...issues] } : undefined;
}

/** The facade's entries for a record's items: the match entries, then (when asked) a Provenance per source, then the outcome. */
export function recordEntries(
  shown: readonly ShownItem[],
  sections: readonly SectionResult[],
  options: { provenance: boolean; issues?: readonly R4OperationOutcomeIssue[] },
): SearchEntry[] {
  const outcome = outcomeOf([
    ...sourceIssues(sections),
    ...conflictIssues(
      sections.flatMap((section) => section.conflicts),
      shown,
    ),
    ...(options.issues ?? []),
  ]);
  return [
    ...shown.map(({ resource }): SearchEntry => ({ resource, mode: 'match' })),
    ...(options.provenance ? provenancesOf(shown, sections).map((resource): SearchEntry => ({ resource, mode: 'include' })) : []),
    ...(outcome ? [{ resource: outcome, mode: 'outcome' as const }] : []),
  ];
}

/**
 * A person's record as a FHIR R4 `collection` Bundle to take away (the resident's export): their
 * Patient, then the entries of recordEntries (items, a Provenance per source, the outcome), each
 * under a fullUrl of its own so that references between them resolve without the hub.
 */
export function exportBundle(patient: R4Resource | undefined, entries: readonly SearchEntry[], now = new Date()): R4Bundle {
  const resources = [...(patient ? [patient] : []), ...entries.map((entry) => entry.resource)];
  return {
    resourceType: 'Bundle',
    id: randomUUID(),
    meta: { lastUpdated: now.toISOString() },
    type: 'collection',
    timestamp: now.toISOString(),
    entry: resources.map((resource) => ({
      fullUrl: resource.id ? `urn:tessera:${resource.resourceType}/${resource.id}` : `urn:uuid:${randomUUID()}`,
      resource,
    })),
  };
}
