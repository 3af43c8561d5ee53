/// <reference types="fhir" />
// @types/fhir exposes R4 only as the global namespace fhir4 ('fhir/r4' does not resolve under
// NodeNext); these aliases keep the namespace out of the rest of the PDS code.

export type Address = fhir4.Address;
export type Bundle = fhir4.Bundle;
export type Extension = fhir4.Extension;
export type HumanName = fhir4.HumanName;
export type OperationOutcome = fhir4.OperationOutcome;
export type Patient = fhir4.Patient;
export type Resource = fhir4.Resource;
