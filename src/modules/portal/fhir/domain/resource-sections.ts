import type { RecordSection } from '../../../source-connectors/index.js';

// Which section of the shared record each FHIR resource type the facade searches is read from
// (docs/API.md, "FHIR R4 facade"). A section may hold several types: a search returns the items
// whose shown copy is of the type asked for.

export const SECTION_OF_TYPE = {
  AllergyIntolerance: 'allergies',
  MedicationRequest: 'medications',
  MedicationStatement: 'medications',
  Condition: 'conditions',
  Observation: 'observations',
  DiagnosticReport: 'observations',
  Encounter: 'encounters',
  Appointment: 'appointments',
  CarePlan: 'carePlans',
} as const satisfies Record<string, RecordSection>;

export type RecordResourceType = keyof typeof SECTION_OF_TYPE;
export const RECORD_RESOURCE_TYPES = Object.keys(SECTION_OF_TYPE) as RecordResourceType[];

export function isRecordResourceType(type: string): type is RecordResourceType {
  return Object.hasOwn(SECTION_OF_TYPE, type);
}

/** The sections holding these types, each once. */
export function sectionsOfTypes(types: readonly RecordResourceType[]): RecordSection[] {
  return [...new Set(types.map((type) => SECTION_OF_TYPE[type]))];
}
