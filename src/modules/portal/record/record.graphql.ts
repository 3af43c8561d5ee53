import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { GraphQLJSONObject } from 'graphql-scalars';

import { PageInfoType } from '../../../platform/graphql/index.js';
import type {
  GovernedRecord,
  ItemProvenance,
  RecordConflict,
  RecordItem,
  SectionResult,
  SourceStatus,
} from '../../record-aggregation/index.js';

// A person's record in GraphQL, mapped field by field from what the assembler returns, so that
// nothing reaches the API that was not chosen to (docs/AGGREGATION.md explains every field).

export enum RecordSectionValue {
  allergies = 'allergies',
  medications = 'medications',
  conditions = 'conditions',
  observations = 'observations',
  encounters = 'encounters',
  appointments = 'appointments',
  carePlans = 'carePlans',
}
registerEnumType(RecordSectionValue, { name: 'RecordSection', description: 'A section of the shared care record.' });

export enum FreshnessValue {
  live = 'live',
  cached = 'cached',
}
registerEnumType(FreshnessValue, { name: 'Freshness', description: 'Fetched for this request, or served from the short-lived cache.' });

@ObjectType('ItemSource', { description: 'One source holding an item, and when its copy was fetched.' })
export class ItemSourceType {
  @Field(() => ID)
  sourceId: string;
  @Field()
  name: string;
  @Field({ description: 'ODS code of the organisation holding the data.' })
  organisationCode: string;
  @Field({ description: 'gp, acute, mental-health, community, social-care or phr.' })
  kind: string;
  @Field({ nullable: true, description: "The resource's id at the source." })
  resourceId?: string;
  @Field({ description: 'When this copy was fetched from the source (ISO 8601).' })
  asOf: string;
  @Field(() => FreshnessValue)
  freshness: FreshnessValue;
}

@ObjectType('RecordItem', { description: 'One item of a section: the same thing reported by several sources appears once.' })
export class RecordItemType {
  @Field(() => ID, { description: 'Stable across requests for the same item.' })
  id: string;
  @Field(() => RecordSectionValue)
  section: RecordSectionValue;
  @Field({ description: 'A one-line readable name for the item.' })
  display: string;
  @Field({ nullable: true, description: "The item's clinical date (ISO 8601)." })
  date?: string;
  @Field({ nullable: true, description: 'Its FHIR status or clinical status.' })
  status?: string;
  @Field(() => [ItemSourceType], { description: 'Every source holding it, first the one whose copy is shown.' })
  sources: ItemSourceType[];
  @Field(() => GraphQLJSONObject, { description: 'The FHIR R4 resource shown (UK Core conventions; every coding has a display).' })
  resource: Record<string, unknown>;
}

@ObjectType('SourceStatus', { description: "One source's answer for one section." })
export class SourceStatusType {
  @Field(() => ID)
  sourceId: string;
  @Field()
  name: string;
  @Field()
  organisationCode: string;
  @Field()
  kind: string;
  @Field({
    description:
      'ok, timeout, error, circuit-open (calls paused after repeated failures), not-linked (it does not know the person) or withheld (by policy or consent).',
  })
  status: string;
  @Field({ nullable: true, description: 'Why it is not ok, in plain words.' })
  reason?: string;
  @Field({ nullable: true, description: 'When the data was fetched (ISO 8601).' })
  fetchedAt?: string;
  @Field(() => FreshnessValue, { nullable: true })
  freshness?: FreshnessValue;
  @Field(() => Int, {
    nullable: true,
    description: 'Milliseconds from the start of the view until this source answered (or the deadline passed).',
  })
  latencyMs?: number;
  @Field(() => Int, { description: 'Items of this source shown.' })
  itemCount: number;
}

@ObjectType('ConflictPosition')
export class ConflictPositionType {
  @Field(() => ID)
  sourceId: string;
  @Field()
  organisationCode: string;
  @Field({ description: 'What this source says.' })
  says: string;
}

