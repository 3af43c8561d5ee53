import {
  isValidNhsNumber,
  NHS_NUMBER_SYSTEM,
  normaliseNhsNumber,
  type R4Coding,
  type R4MedicationStatement,
  type R4Meta,
  type R4Observation,
  type R4Reference,
} from '../../../fhir/index.js';
import type { CheckedMedicine, CheckedNote, CheckedSymptom, SymptomSeverity } from './entries.js';
import { PhrInputError } from './phr-input-error.js';
import { measureDefinition, READING_DEFINITIONS, UCUM_SYSTEM, LOINC_SYSTEM, type CheckedReading, type Measurement } from './readings.js';
import { DMD_SYSTEM, SNOMED_CT_SYSTEM } from './snomed-ct.js';

// Checked entries as the FHIR R4 resources the hub stores in schema `phr` and serves through the
// PHR connector like any other source. UK Core conventions: the subject is the NHS number, codes
// are SNOMED CT first (LOINC beside for observations), quantities are UCUM.
//
// Notes and symptoms are Observations, not Conditions: a person's "headache since Tuesday" is a
// dated, self-reported finding, and as a Condition (even unconfirmed) it would sit in the problem
// list among diagnoses, be taken for one by a busy reader, and choose condition advice for the
// person. R4 has no "symptom" or "patient-reported" category; `survey` (assessment and
// patient-reported instruments) is the nearest. Codes: LOINC 75325-1 Symptom with the symptom
// as the value, and LOINC 51855-5 Patient Note with the text as the value.

type R4Quantity = NonNullable<R4Observation['valueQuantity']>;
type R4ObservationComponent = NonNullable<R4Observation['component']>[number];

export const OBSERVATION_CATEGORY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/observation-category';
export const MEDICATION_STATEMENT_CATEGORY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/medication-statement-category';
/** Whether a medicine is bought over the counter or a supplement: no national code system says this. */
export const MEDICINE_KIND_SYSTEM = 'https://tessera.example.org/fhir/CodeSystem/phr-medicine-kind';
export const UK_CORE_PROFILE_BASE = 'https://fhir.hl7.org.uk/StructureDefinition';

/**
 * The label a person's private entries carry, as config/access-policy.json ships `privacyLabel`.
 * Pass the running policy's label (EntryContext.privacyLabel) so the two can never drift.
 */
export const DEFAULT_PRIVACY_LABEL: Readonly<{ system: string; code: string; display: string }> = {
  system: 'https://tessera.example.org/fhir/CodeSystem/person-privacy',
  code: 'private',
  display: 'Private to the person',
};

/** Who wrote the entry: the person, or a carer signed in as themselves and acting for them. */
export type EntryAuthor = { kind: 'person' } | { kind: 'carer'; issuer: string; subject: string; name?: string };

export interface EntryContext {
  /** Whose record this is. */
  nhsNumber: string;
  author: EntryAuthor;
  /** When the hub accepted it: Observation.issued, MedicationStatement.dateAsserted. */
  recordedAt: string | Date;
  /** The person keeps this entry from professionals and carers. */
  private?: boolean;
  /** The resource id, when storage has chosen it. */
  id?: string;
  /** The policy's privacy label; DEFAULT_PRIVACY_LABEL when absent. */
  privacyLabel?: { system: string; code: string; display?: string };
}

