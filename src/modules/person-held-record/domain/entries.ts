import { checkDateOrDateTime, checkDateTime, compareTimes, type TimeRules } from './fhir-time.js';
import { cleanOptionalText, cleanText } from './free-text.js';
import { PhrInputError, safeToken } from './phr-input-error.js';
import { isValidConceptId } from './snomed-ct.js';

// What a person adds besides readings: medicines they buy themselves, notes and symptoms. Each
// is checked here into a plain shape; phr-resources.ts turns the shape into FHIR.

/** Short fields: a medicine's name, how it is taken, a symptom's name. */
export const MAX_SHORT_TEXT_LENGTH = 200;
/** How a medicine is taken ("two tablets at night"). */
export const MAX_DOSAGE_LENGTH = 500;

export const MEDICINE_KINDS = ['over-the-counter', 'supplement'] as const;
export type MedicineKind = (typeof MEDICINE_KINDS)[number];

export const MEDICINE_STATUSES = ['active', 'stopped'] as const;
export type MedicineStatus = (typeof MEDICINE_STATUSES)[number];

export interface MedicineInput {
  kind: string;
  /** As the person knows it ("Ibuprofen 200mg tablets", "Vitamin D"). */
  name: string;
  /** A dm+d concept id when the person picked the medicine from a list. */
  dmdCode?: string;
  status: string;
  /** A date (2026-03-01) or date-time. */
  startedOn?: string;
  stoppedOn?: string;
  dosage?: string;
  note?: string;
}

export interface CheckedMedicine {
  kind: MedicineKind;
  name: string;
  dmdCode?: string;
  status: MedicineStatus;
  startedOn?: string;
  stoppedOn?: string;
  dosage?: string;
  note?: string;
}

export interface NoteInput {
  text: string;
  /** When the note is about; when it was written if absent. */
  effectiveAt?: string | Date;
}

export interface CheckedNote {
  text: string;
  effectiveAt?: string;
}

export const SYMPTOM_SEVERITIES = ['mild', 'moderate', 'severe'] as const;
export type SymptomSeverity = (typeof SYMPTOM_SEVERITIES)[number];

export interface SymptomInput {
  /** The symptom in the person's words ("headache"), or the display of the code they picked. */
  name: string;
  /** A SNOMED CT clinical finding when picked from a list. */
  snomedCode?: string;
  severity?: string;
  startedAt: string | Date;
  endedAt?: string | Date;
  note?: string;
}

export interface CheckedSymptom {
  name: string;
  snomedCode?: string;
  severity?: SymptomSeverity;
  startedAt: string;
  endedAt?: string;
  note?: string;
}

export function checkMedicine(input: MedicineInput, rules: TimeRules = {}): CheckedMedicine {
  const kind = oneOf(input.kind, 'kind', MEDICINE_KINDS);
  const status = oneOf(input.status, 'status', MEDICINE_STATUSES);
  const name = cleanText(input.name, 'name', MAX_SHORT_TEXT_LENGTH);
  const dmdCode = optionalConceptId(input.dmdCode, 'dmdCode', 'a dm+d');
  const started = input.startedOn ? checkDateOrDateTime(input.startedOn, 'startedOn', rules) : undefined;
  // A stop date may be planned ("until the course ends") while the medicine is still taken.
  const stopped = input.stoppedOn
    ? checkDateOrDateTime(input.stoppedOn, 'stoppedOn', { ...rules, allowFuture: status === 'active' })
    : undefined;
  if (started && stopped && compareTimes(stopped, started) < 0)
    throw new PhrInputError('stoppedOn', 'inconsistent', `stoppedOn ${stopped.text} is before startedOn ${started.text}`);
  const medicine: CheckedMedicine = { kind, name, status };
  if (dmdCode) medicine.dmdCode = dmdCode;
  if (started) medicine.startedOn = started.text;
  if (stopped) medicine.stoppedOn = stopped.text;
  const dosage = cleanOptionalText(input.dosage, 'dosage', MAX_DOSAGE_LENGTH);
  if (dosage) medicine.dosage = dosage;
  const note = cleanOptionalText(input.note, 'note');
  if (note) medicine.note = note;
  return medicine;
}

export function checkNote(input: NoteInput, rules: TimeRules = {}): CheckedNote {
  const note: CheckedNote = { text: cleanText(input.text, 'text') };
  if (input.effectiveAt !== undefined && input.effectiveAt !== null)
    note.effectiveAt = checkDateOrDateTime(input.effectiveAt, 'effectiveAt', rules).text;
  return note;
}

export function checkSymptom(input: SymptomInput, rules: TimeRules = {}): CheckedSymptom {
  const name = cleanText(input.name, 'name', MAX_SHORT_TEXT_LENGTH);
  const snomedCode = optionalConceptId(input.snomedCode, 'snomedCode', 'a SNOMED CT');
  const started = checkDateTime(input.startedAt, 'startedAt', rules);
  const symptom: CheckedSymptom = { name, startedAt: started.text };
  if (snomedCode) symptom.snomedCode = snomedCode;
  if (input.severity !== undefined && input.severity !== null) symptom.severity = oneOf(input.severity, 'severity', SYMPTOM_SEVERITIES);
  if (input.endedAt !== undefined && input.endedAt !== null) {
    const ended = checkDateTime(input.endedAt, 'endedAt', rules);
    if (compareTimes(ended, started) < 0)
      throw new PhrInputError('endedAt', 'inconsistent', `endedAt ${ended.text} is before startedAt ${started.text}`);
    symptom.endedAt = ended.text;
  }
  const note = cleanOptionalText(input.note, 'note');
  if (note) symptom.note = note;
  return symptom;
}

function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  if (value === undefined || value === null || value === '')
    throw new PhrInputError(field, 'missing', `${field} is required: one of ${allowed.join(', ')}`);
  const shown = typeof value === 'string' ? safeToken(value) : undefined;
  throw new PhrInputError(field, 'not-allowed', `${field} ${shown ? `"${shown}" ` : ''}must be one of ${allowed.join(', ')}`);
}

function optionalConceptId(value: unknown, field: string, what: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const text = typeof value === 'string' ? value.trim() : '';
  if (!isValidConceptId(text)) {
    const shown = /^\d{1,18}$/.test(text) ? ` ${text}` : '';
    throw new PhrInputError(field, 'invalid-code', `${field}${shown} is not ${what} concept id (6 to 18 digits with a valid check digit)`);
  }
  return text;
}