@ObjectType('RecordConflict', { description: 'Sources disagreeing: shown, never resolved silently.' })
export class RecordConflictType {
  @Field({ description: 'allergy-versus-no-known-allergies, medication-status, allergy-status, condition-status or birth-date.' })
  kind: string;
  @Field()
  section: string;
  @Field()
  description: string;
  @Field(() => [ID])
  itemIds: string[];
  @Field(() => [ConflictPositionType])
  positions: ConflictPositionType[];
}

@ObjectType('RecordSectionResult', { description: 'A section: its items, how each source answered, and where sources disagree.' })
export class RecordSectionResultType {
  @Field(() => [RecordItemType])
  items: RecordItemType[];
  @Field(() => [SourceStatusType])
  sources: SourceStatusType[];
  @Field(() => [RecordConflictType])
  conflicts: RecordConflictType[];
}

@ObjectType('DeniedSection')
export class DeniedSectionType {
  @Field()
  section: string;
  @Field({ description: "The policy's reason code (role-not-permitted, hidden-by-person, ...)." })
  reason: string;
}

@ObjectType('RecordAccess', { description: 'The access decision this answer was made under.' })
export class RecordAccessType {
  @Field({ description: 'relationship, self-declared, break-glass, own-record, delegated or service.' })
  basis: string;
  @Field({ description: 'allowed, break-glass or self-declared.' })
  outcome: string;
  @Field(() => [String])
  allowedSections: string[];
  @Field(() => [DeniedSectionType])
  deniedSections: DeniedSectionType[];
  @Field({ description: 'When the decision lapses (ISO 8601).' })
  expiresAt: string;
}

@ObjectType('PersonRecord', {
  description: 'A person’s record from every linked source, as you may see it. A section not asked for is null.',
})
export class PersonRecordType {
  @Field(() => ID)
  personId: string;
  @Field(() => RecordAccessType)
  access: RecordAccessType;
  @Field(() => RecordSectionResultType, { nullable: true })
  allergies?: RecordSectionResultType;
  @Field(() => RecordSectionResultType, { nullable: true })
  medications?: RecordSectionResultType;
  @Field(() => RecordSectionResultType, { nullable: true })
  conditions?: RecordSectionResultType;
  @Field(() => RecordSectionResultType, { nullable: true })
  observations?: RecordSectionResultType;
  @Field(() => RecordSectionResultType, { nullable: true })
  encounters?: RecordSectionResultType;
  @Field(() => RecordSectionResultType, { nullable: true })
  appointments?: RecordSectionResultType;
  @Field(() => RecordSectionResultType, { nullable: true })
  carePlans?: RecordSectionResultType;
  @Field(() => [RecordConflictType], { description: 'Linked identities disagreeing about demographics (date of birth).' })
  demographicConflicts: RecordConflictType[];
  @Field(() => Int, { description: 'How long the hub took, in milliseconds.' })
  elapsedMs: number;
}

@ObjectType('ReconciliationSourceStatus')
export class ReconciliationSourceStatusType {
  @Field(() => ID)
  sourceId: string;
  @Field()
  organisationCode: string;
  @Field()
  name: string;
  @Field({ description: 'active, stopped, completed, inactive, resolved, entered-in-error ... or not-recorded.' })
  status: string;
}

@ObjectType('ReconciledItem', { description: 'A medicine or allergy across every source, with its status in each.' })
export class ReconciledItemType {
  @Field({ description: 'medication or allergy.' })
  kind: string;
  @Field(() => RecordItemType)
  item: RecordItemType;
  @Field(() => [ReconciliationSourceStatusType])
  perSource: ReconciliationSourceStatusType[];
  @Field({ description: 'Every source holding it agrees on its status.' })
  agreed: boolean;
}

