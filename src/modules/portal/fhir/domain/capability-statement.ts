/// <reference types="fhir" />
import { RECORD_RESOURCE_TYPES } from './resource-sections.js';

// What the facade offers, as FHIR R4 describes a server: read-only, JSON, the searches below,
// Patient $everything, and SMART-style scopes over bearer tokens from the hub's trusted issuers.

export type R4CapabilityStatement = fhir4.CapabilityStatement;
type SearchParam = fhir4.CapabilityStatementRestResourceSearchParam;

const SEARCH_PARAMETER = 'http://hl7.org/fhir/SearchParameter';
const count: SearchParam = { name: '_count', type: 'number', documentation: 'Page size.' };
const patient: SearchParam = {
  name: 'patient',
  definition: `${SEARCH_PARAMETER}/clinical-patient`,
  type: 'reference',
  documentation: 'Required: the person’s id in the hub (from a Patient search), or Patient/<id>.',
};

/** The search parameters of each resource type the facade serves: the controller refuses any other. */
export const SEARCH_PARAMETERS = {
  Patient: ['identifier', 'family', 'given', 'birthdate', 'address-postalcode', '_count'],
  record: ['patient', '_revinclude'],
  everything: ['_type'],
  AuditEvent: ['patient', 'date', '_count', '_cursor'],
} as const;

export function capabilityStatement(base: string, version: string, now = new Date()): R4CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: now.toISOString(),
    publisher: 'Tessera',
    kind: 'instance',
    software: { name: 'Tessera integrated care record hub', version },
    implementation: {
      description: 'Read-only FHIR R4 view of the shared care record: every read is decided by the access policy and audited.',
      url: base,
    },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'Each record search asks every source linked to the person at the time of the request. Sources that did not answer, ' +
          'or whose data the access policy keeps back, are listed as warnings in an OperationOutcome entry (search mode outcome).',
        security: {
          cors: false,
          service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] }],
          description:
            'Bearer tokens from the hub’s trusted issuers (CIS2 for staff, NHS login for residents). A token carrying SMART scopes is ' +
            'held to them: user/*.rs or user/<Type>.rs for staff, patient/*.rs for residents (their own record only), ' +
            'system/... for services; v1 forms (.read) are understood. A token without SMART scopes gets what the access policy allows.',
        },
        resource: [
          {
            type: 'Patient',
            interaction: [{ code: 'read' }, { code: 'search-type' }],
            searchParam: [
              {
                name: 'identifier',
                definition: `${SEARCH_PARAMETER}/Patient-identifier`,
                type: 'token',
                documentation: 'NHS number: https://fhir.nhs.uk/Id/nhs-number|<number>.',
              },
              { name: 'family', definition: `${SEARCH_PARAMETER}/individual-family`, type: 'string' },
              { name: 'given', definition: `${SEARCH_PARAMETER}/individual-given`, type: 'string' },
              { name: 'birthdate', definition: `${SEARCH_PARAMETER}/individual-birthdate`, type: 'date', documentation: 'A full date.' },
              { name: 'address-postalcode', definition: `${SEARCH_PARAMETER}/individual-address-postalcode`, type: 'string' },
              count,
            ],
            operation: [{ name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything' }],
          },
          ...RECORD_RESOURCE_TYPES.map((type) => ({
            type,
            interaction: [{ code: 'search-type' as const }],
            searchRevInclude: ['Provenance:target'],
            searchParam: [patient],
          })),
          {
            type: 'AuditEvent',
            documentation: 'Privacy officers only.',
            interaction: [{ code: 'search-type' }],
            searchParam: [
              { ...patient, definition: `${SEARCH_PARAMETER}/AuditEvent-patient`, documentation: 'The person’s id in the hub.' },
              {
                name: 'date',
                definition: `${SEARCH_PARAMETER}/AuditEvent-date`,
                type: 'date',
                documentation: 'Prefixes eq, ge, gt, le, lt.',
              },
              count,
            ],
          },
        ],
      },
    ],
  };
}
