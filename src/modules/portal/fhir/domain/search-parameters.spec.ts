import { FhirFacadeError, FhirFacadeErrorCode } from '../fhir-facade.errors.js';
import { checkParameters, countOf, dateRangeOf, listOf, nhsNumberOfIdentifier, patientIdOf, single, spanOf } from './search-parameters.js';

/** The error a call throws, for its code, parameter and message. */
function refusal(call: () => unknown): FhirFacadeError {
  try {
    call();
  } catch (error) {
    if (error instanceof FhirFacadeError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const PERSON = '2f1d1f0e-8c4b-4e4e-9a77-0c2b1d3e4f50';

describe('checkParameters', () => {
  it('refuses a parameter the search does not take, naming it, rather than ignoring a filter', () => {
    const error = refusal(() => checkParameters({ patient: PERSON, 'clinical-status': 'active' }, ['patient']));
    expect(error).toMatchObject({ code: FhirFacadeErrorCode.UnsupportedParameter, parameter: 'clinical-status' });
    expect(error.message).toContain('"clinical-status"');
    expect(error.message).toContain('this search takes patient');
  });

  it('takes _format for JSON (and _pretty) anywhere, and refuses XML as not acceptable', () => {
    expect(() => checkParameters({ _format: 'application/fhir+json', _pretty: 'true' }, [])).not.toThrow();
    expect(refusal(() => checkParameters({ _format: 'xml' }, [])).code).toBe(FhirFacadeErrorCode.NotAcceptable);
  });
});

describe('single values and references', () => {
  it('refuses a parameter repeated where one value is meant, or given empty', () => {
    expect(refusal(() => single({ patient: [PERSON, PERSON] }, 'patient')).message).toBe('patient: may be given once');
    expect(refusal(() => single({ patient: '' }, 'patient')).message).toBe('patient: must not be empty');
  });

  it('reads patient as an id, a relative or an absolute reference; requires it', () => {
    expect(patientIdOf(PERSON)).toBe(PERSON);
    expect(patientIdOf(`Patient/${PERSON}`)).toBe(PERSON);
    expect(patientIdOf(`https://hub.example/fhir/r4/Patient/${PERSON}`)).toBe(PERSON);
    expect(refusal(() => patientIdOf(undefined)).parameter).toBe('patient');
    expect(refusal(() => patientIdOf('Group/abc')).parameter).toBe('patient');
    expect(refusal(() => patientIdOf('a b')).code).toBe(FhirFacadeErrorCode.InvalidParameter);
  });

  it('reads an NHS number identifier with or without its system, and never echoes a bad one', () => {
    expect(nhsNumberOfIdentifier('https://fhir.nhs.uk/Id/nhs-number|9434765919')).toBe('9434765919');
    expect(nhsNumberOfIdentifier('943 476 5919')).toBe('9434765919');
    const bad = refusal(() => nhsNumberOfIdentifier('https://fhir.nhs.uk/Id/nhs-number|9434765918'));
    expect(bad.message).toBe('identifier: is not a valid NHS number');
    expect(refusal(() => nhsNumberOfIdentifier('http://hospital.example/mrn|12345')).code).toBe(FhirFacadeErrorCode.UnsupportedParameter);
  });

  it('bounds _count', () => {
    expect(countOf({}, 10, 20)).toBe(10);
    expect(countOf({ _count: '20' }, 10, 20)).toBe(20);
    for (const count of ['0', '21', '1.5', 'ten']) expect(refusal(() => countOf({ _count: count }, 10, 20)).parameter).toBe('_count');
  });

  it('reads a list such as _type, refusing a name it does not know', () => {
    expect(listOf({ _type: 'Patient,Condition' }, '_type', ['Patient', 'Condition', 'Provenance'])).toEqual(['Patient', 'Condition']);
    expect(listOf({}, '_type', ['Patient'])).toBeUndefined();
    expect(refusal(() => listOf({ _type: 'Patient,Immunization' }, '_type', ['Patient'])).message).toContain('"Immunization"');
  });
});

describe('dates', () => {
  it('gives each precision its whole span, in UTC', () => {
    expect(spanOf('2026', 'date')).toMatchObject({ start: new Date('2026-01-01T00:00:00Z'), end: new Date('2027-01-01T00:00:00Z') });
    expect(spanOf('2026-02', 'date')).toMatchObject({ start: new Date('2026-02-01T00:00:00Z'), end: new Date('2026-03-01T00:00:00Z') });
    expect(spanOf('2026-12-31', 'date')).toMatchObject({ start: new Date('2026-12-31T00:00:00Z'), end: new Date('2027-01-01T00:00:00Z') });
    expect(spanOf('2026-03-01T10:15:00+01:00', 'date')).toMatchObject({
      start: new Date('2026-03-01T09:15:00Z'),
      end: new Date('2026-03-01T09:15:01Z'),
      precision: 'time',
    });
  });

  it('refuses dates that do not exist or are not FHIR dates', () => {
    for (const value of ['2026-02-30', '2026-13', '01/02/2026', '2026-03-01T25:00:00Z'])
      expect(refusal(() => spanOf(value, 'date')).parameter).toBe('date');
  });

  it('narrows one range with every prefixed value: ge and gt from, le and lt to, eq both', () => {
    expect(dateRangeOf({ date: ['ge2026-01-01', 'le2026-01-31'] }, 'date')).toEqual({
      from: new Date('2026-01-01T00:00:00Z'),
      to: new Date('2026-02-01T00:00:00Z'),
    });
    expect(dateRangeOf({ date: ['gt2026-01-01', 'lt2026-01-31'] }, 'date')).toEqual({
      from: new Date('2026-01-02T00:00:00Z'),
      to: new Date('2026-01-31T00:00:00Z'),
    });
    expect(dateRangeOf({ date: '2026-03' }, 'date')).toEqual({
      from: new Date('2026-03-01T00:00:00Z'),
      to: new Date('2026-04-01T00:00:00Z'),
    });
    expect(refusal(() => dateRangeOf({ date: 'ap2026-01-01' }, 'date')).code).toBe(FhirFacadeErrorCode.UnsupportedParameter);
  });
});
