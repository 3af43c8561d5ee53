import { OBSERVATIONS } from '../../population/reference-data/clinical-codes.js';

// Coding systems and UK Core URLs the sandbox's R4 systems use (as in ../shared/fixtures/uk-core).

export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
export const ODS_ORGANISATION_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';
export const SNOMED = 'http://snomed.info/sct';
export const LOINC = 'http://loinc.org';
export const DMD = 'https://dmd.nhs.uk';
export const UCUM = 'http://unitsofmeasure.org';
export const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
export const PARTICIPATION_TYPE = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
export const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
export const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
export const CONDITION_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';
export const CONDITION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';
export const ALLERGY_CLINICAL = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical';
export const ALLERGY_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification';
export const MEDICATION_REQUEST_CATEGORY = 'http://terminology.hl7.org/CodeSystem/medicationrequest-category';
export const COURSE_OF_THERAPY = 'http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy';
export const DIAGNOSTIC_SERVICE_SECTION = 'http://terminology.hl7.org/CodeSystem/v2-0074';
export const ADMIT_SOURCE = 'http://terminology.hl7.org/CodeSystem/admit-source';

export const UK_CORE_PROFILE = 'https://fhir.hl7.org.uk/StructureDefinition';
export const NHS_NUMBER_VERIFICATION_EXTENSION = `${UK_CORE_PROFILE}/Extension-UKCore-NHSNumberVerificationStatus`;
export const NHS_NUMBER_VERIFICATION_SYSTEM = 'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland';
export const ADMISSION_METHOD_EXTENSION = `${UK_CORE_PROFILE}/Extension-UKCore-AdmissionMethod`;
export const ADMISSION_METHOD_SYSTEM = 'https://fhir.hl7.org.uk/CodeSystem/UKCore-AdmissionMethodEngland';
export const DISCHARGE_DESTINATION_SYSTEM = 'https://fhir.hl7.org.uk/CodeSystem/UKCore-DischargeDestinationEngland';

export function ukCoreProfile(resourceType: string): string {
  return `${UK_CORE_PROFILE}/UKCore-${resourceType}`;
}

/**
 * LOINC codes carried beside the SNOMED CT code of an observable, as UK Core's vital signs examples
 * do: the population's own observables, and UK Core's blood pressure component codes that a client
 * may post. Keyed by SNOMED code.
 */
export const LOINC_FOR_SNOMED: ReadonlyMap<string, { code: string; display: string }> = new Map([
  ['72313002', { code: '8480-6', display: 'Systolic blood pressure' }],
  ['1091811000000102', { code: '8462-4', display: 'Diastolic blood pressure' }],
  ...Object.values(OBSERVATIONS).map(
    (observable) => [observable.code.code, { code: observable.loinc.code, display: observable.loinc.display }] as const,
  ),
]);

/** UK Core's NHS number verification statuses the sandbox uses. */
export const VERIFIED = { code: '01', display: 'Number present and verified' } as const;
export const NOT_TRACED = { code: '02', display: 'Number present but not traced' } as const;