const VITAL_SIGNS: R4Coding = { system: OBSERVATION_CATEGORY_SYSTEM, code: 'vital-signs', display: 'Vital Signs' };
const SURVEY: R4Coding = { system: OBSERVATION_CATEGORY_SYSTEM, code: 'survey', display: 'Survey' };
const PATIENT_SPECIFIED: R4Coding = {
  system: MEDICATION_STATEMENT_CATEGORY_SYSTEM,
  code: 'patientspecified',
  display: 'Patient Specified',
};
const SYMPTOM_CODE: R4Coding = { system: LOINC_SYSTEM, code: '75325-1', display: 'Symptom' };
const PATIENT_NOTE_CODE: R4Coding = { system: LOINC_SYSTEM, code: '51855-5', display: 'Patient Note' };
const SEVERITY_CODE: R4Coding = { system: SNOMED_CT_SYSTEM, code: '246112005', display: 'Severity' };
const SEVERITIES: Record<SymptomSeverity, R4Coding> = {
  mild: { system: SNOMED_CT_SYSTEM, code: '255604002', display: 'Mild' },
  moderate: { system: SNOMED_CT_SYSTEM, code: '6736007', display: 'Moderate' },
  severe: { system: SNOMED_CT_SYSTEM, code: '24484000', display: 'Severe' },
};
const MEDICINE_KIND_DISPLAY = { 'over-the-counter': 'Over-the-counter medicine', supplement: 'Supplement' } as const;

/**
 * A reading as a vital signs Observation: blood pressure as the panel with its components, the
 * rest with one valueQuantity. Blood glucose and peak flow are not among FHIR's core vital signs,
 * but they are the same kind of home measurement and sit beside them in every chart, so they
 * share the category.
 */
export function readingObservation(reading: CheckedReading, context: EntryContext): R4Observation {
  const definition = READING_DEFINITIONS[reading.kind];
  const observation: R4Observation = {
    ...observationHead(context),
    category: [{ coding: [VITAL_SIGNS], text: 'Vital Signs' }],
    code: { coding: [{ ...definition.snomed }, ...definition.loinc.map((coding) => ({ ...coding }))], text: definition.display },
    subject: subject(context),
    effectiveDateTime: reading.effectiveAt,
    issued: instant(context.recordedAt),
    performer: [author(context)],
  };
  if (reading.kind === 'blood-pressure') {
    observation.component = reading.measurements.map((measurement): R4ObservationComponent => {
      const measure = measureDefinition(measurement.measure);
      return {
        code: { coding: [{ ...measure.snomed }, ...measure.loinc.map((coding) => ({ ...coding }))], text: measure.snomed.display },
        valueQuantity: quantity(measurement),
      };
    });
  } else {
    observation.valueQuantity = quantity(reading.measurements[0]);
  }
  return observation;
}

/** A medicine or supplement the person takes of their own accord, as a patient-specified MedicationStatement. */
export function medicineStatement(medicine: CheckedMedicine, context: EntryContext): R4MedicationStatement {
  const statement: R4MedicationStatement = {
    resourceType: 'MedicationStatement',
    ...(context.id ? { id: context.id } : {}),
    meta: meta(context, 'MedicationStatement'),
    status: medicine.status,
    category: {
      coding: [
        { ...PATIENT_SPECIFIED },
        { system: MEDICINE_KIND_SYSTEM, code: medicine.kind, display: MEDICINE_KIND_DISPLAY[medicine.kind] },
      ],
      text: MEDICINE_KIND_DISPLAY[medicine.kind],
    },
    // A dm+d code when the person picked from the list; otherwise their own words only, never a guessed code.
    medicationCodeableConcept: medicine.dmdCode
      ? { coding: [{ system: DMD_SYSTEM, code: medicine.dmdCode, display: medicine.name }], text: medicine.name }
      : { text: medicine.name },
    subject: subject(context),
    dateAsserted: instant(context.recordedAt),
    informationSource: author(context),
  };
  if (medicine.startedOn || medicine.stoppedOn)
    statement.effectivePeriod = {
      ...(medicine.startedOn ? { start: medicine.startedOn } : {}),
      ...(medicine.stoppedOn ? { end: medicine.stoppedOn } : {}),
    };
  if (medicine.dosage) statement.dosage = [{ text: medicine.dosage }];
  if (medicine.note) statement.note = [{ text: medicine.note }];
  return statement;
}

