import type { Organisation } from '../../population/population.types.js';

/** The clinical resource types a sandbox FHIR R4 system can serve for a patient. */
export const CLINICAL_RESOURCE_TYPES = [
  'AllergyIntolerance',
  'MedicationRequest',
  'Condition',
  'Observation',
  'DiagnosticReport',
  'Encounter',
  'Appointment',
  'CarePlan',
] as const;
export type ClinicalResourceType = (typeof CLINICAL_RESOURCE_TYPES)[number];

/** How one trust's FHIR R4 API differs from another's; the rendering and search code is shared. */
export interface FhirSystemProfile {
  system: 'acute' | 'mental-health';
  organisation: Organisation;
  /** Identifier system of the trust's own patient number (MRN, RiO id). */
  localIdSystem: string;
  /** What the trust calls its patient number, shown as identifier.type.text. */
  localIdName: string;
  /** Clinical types served, in the order the CapabilityStatement lists them. */
  resourceTypes: readonly ClinicalResourceType[];
  /** Types that accept POST (the acute trust's Observation and Condition). */
  creatable: readonly ClinicalResourceType[];
  /** A hospital's diagnoses are encounter diagnoses; a community trust keeps a problem list. */
  conditionCategory: 'encounter-diagnosis' | 'problem-list-item';
  /** medicationrequest-category for prescriptions that are not inpatient orders. */
  medicationCategory: 'outpatient' | 'community';
}

/** Sandbox namespace for identifier systems and meta.source. */
export const SANDBOX_FHIR_NAMESPACE = 'https://fhir.sandbox.tessera.example';

export function systemSourceUri(profile: FhirSystemProfile): string {
  return `${SANDBOX_FHIR_NAMESPACE}/${profile.system}`;
}
