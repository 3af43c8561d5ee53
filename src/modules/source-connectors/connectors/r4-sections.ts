import type { RecordSection } from './source-connector.js';

// Which FHIR R4 resource types make up each record section, searched per patient with
// `<Type>?patient=<id>`. A source is asked only for the types its CapabilityStatement lists;
// a section none of whose types it lists is `unsupported` there.

export const R4_SECTION_RESOURCE_TYPES: Readonly<Record<RecordSection, readonly string[]>> = {
  allergies: ['AllergyIntolerance'],
  // Prescribing systems hold requests; some hold what the patient says they take as statements.
  medications: ['MedicationRequest', 'MedicationStatement'],
  conditions: ['Condition'],
  // Laboratory results come as a report that groups its observations: both belong to the section.
  observations: ['Observation', 'DiagnosticReport'],
  encounters: ['Encounter'],
  appointments: ['Appointment'],
  carePlans: ['CarePlan'],
};

/** The search parameter every per-patient search uses. */
export const R4_PATIENT_SEARCH_PARAMETER = 'patient';
