import { r4Errors } from '../../../../../test/setup/r4-validation.js';
import { capabilityStatement } from './capability-statement.js';

describe('capabilityStatement', () => {
  const statement = capabilityStatement('https://hub.example/fhir/r4', '1.2.3');

  it('is a valid R4 CapabilityStatement for a read-only server with SMART security', () => {
    expect(r4Errors(statement)).toEqual([]);
    expect(statement).toMatchObject({ fhirVersion: '4.0.1', kind: 'instance', implementation: { url: 'https://hub.example/fhir/r4' } });
    expect(statement.software).toEqual({ name: 'Tessera integrated care record hub', version: '1.2.3' });
    const rest = statement.rest![0]!;
    expect(rest.security!.service![0]!.coding![0]!.code).toBe('SMART-on-FHIR');
    const interactions = rest.resource!.flatMap((resource) => resource.interaction!.map((interaction) => interaction.code));
    expect(new Set(interactions)).toEqual(new Set(['read', 'search-type']));
  });

  it('offers Patient read, search and $everything, each record type by patient, and AuditEvent', () => {
    const resources = new Map(statement.rest![0]!.resource!.map((resource) => [resource.type, resource]));
    expect([...resources.keys()]).toEqual([
      'Patient',
      'AllergyIntolerance',
      'MedicationRequest',
      'MedicationStatement',
      'Condition',
      'Observation',
      'DiagnosticReport',
      'Encounter',
      'Appointment',
      'CarePlan',
      'AuditEvent',
    ]);
    expect(resources.get('Patient')!.operation).toEqual([
      { name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything' },
    ]);
    expect(resources.get('Patient')!.searchParam!.map((parameter) => parameter.name)).toEqual([
      'identifier',
      'family',
      'given',
      'birthdate',
      'address-postalcode',
      '_count',
    ]);
    expect(resources.get('Condition')!.searchParam!.map((parameter) => [parameter.name, parameter.type])).toEqual([
      ['patient', 'reference'],
    ]);
    expect(resources.get('AuditEvent')!.searchParam!.map((parameter) => parameter.name)).toEqual(['patient', 'date', '_count']);
  });
});
