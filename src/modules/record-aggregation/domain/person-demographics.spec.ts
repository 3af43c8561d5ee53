import { ACUTE, GP } from '../../../../test/factories/sourced-resources.js';
import { byAuthority, type IdentityDemographics, patientOf } from './person-demographics.js';

const PDS = { sourceId: 'pds', name: 'Personal Demographics Service', organisationCode: 'X26', kind: 'pds' as const };

const identity = (source: typeof GP, fields: Partial<IdentityDemographics>): IdentityDemographics => ({
  ...source,
  localId: `${source.sourceId}-1`,
  nhsNumber: '9990000018',
  given: null,
  family: null,
  birthDate: null,
  sex: null,
  postcode: null,
  ...fields,
});

describe('a person’s demographics from their linked identities', () => {
  it('takes each field from the most authoritative source that has it: PDS, then the GP, then the trusts', () => {
    const hospital = identity(ACUTE, { given: 'Bob', family: 'Smith', birthDate: '1950-03-01', sex: 'male', postcode: 'N7 0AA' });
    const gp = identity(GP, { given: 'Robert James', family: 'Smith', birthDate: '1950-01-03', postcode: 'N1 1AA' });
    const spine = identity(PDS, { given: 'Robert James', family: 'Smith' });
    expect(byAuthority([hospital, gp, spine]).map((entry) => entry.kind)).toEqual(['pds', 'gp', 'acute']);
    expect(patientOf('person-1', ['9990000018'], [hospital, gp, spine])).toEqual({
      resourceType: 'Patient',
      id: 'person-1',
      identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000018' }],
      name: [{ use: 'usual', family: 'Smith', given: ['Robert', 'James'] }],
      // PDS says nothing of these: the GP's, then the hospital's sex.
      gender: 'male',
      birthDate: '1950-01-03',
      address: [{ use: 'home', postalCode: 'N1 1AA' }],
    });
  });

  it('leaves out what no source says, and a sex that is not a FHIR gender', () => {
    expect(patientOf('person-2', [], [identity(GP, { sex: 'X' })])).toEqual({ resourceType: 'Patient', id: 'person-2', identifier: [] });
  });
});
