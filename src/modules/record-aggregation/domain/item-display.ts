import type {
  R4AllergyIntolerance,
  R4Appointment,
  R4CarePlan,
  R4CodeableConcept,
  R4Coding,
  R4Condition,
  R4DiagnosticReport,
  R4Encounter,
  R4MedicationRequest,
  R4MedicationStatement,
  R4Observation,
  R4Resource,
} from '../../../fhir/index.js';

// Whatever a source sent, the clinician reads words, not codes: every coding gets a display, and
// every item a one-line name, its clinical date and its status. Pure functions over FHIR R4.

/** The code systems a clinician knows by name; others are named by the last part of their URL. */
const SYSTEM_NAMES: ReadonlyMap<string, string> = new Map([
  ['http://snomed.info/sct', 'SNOMED CT'],
  ['https://dmd.nhs.uk', 'dm+d'],
  ['http://dmd.nhs.uk', 'dm+d'],
  ['https://fhir.nhs.uk/id/dmd', 'dm+d'],
  ['http://loinc.org', 'LOINC'],
  ['http://hl7.org/fhir/sid/icd-10', 'ICD-10'],
  ['http://hl7.org/fhir/sid/icd-10-uk', 'ICD-10'],
  ['http://hl7.org/fhir/sid/icd-10-cm', 'ICD-10'],
  ['http://read.info/readv2', 'Read'],
  ['http://read.info/ctv3', 'Read CTV3'],
  ['http://www.nlm.nih.gov/research/umls/rxnorm', 'RxNorm'],
  ['http://unitsofmeasure.org', 'UCUM'],
]);

/** HL7's own code systems hold status-like codes ("entered-in-error"), read best as words. */
const HL7_TERMINOLOGY = /^https?:\/\/(terminology\.)?hl7\.org\//;

/** The common name of a code system ("SNOMED CT", "dm+d"), or the last part of its URL. */
export function codeSystemName(system: string | undefined): string {
  if (!system) return 'code';
  const known = SYSTEM_NAMES.get(system.trim().toLowerCase().replace(/\/+$/, ''));
  if (known) return known;
  return (
    system
      .replace(/\/+$/, '')
      .split(/[/:]/)
      .filter((part) => part !== '')
      .at(-1) ?? 'code'
  );
}

/** What a coding is called when the source gave no words for it: "SNOMED CT 22298006", or "Entered in error". */
export function fallbackDisplay(coding: R4Coding): string {
  const code = coding.code?.trim() ?? '';
  if (coding.system && HL7_TERMINOLOGY.test(coding.system) && /^[a-z-]+$/.test(code)) {
    const words = code.replace(/-/g, ' ');
    return words.charAt(0).toUpperCase() + words.slice(1);
  }
  return `${codeSystemName(coding.system)} ${code}`.trim();
}

/**
 * A copy of the resource in which every coding of every CodeableConcept (contained resources
 * included) has a display: the concept's text, else another coding's display in the same
 * concept, else a name built from the code system and code. The input is left untouched.
 */
export function withDisplays<T extends R4Resource>(resource: T): T {
  const copy = copyFillingConcepts(resource, false) as T;
  // Encounter.class is a bare Coding that screens show as the kind of encounter.
  const encounterClass = copy.resourceType === 'Encounter' ? (copy as unknown as R4Encounter).class : undefined;
  if (encounterClass?.code && !hasText(encounterClass.display)) encounterClass.display = fallbackDisplay(encounterClass);
  return copy;
}

/** A deep copy, filling each concept's codings on the way (one pass: records are read on every view). */
function copyFillingConcepts(node: unknown, insideMeta: boolean): unknown {
  if (Array.isArray(node)) return node.map((item) => copyFillingConcepts(item, insideMeta));
  if (typeof node !== 'object' || node === null) return node;
  const copy: Record<string, unknown> = {};
  for (const key in node) {
    // Tags and security labels are about the record, not clinical content.
    copy[key] = copyFillingConcepts((node as Record<string, unknown>)[key], insideMeta || key === 'meta');
  }
  if (!insideMeta && Array.isArray(copy.coding)) fillConcept(copy as R4CodeableConcept);
  return copy;
}

