// The URLs and codes GP Connect (FHIR STU3, CareConnect profiles) writes its payloads with, as the
// examples in ../shared/fixtures/gp-connect/ and the GP Connect specification use them.

export const ODS_CODE_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';
export const SDS_USER_SYSTEM = 'https://fhir.nhs.uk/Id/sds-user-id';
/** Persistent, provider-scoped identifiers of clinical items (the same on every request). */
export const ITEM_IDENTIFIER_SYSTEM = 'https://fhir.nhs.uk/Id/cross-care-setting-identifier';
export const SNOMED = 'http://snomed.info/sct';
export const UCUM = 'http://unitsofmeasure.org';

const STU3 = 'https://fhir.nhs.uk/STU3/StructureDefinition';
const UK_STU3 = 'https://fhir.hl7.org.uk/STU3/StructureDefinition';

export const PROFILE = {
  bundle: `${STU3}/GPConnect-StructuredRecord-Bundle-1`,
  operationOutcome: `${STU3}/GPConnect-OperationOutcome-1`,
  patient: `${STU3}/CareConnect-GPC-Patient-1`,
  organization: `${STU3}/CareConnect-GPC-Organization-1`,
  practitioner: `${STU3}/CareConnect-GPC-Practitioner-1`,
  practitionerRole: `${STU3}/CareConnect-GPC-PractitionerRole-1`,
  location: `${STU3}/CareConnect-GPC-Location-1`,
  list: `${STU3}/CareConnect-GPC-List-1`,
  allergyIntolerance: `${STU3}/CareConnect-GPC-AllergyIntolerance-1`,
  medication: `${STU3}/CareConnect-GPC-Medication-1`,
  medicationStatement: `${STU3}/CareConnect-GPC-MedicationStatement-1`,
  medicationRequest: `${STU3}/CareConnect-GPC-MedicationRequest-1`,
  problemHeader: `${STU3}/CareConnect-GPC-ProblemHeader-Condition-1`,
  encounter: `${STU3}/CareConnect-GPC-Encounter-1`,
  observation: `${STU3}/CareConnect-GPC-Observation-1`,
  diagnosticReport: `${STU3}/CareConnect-GPC-DiagnosticReport-1`,
  specimen: `${STU3}/CareConnect-GPC-Specimen-1`,
  procedureRequest: `${STU3}/CareConnect-GPC-ProcedureRequest-1`,
  appointment: `${STU3}/GPConnect-Appointment-1`,
  slot: `${STU3}/GPConnect-Slot-1`,
  schedule: `${STU3}/GPConnect-Schedule-1`,
} as const;

export const EXTENSION = {
  registrationDetails: `${STU3}/Extension-CareConnect-GPC-RegistrationDetails-1`,
  nhsNumberVerificationStatus: `${STU3}/Extension-CareConnect-GPC-NHSNumberVerificationStatus-1`,
  medicationStatementLastIssueDate: `${STU3}/Extension-CareConnect-GPC-MedicationStatementLastIssueDate-1`,
  prescribingAgency: `${STU3}/Extension-CareConnect-GPC-PrescribingAgency-1`,
  prescriptionType: `${STU3}/Extension-CareConnect-GPC-PrescriptionType-1`,
  repeatInformation: `${STU3}/Extension-CareConnect-GPC-MedicationRepeatInformation-1`,
  medicationQuantityText: `${STU3}/Extension-CareConnect-GPC-MedicationQuantityText-1`,
  problemSignificance: `${UK_STU3}/Extension-CareConnect-ProblemSignificance-1`,
  relatedClinicalContent: `${UK_STU3}/Extension-CareConnect-RelatedClinicalContent-1`,
  relatedProblemHeader: `${UK_STU3}/Extension-CareConnect-RelatedProblemHeader-1`,
  bookingOrganisation: `${STU3}/Extension-GPConnect-BookingOrganisation-1`,
  practitionerRole: `${STU3}/Extension-GPConnect-PractitionerRole-1`,
  deliveryChannel: `${STU3}/Extension-GPConnect-DeliveryChannel-2`,
  cancellationReason: `${STU3}/Extension-GPConnect-AppointmentCancellationReason-1`,
} as const;

export const CODE_SYSTEM = {
  nhsNumberVerificationStatus: 'https://fhir.nhs.uk/CareConnect-NHSNumberVerificationStatus-1',
  prescribingAgency: 'https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-PrescribingAgency-1',
  prescriptionType: 'https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-PrescriptionType-1',
  jobRoleName: 'https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-SDSJobRoleName-1',
  appointmentJobRoleName: 'https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-SDSJobRoleName-1',
  listOrder: 'http://hl7.org/fhir/list-order',
  listEmptyReason: 'https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-ListEmptyReasonCode-1',
  conditionCategory: 'http://hl7.org/fhir/condition-category',
  participationType: 'http://hl7.org/fhir/v3/ParticipationType',
  organisationType: 'https://fhir.nhs.uk/STU3/CodeSystem/GPConnect-OrganisationType-1',
  /** Errors answered with an HTTP error status. */
  spineErrorValueSet: 'https://fhir.nhs.uk/STU3/ValueSet/Spine-ErrorOrWarningCode-1',
  /** Warnings inside a structured record Bundle, as the fixtures write them. */
  spineWarningCodeSystem: 'https://fhir.nhs.uk/STU3/CodeSystem/Spine-ErrorOrWarningCode-1',
} as const;

/** The primary List of each clinical area: SNOMED code and List.title (the preferred term). */
export const SECTION_LIST = {
  allergies: { code: '886921000000105', display: 'Allergies and adverse reaction' },
  endedAllergies: { code: '1103671000000101', display: 'Ended allergies' },
  medications: { code: '933361000000108', display: 'Medications and medical devices' },
  problems: { code: '717711000000103', display: 'Problems' },
  consultations: { code: '1149501000000101', display: 'List of consultations' },
  immunisations: { code: '1102181000000102', display: 'Immunisations' },
  uncategorised: { code: '826501000000100', display: 'Miscellaneous record' },
  investigations: { code: '887191000000108', display: 'Investigations and results' },
  referrals: { code: '792931000000107', display: 'Outbound referral' },
  diaryEntries: { code: '714311000000108', display: 'Patient recall administration' },
} as const;

/** The Lists that give a consultation its structure (consultation, then topic). */
export const CONSULTATION_LIST = {
  consultation: { code: '325851000000107', display: 'Consultation' },
  topic: { code: '25851000000105', display: 'Topic (EHR)' },
} as const;

export const GENERAL_MEDICAL_PRACTITIONER = { code: 'R0260', display: 'General Medical Practitioner' } as const;
