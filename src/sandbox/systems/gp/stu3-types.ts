/// <reference types="fhir" />
// @types/fhir exposes STU3 as the global namespace fhir3 (its 'fhir/r3' subpath does not resolve
// under NodeNext); these aliases keep the rest of the GP system free of the namespace.

export type AllergyIntolerance = fhir3.AllergyIntolerance;
export type Appointment = fhir3.Appointment;
export type Bundle = fhir3.Bundle;
export type BundleEntry = fhir3.BundleEntry;
export type CapabilityStatement = fhir3.CapabilityStatement;
export type CodeableConcept = fhir3.CodeableConcept;
export type Condition = fhir3.Condition;
export type DiagnosticReport = fhir3.DiagnosticReport;
export type Encounter = fhir3.Encounter;
export type List = fhir3.List;
export type Location = fhir3.Location;
export type Medication = fhir3.Medication;
export type MedicationRequest = fhir3.MedicationRequest;
export type MedicationStatement = fhir3.MedicationStatement;
export type Observation = fhir3.Observation;
export type OperationOutcome = fhir3.OperationOutcome;
export type Organization = fhir3.Organization;
export type Patient = fhir3.Patient;
export type Practitioner = fhir3.Practitioner;
export type PractitionerRole = fhir3.PractitionerRole;
export type ProcedureRequest = fhir3.ProcedureRequest;
export type Quantity = fhir3.Quantity;
export type Resource = fhir3.Resource;
export type Schedule = fhir3.Schedule;
export type Slot = fhir3.Slot;
export type Specimen = fhir3.Specimen;
