// FHIR ids must match [A-Za-z0-9\-.]{1,64}. Items are named after the trust's own patient id, never
// the population's truth id (P0000001), so a client cannot join records by reading resource ids.

const UNSAFE_PATIENT_ID = /[^A-Za-z0-9-]/g;
const UNSAFE_ITEM_PART = /[^A-Za-z0-9\-.]/g;

/** The Patient resource id for a record's local id ('.' is kept out: it separates item ids). */
export function patientResourceId(localId: string): string {
  return localId.replace(UNSAFE_PATIENT_ID, '-').slice(0, 64);
}

/** A care item's resource id: <patient id>.<kind>-<n>, e.g. RVA1234567.observation-12. */
export function itemResourceId(patientId: string, personId: string, itemId: string): string {
  const own = itemId.startsWith(`${personId}-`) ? itemId.slice(personId.length + 1) : itemId;
  return `${patientId}.${own.replace(UNSAFE_ITEM_PART, '-')}`.slice(0, 64);
}

/** The patient part of an item resource id, or undefined when the id is not an item id. */
export function patientPartOfItemId(resourceId: string): string | undefined {
  const dot = resourceId.indexOf('.');
  return dot > 0 ? resourceId.slice(0, dot) : undefined;
}

export const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
