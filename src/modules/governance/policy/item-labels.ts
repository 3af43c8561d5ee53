import type { R4Coding, R4Resource } from '../../../fhir/index.js';

export const SNOMED_CT_SYSTEM = 'http://snomed.info/sct';

/** Whether the item's meta.security carries the label (system and code both match). */
export function hasSecurityLabel(item: R4Resource, label: { system: string; code: string }): boolean {
  return (item.meta?.security ?? []).some((coding) => coding.system === label.system && coding.code === label.code);
}

// The elements of the clinical resources the hub shares that say what an item is about. A
// sensitive code anywhere among them (a condition's code, a medicine, the reason for an
// appointment) makes the item sensitive.
const CODED_ELEMENTS = [
  'code',
  'medicationCodeableConcept',
  'reasonCode',
  'category',
  'type',
  'serviceType',
  'specialty',
  'valueCodeableConcept',
  'addresses',
  'conclusionCode',
] as const;

function codingsOf(value: unknown, into: R4Coding[]): void {
  if (Array.isArray(value)) {
    for (const element of value) codingsOf(element, into);
    return;
  }
  if (value && typeof value === 'object') {
    const concept = value as { coding?: unknown; concept?: unknown };
    if (Array.isArray(concept.coding)) into.push(...(concept.coding as R4Coding[]));
    // CodeableReference (R5-style) and CarePlan activities nest concepts one level down.
    if (concept.concept) codingsOf(concept.concept, into);
  }
}

/** Every SNOMED CT code the item is about, including its care plan activities' codes. */
export function snomedCodesOf(item: R4Resource): string[] {
  const codings: R4Coding[] = [];
  const record = item as unknown as Record<string, unknown>;
  for (const element of CODED_ELEMENTS) codingsOf(record[element], codings);
  const activities = record['activity'];
  if (Array.isArray(activities)) {
    for (const activity of activities as { detail?: Record<string, unknown> }[]) {
      if (activity.detail) for (const element of CODED_ELEMENTS) codingsOf(activity.detail[element], codings);
    }
  }
  return codings.filter((coding) => coding.system === SNOMED_CT_SYSTEM && typeof coding.code === 'string').map((coding) => coding.code!);
}