function fillConcept(concept: R4CodeableConcept): void {
  const codings = concept.coding!;
  let givenDisplay: string | undefined;
  let missing = false;
  for (const coding of codings) {
    if (!isRecord(coding)) continue;
    if (hasText(coding.display)) givenDisplay ??= coding.display;
    else if (hasText(coding.code)) missing = true;
  }
  if (!missing) return;
  const text = hasText(concept.text) ? concept.text.trim() : undefined;
  for (const coding of codings) {
    if (!isRecord(coding) || hasText(coding.display) || !hasText(coding.code)) continue;
    coding.display = text ?? givenDisplay ?? fallbackDisplay(coding);
  }
}

/** A concept's name: its text, else its first coding's display, else a name from its first code. */
export function conceptName(concept: R4CodeableConcept | undefined): string | undefined {
  if (!concept) return undefined;
  if (hasText(concept.text)) return concept.text.trim();
  const codings = (concept.coding ?? []).filter((coding) => isRecord(coding));
  const display = codings.map((coding) => coding.display).find(hasText);
  if (display) return display.trim();
  const coded = codings.find((coding) => hasText(coding.code));
  return coded ? fallbackDisplay(coded) : undefined;
}

/** The medicine a request or statement is about, from its concept, its reference's display or a contained Medication. */
export function medicationName(resource: R4MedicationRequest | R4MedicationStatement): string | undefined {
  const concept = medicationConcept(resource);
  return conceptName(concept) ?? (hasText(resource.medicationReference?.display) ? resource.medicationReference.display.trim() : undefined);
}

/** The coded medicine of a request or statement: medicationCodeableConcept, or the contained Medication referenced. */
export function medicationConcept(resource: R4MedicationRequest | R4MedicationStatement): R4CodeableConcept | undefined {
  if (resource.medicationCodeableConcept) return resource.medicationCodeableConcept;
  const reference = resource.medicationReference?.reference;
  if (!reference?.startsWith('#')) return undefined;
  const contained = (resource.contained ?? []).find(
    (inner): inner is fhir4.Medication => inner.resourceType === 'Medication' && inner.id === reference.slice(1),
  );
  return contained?.code;
}

/** Dosage text up to this length goes into an item's one-line name; longer text would swamp it. */
const SHORT_DOSAGE = 60;

/** A one-line, human-readable name of the item ("Amoxicillin 500mg capsules — One capsule three times a day"). */
export function displayOf(resource: R4Resource): string {
  switch (resource.resourceType) {
    case 'AllergyIntolerance':
      return conceptName((resource as R4AllergyIntolerance).code) ?? 'Allergy (substance not recorded)';
    case 'MedicationRequest':
    case 'MedicationStatement':
      return medicineDisplay(resource as R4MedicationRequest | R4MedicationStatement);
    case 'Condition':
      return conceptName((resource as R4Condition).code) ?? 'Condition (not coded)';
    case 'Observation':
      return observationDisplay(resource as R4Observation);
    case 'DiagnosticReport':
      return conceptName((resource as R4DiagnosticReport).code) ?? 'Report';
    case 'Encounter':
      return encounterDisplay(resource as R4Encounter);
    case 'Appointment':
      return appointmentDisplay(resource as R4Appointment);
    case 'CarePlan': {
      const plan = resource as R4CarePlan;
      return firstText(plan.title, conceptName(plan.category?.[0]), plan.description) ?? 'Care plan';
    }
    default: {
      const code = (resource as { code?: R4CodeableConcept }).code;
      return conceptName(isRecord(code) ? code : undefined) ?? resource.resourceType;
    }
  }
}

function medicineDisplay(resource: R4MedicationRequest | R4MedicationStatement): string {
  const name = medicationName(resource) ?? 'Medicine (not named)';
  const dosages = resource.resourceType === 'MedicationRequest' ? resource.dosageInstruction : resource.dosage;
  const dosage = dosages?.[0]?.text?.trim();
  return dosage && dosage.length <= SHORT_DOSAGE ? `${name} — ${dosage}` : name;
}

