import { statusOf } from './item-display.js';
import type { RecordItem, SourceSummary } from './record.types.js';

// Medicines and allergies reconciliation: for the clinician who has to decide what the person
// actually takes and reacts to, every item across sources with what each source asked says of
// it, the disagreements first.

export type ReconciledKind = 'medication' | 'allergy';

/** What one source says of a reconciled item. */
export interface ReconciledPosition {
  sourceId: string;
  organisationCode: string;
  /** The source's name, as the registry gives it. */
  name: string;
  /**
   * The source's status of its copy (active, stopped, completed, entered-in-error for medicines;
   * active, inactive, resolved, refuted, entered-in-error for allergies), 'unknown' when its copy
   * has none, or 'not-recorded' when the source does not hold the item.
   */
  status: string;
}

export interface ReconciledItem {
  item: RecordItem;
  kind: ReconciledKind;
  /** Every source asked, in the order asked, then any other source holding the item. */
  perSource: ReconciledPosition[];
  /** True when every source says the same (each holds it, with one status). */
  agreed: boolean;
}

export const NOT_RECORDED = 'not-recorded';

/**
 * The reconciled list of medicines and allergies (items of other sections are ignored).
 * `sourcesAsked` are the sources that answered for these sections: one that was not asked, or
 * did not answer, cannot be said not to hold an item.
 */
export function reconcile(items: RecordItem[], sourcesAsked: SourceSummary[]): ReconciledItem[] {
  const asked = [...new Map(sourcesAsked.map((source) => [source.sourceId, source])).values()];
  const reconciled = items.flatMap((item): ReconciledItem[] => {
    const kind = item.section === 'medications' ? 'medication' : item.section === 'allergies' ? 'allergy' : undefined;
    if (!kind) return [];
    const perSource = asked.map((source) => position(item, source));
    for (const source of item.sources) {
      if (!asked.some((other) => other.sourceId === source.sourceId)) perSource.push(position(item, source));
    }
    const agreed =
      perSource.length > 0 && perSource.every((entry) => entry.status !== NOT_RECORDED && entry.status === perSource[0]!.status);
    return [{ item, kind, perSource, agreed }];
  });
  return reconciled.sort(
    (a, b) =>
      Number(a.agreed) - Number(b.agreed) ||
      a.item.display.localeCompare(b.item.display, 'en-GB', { sensitivity: 'base' }) ||
      (a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0),
  );
}

function position(item: RecordItem, source: SourceSummary): ReconciledPosition {
  const index = item.sources.findIndex((holder) => holder.sourceId === source.sourceId);
  const copy = index >= 0 ? (item.copies[index] ?? item.resource) : undefined;
  return {
    sourceId: source.sourceId,
    organisationCode: source.organisationCode,
    name: source.name,
    status: copy ? (statusOf(copy) ?? 'unknown') : NOT_RECORDED,
  };
}
