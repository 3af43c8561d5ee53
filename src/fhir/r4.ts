/// <reference types="fhir" />
// FHIR R4 types for the product (@types/fhir 0.0.44). Its 'fhir/r4' subpath does not resolve
// under NodeNext, so the global namespace fhir4 is aliased here once.

export type R4Resource = fhir4.Resource;
export type R4DomainResource = fhir4.DomainResource;
export type R4Bundle = fhir4.Bundle;
export type R4BundleEntry = fhir4.BundleEntry;
export type R4Patient = fhir4.Patient;
export type R4AllergyIntolerance = fhir4.AllergyIntolerance;
export type R4MedicationRequest = fhir4.MedicationRequest;
export type R4MedicationStatement = fhir4.MedicationStatement;
export type R4Condition = fhir4.Condition;
export type R4Observation = fhir4.Observation;
export type R4DiagnosticReport = fhir4.DiagnosticReport;
export type R4Encounter = fhir4.Encounter;
export type R4Appointment = fhir4.Appointment;
export type R4CarePlan = fhir4.CarePlan;
export type R4CareTeam = fhir4.CareTeam;
export type R4ServiceRequest = fhir4.ServiceRequest;
export type R4OperationOutcome = fhir4.OperationOutcome;
export type R4Identifier = fhir4.Identifier;
export type R4HumanName = fhir4.HumanName;
export type R4Address = fhir4.Address;
export type R4CodeableConcept = fhir4.CodeableConcept;
export type R4Coding = fhir4.Coding;
export type R4Reference = fhir4.Reference;
export type R4Meta = fhir4.Meta;
export type R4Extension = fhir4.Extension;