/** A note in the person's words: an Observation whose value is the text (see the top of the file). */
export function noteObservation(note: CheckedNote, context: EntryContext): R4Observation {
  const recordedAt = instant(context.recordedAt);
  return {
    ...observationHead(context),
    category: [{ coding: [{ ...SURVEY }], text: 'Patient reported' }],
    code: { coding: [{ ...PATIENT_NOTE_CODE }], text: 'Note' },
    subject: subject(context),
    effectiveDateTime: note.effectiveAt ?? recordedAt,
    issued: recordedAt,
    performer: [author(context)],
    valueString: note.text,
  };
}

/** A symptom as a self-reported finding over a period (see the top of the file). */
export function symptomObservation(symptom: CheckedSymptom, context: EntryContext): R4Observation {
  const observation: R4Observation = {
    ...observationHead(context),
    category: [{ coding: [{ ...SURVEY }], text: 'Patient reported' }],
    code: { coding: [{ ...SYMPTOM_CODE }], text: 'Symptom' },
    subject: subject(context),
    effectivePeriod: { start: symptom.startedAt, ...(symptom.endedAt ? { end: symptom.endedAt } : {}) },
    issued: instant(context.recordedAt),
    performer: [author(context)],
    valueCodeableConcept: symptom.snomedCode
      ? { coding: [{ system: SNOMED_CT_SYSTEM, code: symptom.snomedCode, display: symptom.name }], text: symptom.name }
      : { text: symptom.name },
  };
  if (symptom.severity)
    observation.component = [
      {
        code: { coding: [{ ...SEVERITY_CODE }], text: 'Severity' },
        valueCodeableConcept: { coding: [{ ...SEVERITIES[symptom.severity] }], text: SEVERITIES[symptom.severity].display },
      },
    ];
  if (symptom.note) observation.note = [{ text: symptom.note }];
  return observation;
}

function observationHead(context: EntryContext): Pick<R4Observation, 'resourceType' | 'id' | 'meta' | 'status'> {
  return { resourceType: 'Observation', ...(context.id ? { id: context.id } : {}), meta: meta(context, 'Observation'), status: 'final' };
}

function meta(context: EntryContext, resourceType: string): R4Meta {
  const result: R4Meta = { profile: [`${UK_CORE_PROFILE_BASE}/UKCore-${resourceType}`] };
  if (context.private) {
    const label = context.privacyLabel ?? DEFAULT_PRIVACY_LABEL;
    result.security = [{ system: label.system, code: label.code, ...(label.display ? { display: label.display } : {}) }];
  }
  return result;
}

function subject(context: EntryContext): R4Reference {
  return { type: 'Patient', identifier: { system: NHS_NUMBER_SYSTEM, value: nhsNumberOf(context) } };
}

function author(context: EntryContext): R4Reference {
  if (context.author.kind === 'person') return subject(context);
  const { issuer, subject: carer, name } = context.author;
  if (!isIdentityPart(issuer) || !isIdentityPart(carer))
    throw new PhrInputError('author', 'invalid-identity', 'author must name the carer by their sign-in issuer and subject');
  // The carer's own sign-in identifies them: the same pair the audit trail records.
  return { type: 'RelatedPerson', identifier: { system: issuer, value: carer }, ...(name ? { display: name } : {}) };
}

function nhsNumberOf(context: EntryContext): string {
  const digits = normaliseNhsNumber(context.nhsNumber ?? '');
  if (!isValidNhsNumber(digits)) throw new PhrInputError('nhsNumber', 'invalid-identity', 'nhsNumber is not a valid NHS number');
  return digits;
}

function quantity(measurement: Measurement): R4Quantity {
  const unit = measureDefinition(measurement.measure).unit;
  return { value: measurement.value, unit: unit.symbol, system: UCUM_SYSTEM, code: measurement.unit };
}

function instant(value: string | Date): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new PhrInputError('recordedAt', 'invalid-time', 'recordedAt must be a valid instant');
  return date.toISOString();
}

function isIdentityPart(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0 && value.length <= 512;
}
