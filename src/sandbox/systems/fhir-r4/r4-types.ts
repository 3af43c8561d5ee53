/// <reference types="fhir" />
// @types/fhir exposes R4 as the global namespace fhir4 (its 'fhir/r4' subpath does not resolve
// under NodeNext); these aliases keep the rest of the code free of the namespace.

export type AllergyIntolerance = fhir4.AllergyIntolerance;
export type Appointment = fhir4.Appointment;
export type Bundle = fhir4.Bundle;
export type BundleEntry = fhir4.BundleEntry;
export type BundleLink = fhir4.BundleLink;
export type CapabilityStatement = fhir4.CapabilityStatement;
export type CapabilityStatementRestResource = fhir4.CapabilityStatementRestResource;
export type CarePlan = fhir4.CarePlan;
export type CodeableConcept = fhir4.CodeableConcept;
export type Coding = fhir4.Coding;
export type Condition = fhir4.Condition;
export type DiagnosticReport = fhir4.DiagnosticReport;
export type Encounter = fhir4.Encounter;
export type Identifier = fhir4.Identifier;
export type Meta = fhir4.Meta;
export type MedicationRequest = fhir4.MedicationRequest;
export type Observation = fhir4.Observation;
export type OperationOutcome = fhir4.OperationOutcome;
export type OperationOutcomeIssue = fhir4.OperationOutcomeIssue;
export type Patient = fhir4.Patient;
export type Quantity = fhir4.Quantity;
export type Reference = fhir4.Reference;
export type Resource = fhir4.Resource;
