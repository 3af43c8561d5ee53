import { checkMedicine, checkNote, checkSymptom } from './entries.js';
import {
  DEFAULT_PRIVACY_LABEL,
  medicineStatement,
  noteObservation,
  readingObservation,
  symptomObservation,
  type EntryContext,
} from './phr-resources.js';
import { checkReading } from './readings.js';

const now = new Date('2026-03-10T12:00:00Z');
const person: EntryContext = { nhsNumber: '943 476 5919', author: { kind: 'person' }, recordedAt: now };
const patient = { type: 'Patient', identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9434765919' } };

describe('a reading as a FHIR Observation', () => {
  it('writes a blood pressure as the vital signs panel with coded components in UCUM', () => {
    const reading = checkReading(
      { kind: 'blood-pressure', systolic: 132, diastolic: 84, pulse: 68, effectiveAt: '2026-03-10T08:00:00+00:00' },
      { now },
    );
    const observation = readingObservation(reading, { ...person, id: 'obs-1' });
    expect(observation).toMatchObject({
      resourceType: 'Observation',
      id: 'obs-1',
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
      code: {
        coding: [
          { system: 'http://snomed.info/sct', code: '75367002', display: 'Blood pressure' },
          { system: 'http://loinc.org', code: '85354-9' },
        ],
      },
      subject: patient,
      effectiveDateTime: '2026-03-10T08:00:00+00:00',
      issued: '2026-03-10T12:00:00.000Z',
      performer: [patient],
    });
    expect(observation.valueQuantity).toBeUndefined();
    expect(observation.component).toEqual([
      {
        code: {
          coding: [
            { system: 'http://snomed.info/sct', code: '72313002', display: 'Systolic arterial pressure' },
            { system: 'http://loinc.org', code: '8480-6', display: 'Systolic blood pressure' },
          ],
          text: 'Systolic arterial pressure',
        },
        valueQuantity: { value: 132, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
      },
      expect.objectContaining({ valueQuantity: { value: 84, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } }),
      expect.objectContaining({ valueQuantity: { value: 68, unit: 'beats/min', system: 'http://unitsofmeasure.org', code: '/min' } }),
    ]);
    expect(observation.meta?.security).toBeUndefined();
  });

  it('writes a single value as valueQuantity in the canonical unit', () => {
    const reading = checkReading({ kind: 'weight', value: 154, unit: 'lb', effectiveAt: '2026-03-10T07:00:00Z' }, { now });
    const observation = readingObservation(reading, person);
    expect(observation.code.coding?.map((coding) => coding.code)).toEqual(['27113001', '29463-7']);
    expect(observation.valueQuantity).toEqual({ value: 69.9, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' });
    expect(observation.component).toBeUndefined();
  });

  it('names a carer acting for the person as the performer, by their own sign-in', () => {
    const reading = checkReading({ kind: 'heart-rate', value: 64, effectiveAt: '2026-03-10T07:00:00Z' }, { now });
    const observation = readingObservation(reading, {
      ...person,
      author: { kind: 'carer', issuer: 'https://auth.login.nhs.uk', subject: 'carer-123', name: 'Sam Carer' },
    });
    expect(observation.subject).toEqual(patient);
    expect(observation.performer).toEqual([
      { type: 'RelatedPerson', identifier: { system: 'https://auth.login.nhs.uk', value: 'carer-123' }, display: 'Sam Carer' },
    ]);
  });

  it('labels a private entry with the policy’s privacy label', () => {
    const reading = checkReading({ kind: 'weight', value: 70, effectiveAt: '2026-03-10T07:00:00Z' }, { now });
    expect(readingObservation(reading, { ...person, private: true }).meta?.security).toEqual([DEFAULT_PRIVACY_LABEL]);
    const label = { system: 'https://example.org/labels', code: 'mine' };
    expect(readingObservation(reading, { ...person, private: true, privacyLabel: label }).meta?.security).toEqual([label]);
  });

  it('refuses to build for an invalid NHS number or a carer without an identity', () => {
    const reading = checkReading({ kind: 'weight', value: 70, effectiveAt: '2026-03-10T07:00:00Z' }, { now });
    expect(() => readingObservation(reading, { ...person, nhsNumber: '9434765918' })).toThrow('nhsNumber is not a valid NHS number');
    expect(() => readingObservation(reading, { ...person, author: { kind: 'carer', issuer: '', subject: 'x' } })).toThrow(
      'author must name the carer',
    );
  });
});

describe('a medicine as a MedicationStatement', () => {
  it('codes it with dm+d when a code was given, with the period, dosage and kind', () => {
    const medicine = checkMedicine(
      {
        kind: 'over-the-counter',
        name: 'Ibuprofen 200mg tablets',
        dmdCode: '39732311000001104',
        status: 'stopped',
        startedOn: '2026-03-01',
        stoppedOn: '2026-03-05',
        dosage: 'One when needed',
      },
      { now },
    );
    expect(medicineStatement(medicine, person)).toEqual({
      resourceType: 'MedicationStatement',
      meta: { profile: ['https://fhir.hl7.org.uk/StructureDefinition/UKCore-MedicationStatement'] },
      status: 'stopped',
      category: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/medication-statement-category',
            code: 'patientspecified',
            display: 'Patient Specified',
          },
          {
            system: 'https://tessera.example.org/fhir/CodeSystem/phr-medicine-kind',
            code: 'over-the-counter',
            display: 'Over-the-counter medicine',
          },
        ],
        text: 'Over-the-counter medicine',
      },
      medicationCodeableConcept: {
        coding: [{ system: 'https://dmd.nhs.uk', code: '39732311000001104', display: 'Ibuprofen 200mg tablets' }],
        text: 'Ibuprofen 200mg tablets',
      },
      subject: patient,
      effectivePeriod: { start: '2026-03-01', end: '2026-03-05' },
      dateAsserted: '2026-03-10T12:00:00.000Z',
      informationSource: patient,
      dosage: [{ text: 'One when needed' }],
    });
  });

  it('keeps the person’s words only when no code was given, never a guessed code', () => {
    const medicine = checkMedicine({ kind: 'supplement', name: 'Fish oil', status: 'active' }, { now });
    const statement = medicineStatement(medicine, { ...person, private: true });
    expect(statement.medicationCodeableConcept).toEqual({ text: 'Fish oil' });
    expect(statement.effectivePeriod).toBeUndefined();
    expect(statement.meta?.security).toEqual([DEFAULT_PRIVACY_LABEL]);
  });
});

describe('notes and symptoms as Observations', () => {
  it('writes a note as a patient note whose value is the text, dated when recorded unless given', () => {
    const observation = noteObservation(checkNote({ text: 'Slept badly' }, { now }), person);
    expect(observation).toMatchObject({
      status: 'final',
      category: [{ coding: [{ code: 'survey' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '51855-5', display: 'Patient Note' }] },
      effectiveDateTime: '2026-03-10T12:00:00.000Z',
      valueString: 'Slept badly',
    });
    expect(noteObservation(checkNote({ text: 'x', effectiveAt: '2026-03-01' }, { now }), person).effectiveDateTime).toBe('2026-03-01');
  });

  it('writes a symptom as a coded finding over a period with its severity, not as a diagnosis', () => {
    const symptom = checkSymptom(
      { name: 'Headache', snomedCode: '25064002', severity: 'severe', startedAt: '2026-03-08T07:00:00Z', note: 'Worse in the evening' },
      { now },
    );
    const observation = symptomObservation(symptom, person);
    expect(observation).toMatchObject({
      resourceType: 'Observation',
      code: { coding: [{ system: 'http://loinc.org', code: '75325-1', display: 'Symptom' }] },
      effectivePeriod: { start: '2026-03-08T07:00:00Z' },
      valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '25064002', display: 'Headache' }], text: 'Headache' },
      component: [
        {
          code: { coding: [{ system: 'http://snomed.info/sct', code: '246112005' }] },
          valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '24484000', display: 'Severe' }] },
        },
      ],
      note: [{ text: 'Worse in the evening' }],
    });
    expect(symptomObservation(checkSymptom({ name: 'Tired', startedAt: '2026-03-08T07:00:00Z' }, { now }), person)).not.toHaveProperty(
      'component',
    );
  });
});