function observationDisplay(observation: R4Observation): string {
  const name = conceptName(observation.code) ?? 'Observation';
  const value = valueText(observation);
  if (value) return `${name} ${value}`;
  const components = (observation.component ?? []).filter((component) => valueText(component) !== undefined);
  if (components.length > 0) {
    const quantities = components.map((component) => component.valueQuantity);
    const units = new Set(quantities.map((quantity) => quantity && unitText(quantity)));
    // Blood pressure and the like: one unit for all parts reads as "120/80 mmHg".
    if (quantities.every((quantity) => typeof quantity?.value === 'number') && units.size === 1) {
      const unit = [...units][0];
      return `${name} ${quantities.map((quantity) => numberText(quantity!.value!)).join('/')}${unit ? ` ${unit}` : ''}`.trim();
    }
    return `${name}: ${components.map((component) => `${conceptName(component.code) ?? 'part'} ${valueText(component)}`).join('; ')}`;
  }
  const absent = conceptName(observation.dataAbsentReason);
  return absent ? `${name}: ${absent}` : name;
}

type ValueHolder = Pick<
  R4Observation,
  | 'valueQuantity'
  | 'valueCodeableConcept'
  | 'valueString'
  | 'valueBoolean'
  | 'valueInteger'
  | 'valueRange'
  | 'valueRatio'
  | 'valueDateTime'
  | 'valueTime'
  | 'valuePeriod'
>;

function valueText(holder: ValueHolder): string | undefined {
  if (holder.valueQuantity && typeof holder.valueQuantity.value === 'number') {
    const unit = unitText(holder.valueQuantity);
    const comparator = holder.valueQuantity.comparator ?? '';
    return `${comparator}${numberText(holder.valueQuantity.value)}${unit ? (unit === '%' ? unit : ` ${unit}`) : ''}`;
  }
  if (holder.valueCodeableConcept) return conceptName(holder.valueCodeableConcept);
  if (hasText(holder.valueString)) return holder.valueString.trim();
  if (typeof holder.valueBoolean === 'boolean') return holder.valueBoolean ? 'yes' : 'no';
  if (typeof holder.valueInteger === 'number') return String(holder.valueInteger);
  if (holder.valueRange) {
    const { low, high } = holder.valueRange;
    const unit = unitText(low ?? high ?? {});
    const from = typeof low?.value === 'number' ? numberText(low.value) : '';
    const to = typeof high?.value === 'number' ? numberText(high.value) : '';
    return `${from}–${to}${unit ? ` ${unit}` : ''}`;
  }
  if (holder.valueRatio) {
    const { numerator, denominator } = holder.valueRatio;
    if (typeof numerator?.value === 'number' && typeof denominator?.value === 'number')
      return `${numberText(numerator.value)}/${numberText(denominator.value)}`;
  }
  if (holder.valueDateTime) return formatDate(holder.valueDateTime);
  if (holder.valueTime) return holder.valueTime;
  if (holder.valuePeriod?.start) return formatPeriod(holder.valuePeriod.start, holder.valuePeriod.end);
  return undefined;
}

/** UCUM codes as people write them. */
const UNIT_WORDS: ReadonlyMap<string, string> = new Map([
  ['mm[Hg]', 'mmHg'],
  ['Cel', '°C'],
  ['[degF]', '°F'],
  ['kg/m2', 'kg/m²'],
  ['10*9/L', '×10⁹/L'],
  ['10*12/L', '×10¹²/L'],
  ['/min', '/min'],
]);

function unitText(quantity: fhir4.Quantity): string {
  const unit = (quantity.unit ?? quantity.code ?? '').trim();
  const known = UNIT_WORDS.get(unit);
  if (known) return known;
  // UCUM annotations ({score}, {1.73_m2}) are notes to machines.
  return unit
    .replace(/\{([^}]*)\}/g, (_match, note: string) => note.replace(/_/g, ''))
    .replace(/m2$/, 'm²')
    .replace(/^score$/, '');
}

/** Long machine-written decimals (173.45484138767452) shown to two places; the resource keeps the value. */
function numberText(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(2)));
}

function encounterDisplay(encounter: R4Encounter): string {
  const classDisplay = encounter.class?.code === 'unknown' ? undefined : firstText(encounter.class?.display);
  const label = firstText(conceptName(encounter.type?.[0]), classDisplay, conceptName(encounter.serviceType)) ?? 'Encounter';
  return encounter.period?.start ? `${label}, ${formatPeriod(encounter.period.start, encounter.period.end)}` : label;
}