@ObjectType('Reconciliation')
export class ReconciliationType {
  @Field(() => ID)
  personId: string;
  @Field(() => [ReconciledItemType])
  items: ReconciledItemType[];
  @Field(() => [SourceStatusType], { description: 'How each source answered for medicines and allergies.' })
  sources: SourceStatusType[];
}

@ObjectType('TimelineEvent')
export class TimelineEventType {
  @Field(() => ID)
  itemId: string;
  @Field(() => RecordSectionValue)
  section: RecordSectionValue;
  @Field({ description: 'The FHIR resource type.' })
  type: string;
  @Field()
  date: string;
  @Field()
  display: string;
  @Field({ nullable: true })
  status?: string;
  @Field(() => [ItemSourceType])
  sources: ItemSourceType[];
}

@ObjectType('TimelineEdge')
export class TimelineEdgeType {
  @Field()
  cursor: string;
  @Field(() => TimelineEventType)
  node: TimelineEventType;
}

@ObjectType('TimelineConnection', { description: 'Dated events across sections, most recent first.' })
export class TimelineConnectionType {
  @Field(() => [TimelineEdgeType])
  edges: TimelineEdgeType[];
  @Field(() => PageInfoType)
  pageInfo: PageInfoType;
  @Field(() => Int)
  totalCount: number;
  @Field(() => [SourceStatusType], { description: 'How each source answered, across the sections asked for.' })
  sources: SourceStatusType[];
}

export const toItemSource = (source: ItemProvenance): ItemSourceType => ({
  sourceId: source.sourceId,
  name: source.name,
  organisationCode: source.organisationCode,
  kind: source.kind,
  ...(source.resourceId ? { resourceId: source.resourceId } : {}),
  asOf: source.asOf,
  freshness: source.freshness as FreshnessValue,
});

export const toItem = (item: RecordItem): RecordItemType => ({
  id: item.id,
  section: item.section as RecordSectionValue,
  display: item.display,
  ...(item.date ? { date: item.date } : {}),
  ...(item.status ? { status: item.status } : {}),
  sources: item.sources.map(toItemSource),
  resource: item.resource as unknown as Record<string, unknown>,
});

export const toSourceStatus = (status: SourceStatus): SourceStatusType => ({
  sourceId: status.sourceId,
  name: status.name,
  organisationCode: status.organisationCode,
  kind: status.kind,
  status: status.status,
  ...(status.reason ? { reason: status.reason } : {}),
  ...(status.fetchedAt ? { fetchedAt: status.fetchedAt } : {}),
  ...(status.freshness ? { freshness: status.freshness as FreshnessValue } : {}),
  ...(status.latencyMs !== undefined ? { latencyMs: status.latencyMs } : {}),
  itemCount: status.itemCount,
});

export const toConflict = (conflict: RecordConflict): RecordConflictType => ({
  kind: conflict.kind,
  section: conflict.section,
  description: conflict.description,
  itemIds: [...conflict.itemIds],
  positions: conflict.positions.map(({ sourceId, organisationCode, says }) => ({ sourceId, organisationCode, says })),
});

const toSection = (section: SectionResult): RecordSectionResultType => ({
  items: section.items.map(toItem),
  sources: section.sources.map(toSourceStatus),
  conflicts: section.conflicts.map(toConflict),
});

export const toAccess = (record: GovernedRecord): RecordAccessType => ({
  basis: record.decision.basis,
  outcome: record.decision.outcome,
  allowedSections: [...record.decision.allowedSections],
  deniedSections: record.decision.deniedSections.map(({ section, reason }) => ({ section, reason })),
  expiresAt: record.decision.expiresAt.toISOString(),
});

export function toPersonRecord(record: GovernedRecord): PersonRecordType {
  const view: PersonRecordType = {
    personId: record.personId,
    access: toAccess(record),
    demographicConflicts: record.demographicConflicts.map(toConflict),
    elapsedMs: record.elapsedMs,
  };
  for (const section of record.sections) view[section.section] = toSection(section);
  return view;
}
