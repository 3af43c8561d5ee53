import type { R4Resource } from '../../../fhir/index.js';
import type { RecordSection, SourceKind } from '../../source-connectors/index.js';

// What the assembler hands back: items with their provenance and freshness, one status per
// source per section, and the disagreements between sources (docs/AGGREGATION.md).

/** How one source answered for one section. */
export const SOURCE_STATUSES = ['ok', 'timeout', 'error', 'circuit-open', 'not-linked', 'withheld'] as const;
export type SourceStatusKind = (typeof SOURCE_STATUSES)[number];

/** Whether an item was fetched for this request or served from the short-lived cache. */
export type Freshness = 'live' | 'cached';

/** A registered source as the assembler names it to callers. */
export interface SourceSummary {
  sourceId: string;
  name: string;
  organisationCode: string;
  kind: SourceKind;
}

/** One source's answer for one section. */
export interface SourceStatus extends SourceSummary {
  status: SourceStatusKind;
  /** Why it is not 'ok', in words safe to show anyone (no clinical content, no upstream text). */
  reason?: string;
  /** When the data was fetched from the source (absent when nothing arrived). */
  fetchedAt?: string;
  freshness?: Freshness;
  /** Milliseconds from the start of the view until this source's answer (or the deadline); absent when it was not asked. */
  latencyMs?: number;
  /**
   * Items of the source that reached the caller. How many the policy withheld is not said: a
   * count of sensitive items would tell what it hides (the audit trail keeps it).
   */
  itemCount: number;
}

/** Where one copy of an item came from. */
export interface ItemProvenance extends SourceSummary {
  /** The resource's id at the source. */
  resourceId?: string;
  /** When it was fetched (ISO 8601). */
  asOf: string;
  freshness: Freshness;
}

/** One resource as one source returned it: the input to de-duplication. */
export interface SourcedResource {
  section: RecordSection;
  resource: R4Resource;
  provenance: ItemProvenance;
}

/** One item of a section after de-duplication: the same thing reported by several sources is one item. */
export interface RecordItem {
  /** Stable for the same item across requests: the de-duplication key, hashed. */
  id: string;
  section: RecordSection;
  /** The FHIR resource shown (the most complete copy), with a display on every coding. */
  resource: R4Resource;
  /** A one-line human-readable name for the item ("Amoxicillin 500mg capsules", "HbA1c 48 mmol/mol"). */
  display: string;
  /** The item's clinical date (onset, authored, effective, period start, appointment start), if any. */
  date?: string;
  /** The item's FHIR status or clinical status (active, stopped, resolved, booked...), if any. */
  status?: string;
  /** Every source that holds it, first the one whose copy is shown. */
  sources: ItemProvenance[];
  /** Each source's own copy, in the order of `sources` (the same item may differ in detail). */
  copies: R4Resource[];
}

export const CONFLICT_KINDS = [
  'allergy-versus-no-known-allergies',
  'medication-status',
  'allergy-status',
  'condition-status',
  'birth-date',
] as const;
export type ConflictKind = (typeof CONFLICT_KINDS)[number];

/** Sources disagreeing about the same thing: shown, never resolved silently. */
export interface RecordConflict {
  kind: ConflictKind;
  section: RecordSection | 'demographics';
  /** Plain words for the clinician ("Penicillin allergy at GP; no known allergies at hospital"). */
  description: string;
  /** The items involved (RecordItem ids), when the conflict is about items. */
  itemIds: string[];
  /** Each source's side: what it says. */
  positions: { sourceId: string; organisationCode: string; says: string }[];
}

/** One section as the caller receives it. */
export interface SectionResult {
  section: RecordSection;
  items: RecordItem[];
  sources: SourceStatus[];
  conflicts: RecordConflict[];
}
