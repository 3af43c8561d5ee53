import { CLINICAL_SEARCH_PARAMETERS, PATIENT_PARAMETERS } from './clinical-search.js';
import { ukCoreProfile } from './code-systems.js';
import type { FhirSystemProfile } from './fhir-system.js';
import type { CapabilityStatement, CapabilityStatementRestResource } from './r4-types.js';

type SearchParamType = 'string' | 'token' | 'date' | 'reference' | 'number';

const PATIENT_PARAMS: Array<[string, SearchParamType, string]> = [
  ['_id', 'token', 'The Patient resource id'],
  ['identifier', 'token', 'NHS number (https://fhir.nhs.uk/Id/nhs-number|...) or the trust number; system|value or value'],
  ['family', 'string', 'Family name, starts-with and case- and accent-insensitive; :exact for whole words'],
  ['given', 'string', 'Given or middle name, starts-with; :exact for whole words'],
  ['name', 'string', 'Family or given name'],
  ['birthdate', 'date', 'Date of birth, exact (YYYY-MM-DD, YYYY-MM or YYYY)'],
  ['address-postalcode', 'string', 'Postcode, starts-with, spaces ignored'],
  ['gender', 'token', 'male | female | other | unknown'],
  ['_lastUpdated', 'date', 'When the trust last changed the record or its items: gt, ge, lt, le or eq a date or instant; repeat to AND'],
  ['_sort', 'string', '_lastUpdated (oldest first) or -_lastUpdated; ties by id'],
];

/** GET <base>/metadata: what this trust's API supports, as the router enforces it. */
export function capabilityStatement(profile: FhirSystemProfile, base: string, date: string): CapabilityStatement {
  const patient: CapabilityStatementRestResource = {
    type: 'Patient',
    profile: ukCoreProfile('Patient'),
    interaction: [{ code: 'read' }, { code: 'search-type' }],
    searchParam: PATIENT_PARAMS.map(([name, type, documentation]) => ({ name, type, documentation })),
  };
  const clinical = profile.resourceTypes.map((type): CapabilityStatementRestResource => ({
    type,
    profile: ukCoreProfile(type),
    interaction: [{ code: 'read' }, { code: 'search-type' }, ...(profile.creatable.includes(type) ? [{ code: 'create' as const }] : [])],
    searchParam: [
      ...PATIENT_PARAMETERS.map((name) => ({
        name,
        type: 'reference' as const,
        documentation: 'Required: the patient (id or Patient/id)',
      })),
      ...Object.entries(CLINICAL_SEARCH_PARAMETERS[type]).map(([name, parameter]) => ({ name, type: parameter.type })),
    ],
  }));
  return {
    resourceType: 'CapabilityStatement',
    id: `${profile.system}-capabilities`,
    status: 'active',
    date,
    publisher: profile.organisation.name,
    kind: 'instance',
    software: { name: `Tessera sandbox: ${profile.organisation.name}` },
    implementation: { description: `${profile.organisation.name} FHIR R4 API (simulated)`, url: base },
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'Searches page with _count (default 50, at most 1000) and _offset; follow the Bundle next link (Patient searches by _lastUpdated continue after the last patient read, by _page_token).',
        resource: [patient, ...clinical],
      },
    ],
  };
}