function appointmentDisplay(appointment: R4Appointment): string {
  const label =
    firstText(
      appointment.description,
      conceptName(appointment.serviceType?.[0]),
      conceptName(appointment.appointmentType),
      conceptName(appointment.serviceCategory?.[0]),
    ) ?? 'Appointment';
  return appointment.start ? `${label}, ${formatDate(appointment.start)}` : label;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * "2 Jan 2024", "Jan 2024", "2024", or "2 Jan 2024 09:30": the date and time as the source wrote
 * them, so a time is never shifted into another zone (or another day).
 */
export function formatDate(value: string): string {
  const match = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2}))?)?)?/.exec(value.trim());
  if (!match) return value;
  const [, year, month, day, hour, minute] = match;
  const monthName = month ? MONTHS[Number(month) - 1] : undefined;
  if (!monthName) return year!;
  if (!day) return `${monthName} ${year}`;
  const date = `${Number(day)} ${monthName} ${year}`;
  return hour ? `${date} ${hour}:${minute}` : date;
}

function formatPeriod(start: string, end: string | undefined): string {
  const from = formatDate(start).replace(/ \d{2}:\d{2}$/, '');
  const to = end ? formatDate(end).replace(/ \d{2}:\d{2}$/, '') : undefined;
  if (!to || to === from) return from;
  return `${from} to ${to}`;
}

/** The item's clinical date as the source wrote it: onset, authored, effective, period start or appointment start. */
export function clinicalDateOf(resource: R4Resource): string | undefined {
  switch (resource.resourceType) {
    case 'AllergyIntolerance': {
      const allergy = resource as R4AllergyIntolerance;
      return firstText(allergy.onsetDateTime, allergy.onsetPeriod?.start, allergy.recordedDate);
    }
    case 'MedicationRequest': {
      const request = resource as R4MedicationRequest;
      return firstText(request.authoredOn, request.dispenseRequest?.validityPeriod?.start);
    }
    case 'MedicationStatement': {
      const statement = resource as R4MedicationStatement;
      return firstText(statement.effectiveDateTime, statement.effectivePeriod?.start, statement.dateAsserted);
    }
    case 'Condition': {
      const condition = resource as R4Condition;
      return firstText(condition.onsetDateTime, condition.onsetPeriod?.start, condition.recordedDate);
    }
    case 'Observation': {
      const observation = resource as R4Observation;
      return firstText(observation.effectiveDateTime, observation.effectivePeriod?.start, observation.effectiveInstant, observation.issued);
    }
    case 'DiagnosticReport': {
      const report = resource as R4DiagnosticReport;
      return firstText(report.effectiveDateTime, report.effectivePeriod?.start, report.issued);
    }
    case 'Encounter':
      return firstText((resource as R4Encounter).period?.start);
    case 'Appointment': {
      const appointment = resource as R4Appointment;
      return firstText(appointment.start, appointment.created);
    }
    case 'CarePlan': {
      const plan = resource as R4CarePlan;
      return firstText(plan.period?.start, plan.created);
    }
    default:
      return undefined;
  }
}

const HAS_ZONE = /([zZ]|[+-]\d{2}:?\d{2})$/;

/**
 * A FHIR date or dateTime as epoch milliseconds (a partial date at its first moment, UTC; a time
 * without a zone read as UTC, never as this server's zone); undefined when it is not a date.
 */
export function instantOf(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (!/^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([zZ]|[+-]\d{2}:?\d{2})?)?)?)?$/.test(text)) return undefined;
  const time = Date.parse(text.includes('T') && !HAS_ZONE.test(text) ? `${text}Z` : text);
  return Number.isNaN(time) ? undefined : time;
}

/**
 * The item's status: the clinical status of an allergy or condition (or "entered-in-error" /
 * "refuted" from its verification, which outrank it), the FHIR status of anything else.
 */
export function statusOf(resource: R4Resource): string | undefined {
  if (resource.resourceType === 'AllergyIntolerance' || resource.resourceType === 'Condition') {
    const { clinicalStatus, verificationStatus } = resource as R4AllergyIntolerance | R4Condition;
    const verification = conceptCode(verificationStatus);
    if (verification === 'entered-in-error') return verification;
    return conceptCode(clinicalStatus) ?? (verification === 'refuted' ? verification : undefined);
  }
  const status = (resource as { status?: unknown }).status;
  return typeof status === 'string' && status !== '' ? status : undefined;
}

function conceptCode(concept: R4CodeableConcept | undefined): string | undefined {
  const code = concept?.coding?.find((coding) => hasText(coding.code))?.code;
  return code?.trim();
}

function firstText(...values: (string | undefined)[]): string | undefined {
  return values.find(hasText)?.trim();
}

function hasText(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
