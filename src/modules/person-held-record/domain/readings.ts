import type { R4Coding } from '../../../fhir/index.js';
import { checkDateTime, type TimeRules } from './fhir-time.js';
import { PhrInputError, safeToken } from './phr-input-error.js';
import { SNOMED_CT_SYSTEM } from './snomed-ct.js';

// The readings a resident may record at home, and what makes one believable. Codes follow UK
// Core's vital signs examples (SNOMED CT first, LOINC beside it as the FHIR vital signs profile
// wants); every value is stored in one canonical UCUM unit so series and charts never mix units.
// Ranges are what a living person's body can show, not what is healthy: they catch typos and
// misread units (a weight in pounds sent as kilograms), not illness.

export const LOINC_SYSTEM = 'http://loinc.org';
export const UCUM_SYSTEM = 'http://unitsofmeasure.org';

export const READING_KINDS = [
  'blood-pressure',
  'weight',
  'height',
  'blood-glucose',
  'heart-rate',
  'body-temperature',
  'oxygen-saturation',
  'peak-flow',
] as const;
export type ReadingKind = (typeof READING_KINDS)[number];

/** One number in a reading: blood pressure has systolic, diastolic and perhaps pulse; the others one value named as the kind. */
export type MeasureName = Exclude<ReadingKind, 'blood-pressure'> | 'systolic' | 'diastolic' | 'pulse';

export interface UnitDefinition {
  /** The UCUM code, as Quantity.code holds it. */
  ucum: string;
  /** How people write it; shown in messages and as Quantity.unit. */
  symbol: string;
  /** Other spellings accepted on input (case as written). */
  aliases: readonly string[];
  /** This unit's value in the measure's canonical unit. */
  toCanonical: (value: number) => number;
}

export interface MeasureDefinition {
  measure: MeasureName;
  /** The input field that carries it. */
  field: 'value' | 'systolic' | 'diastolic' | 'pulse';
  /** Its name in a sentence ("systolic", "blood glucose"). */
  label: string;
  snomed: R4Coding;
  loinc: readonly R4Coding[];
  unit: UnitDefinition;
  /** Units converted to `unit` on the way in. */
  alternatives: readonly UnitDefinition[];
  /** Plausible values, inclusive, in the canonical unit. */
  min: number;
  max: number;
  /** Decimal places a converted value and a series mean are rounded to. */
  decimals: number;
  optional?: boolean;
}

export interface ReadingKindDefinition {
  kind: ReadingKind;
  display: string;
  /** The Observation.code: the panel for blood pressure, the measure itself otherwise. */
  snomed: R4Coding;
  loinc: readonly R4Coding[];
  measures: readonly MeasureDefinition[];
}

const sct = (code: string, display: string): R4Coding => ({ system: SNOMED_CT_SYSTEM, code, display });
const loinc = (code: string, display: string): R4Coding => ({ system: LOINC_SYSTEM, code, display });
const same = (value: number) => value;
const unit = (ucum: string, symbol: string, aliases: string[] = [], toCanonical = same): UnitDefinition => ({
  ucum,
  symbol,
  aliases,
  toCanonical,
});

const MM_HG = unit('mm[Hg]', 'mmHg', ['mmHg', 'mmhg']);
const PER_MINUTE = unit('/min', 'beats/min', ['bpm', 'beats/min', '{beats}/min']);
const HEART_RATE_CODES = { snomed: sct('364075005', 'Heart rate'), loinc: [loinc('8867-4', 'Heart rate')] };

const single = (
  kind: Exclude<ReadingKind, 'blood-pressure'>,
  label: string,
  codes: { snomed: R4Coding; loinc: R4Coding[] },
  measure: Pick<MeasureDefinition, 'unit' | 'alternatives' | 'min' | 'max' | 'decimals'>,
): ReadingKindDefinition => ({
  kind,
  display: codes.snomed.display ?? label,
  ...codes,
  measures: [{ measure: kind, field: 'value', label, ...codes, ...measure }],
});

/** Every reading kind, keyed by kind. */
export const READING_DEFINITIONS: Readonly<Record<ReadingKind, ReadingKindDefinition>> = {
  'blood-pressure': {
    kind: 'blood-pressure',
    display: 'Blood pressure',
    snomed: sct('75367002', 'Blood pressure'),
    loinc: [loinc('85354-9', 'Blood pressure panel with all children optional')],
    // Component codes as UK Core's blood pressure example has them. Home monitors show a pulse
    // too: kept as a third component (heart rate codes) so one press of a button is one entry.
    measures: [
      {
        measure: 'systolic',
        field: 'systolic',
        label: 'systolic',
        snomed: sct('72313002', 'Systolic arterial pressure'),
        loinc: [loinc('8480-6', 'Systolic blood pressure')],
        unit: MM_HG,
        alternatives: [],
        min: 50,
        max: 300,
        decimals: 0,
      },
      {
        measure: 'diastolic',
        field: 'diastolic',
        label: 'diastolic',
        snomed: sct('1091811000000102', 'Diastolic arterial pressure'),
        loinc: [loinc('8462-4', 'Diastolic blood pressure')],
        unit: MM_HG,
        alternatives: [],
        min: 20,
        max: 200,
        decimals: 0,
      },
      {
        measure: 'pulse',
        field: 'pulse',
        label: 'pulse',
        ...HEART_RATE_CODES,
        unit: PER_MINUTE,
        alternatives: [],
        min: 20,
        max: 300,
        decimals: 0,
        optional: true,
      },
    ],
  },
  weight: single(
    'weight',
    'weight',
    { snomed: sct('27113001', 'Body weight'), loinc: [loinc('29463-7', 'Body weight')] },
    {
      unit: unit('kg', 'kg'),
      alternatives: [
        unit('g', 'g', [], (grams) => grams / 1000),
        unit('[lb_av]', 'lb', ['lb', 'lbs'], (pounds) => pounds * 0.45359237),
        unit('[stone_av]', 'st', ['st'], (stones) => stones * 6.35029318),
      ],
      min: 0.5,
      max: 400,
      decimals: 1,
    },
  ),
  height: single(
    'height',
    'height',
    { snomed: sct('50373000', 'Body height'), loinc: [loinc('8302-2', 'Body height')] },
    {
      unit: unit('cm', 'cm'),
      alternatives: [unit('m', 'm', [], (metres) => metres * 100), unit('[in_i]', 'in', ['in'], (inches) => inches * 2.54)],
      min: 30,
      max: 250,
      decimals: 1,
    },
  ),
  'blood-glucose': single(
    'blood-glucose',
    'blood glucose',
    { snomed: sct('434912009', 'Blood glucose concentration'), loinc: [loinc('15074-8', 'Glucose [Moles/volume] in Blood')] },
    {
      unit: unit('mmol/L', 'mmol/L', ['mmol/l']),
      // Meters set to US units show mg/dL; glucose's molar mass is 180.156 g/mol.
      alternatives: [unit('mg/dL', 'mg/dL', ['mg/dl'], (mgPerDl) => mgPerDl / 18.0156)],
      min: 0.5,
      max: 50,
      decimals: 1,
    },
  ),
  'heart-rate': single('heart-rate', 'heart rate', HEART_RATE_CODES, {
    unit: PER_MINUTE,
    alternatives: [],
    min: 20,
    max: 300,
    decimals: 0,
  }),
  'body-temperature': single(
    'body-temperature',
    'body temperature',
    { snomed: sct('386725007', 'Body temperature'), loinc: [loinc('8310-5', 'Body temperature')] },
    {
      unit: unit('Cel', '°C', ['°C', 'degC', 'C']),
      alternatives: [unit('[degF]', '°F', ['°F', 'degF', 'F'], (fahrenheit) => ((fahrenheit - 32) * 5) / 9)],
      min: 30,
      max: 45,
      decimals: 1,
    },
  ),
  'oxygen-saturation': single(
    'oxygen-saturation',
    'oxygen saturation',
    // The FHIR vital signs profile requires LOINC 2708-6; 59408-5 says it was a pulse oximeter, as at home it is.
    {
      snomed: sct('431314004', 'Peripheral oxygen saturation'),
      loinc: [
        loinc('2708-6', 'Oxygen saturation in Arterial blood'),
        loinc('59408-5', 'Oxygen saturation in Arterial blood by Pulse oximetry'),
      ],
    },
    { unit: unit('%', '%'), alternatives: [], min: 50, max: 100, decimals: 0 },
  ),
  'peak-flow': single(
    'peak-flow',
    'peak flow',
    {
      snomed: sct('18491006', 'Peak expiratory flow rate'),
      loinc: [loinc('19935-6', 'Maximum expiratory gas flow Respiratory system airway by Peak flow meter')],
    },
    { unit: unit('L/min', 'L/min', ['l/min']), alternatives: [], min: 50, max: 1000, decimals: 0 },
  ),
};

/** What a person's phone sends for one reading. */
export interface ReadingInput {
  kind: string;
  /** The value of every kind but blood pressure. */
  value?: number;
  /** Blood pressure only. */
  systolic?: number;
  diastolic?: number;
  /** Blood pressure only, beats per minute. */
  pulse?: number;
  /** UCUM code or a common spelling; the kind's canonical unit when absent. For blood pressure, the unit of systolic and diastolic. */
  unit?: string;
  /** When it was measured: an ISO 8601 date-time with a zone, or a Date. */
  effectiveAt: string | Date;
}

export interface Measurement {
  measure: MeasureName;
  /** In the canonical unit. */
  value: number;
  /** The canonical UCUM code. */
  unit: string;
}

/** A reading the hub will store: known kind, canonical units, plausible values, a time not in the future. */
export interface CheckedReading {
  kind: ReadingKind;
  /** FHIR dateTime, with the offset the person's device gave. */
  effectiveAt: string;
  /** In the order of the kind's measures; an absent optional measure is left out. */
  measurements: Measurement[];
}

/** The reading normalised to canonical units, or a PhrInputError naming the field, the value and what is allowed. */
export function checkReading(input: ReadingInput, rules: TimeRules = {}): CheckedReading {
  const kind = input.kind;
  if (!isReadingKind(kind)) {
    const shown = typeof kind === 'string' ? safeToken(kind) : undefined;
    throw new PhrInputError(
      'kind',
      'unknown-kind',
      `kind ${shown ? `"${shown}" ` : ''}is not a reading the hub records: use one of ${READING_KINDS.join(', ')}`,
    );
  }
  const definition = READING_DEFINITIONS[kind];
  const fields = definition.measures.map((measure) => measure.field);
  for (const field of ['value', 'systolic', 'diastolic', 'pulse'] as const) {
    if (input[field] !== undefined && input[field] !== null && !fields.includes(field))
      throw new PhrInputError(field, 'inconsistent', `${definition.display.toLowerCase()} takes ${listFields(fields)}, not ${field}`);
  }
  const measurements: Measurement[] = [];
  for (const measure of definition.measures) {
    const given = input[measure.field];
    if (given === undefined || given === null) {
      if (measure.optional) continue;
      throw new PhrInputError(measure.field, 'missing', `${measure.label} is required for ${definition.display.toLowerCase()}`);
    }
    // Pulse is always beats per minute: `unit` speaks for the pressures.
    const unitText = measure.field === 'pulse' ? undefined : input.unit;
    measurements.push(checkMeasure(measure, given, unitText));
  }
  if (kind === 'blood-pressure') {
    const [systolic, diastolic] = measurements;
    if (diastolic.value >= systolic.value)
      throw new PhrInputError(
        'diastolic',
        'inconsistent',
        `diastolic ${diastolic.value} mmHg must be lower than systolic ${systolic.value} mmHg`,
      );
  }
  const effectiveAt = checkDateTime(input.effectiveAt, 'effectiveAt', rules).text;
  return { kind, effectiveAt, measurements };
}

export function isReadingKind(value: unknown): value is ReadingKind {
  return typeof value === 'string' && (READING_KINDS as readonly string[]).includes(value);
}

/** The definition of one measure (systolic, weight, ...) wherever it sits. */
export function measureDefinition(measure: MeasureName): MeasureDefinition {
  for (const kind of Object.values(READING_DEFINITIONS)) {
    const found = kind.measures.find((candidate) => candidate.measure === measure);
    if (found) return found;
  }
  throw new Error(`no measure named ${measure}`);
}

/** Rounds half away from zero to the given places, without binary drift (1.005 -> 1.01). */
export function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  const scaled = Math.abs(value) * factor;
  const rounded = Math.round(Number(scaled.toPrecision(15))) / factor;
  return value < 0 ? -rounded : rounded;
}

function checkMeasure(measure: MeasureDefinition, given: unknown, unitText: string | undefined): Measurement {
  if (typeof given !== 'number' || !Number.isFinite(given))
    throw new PhrInputError(measure.field, 'not-a-number', `${measure.label} must be a number in ${measure.unit.symbol}`);
  const unit = findUnit(measure, unitText);
  const canonical = measure.unit;
  const value = unit === canonical ? given : roundTo(unit.toCanonical(given), measure.decimals);
  if (value < measure.min || value > measure.max) {
    const converted = unit === canonical ? '' : ` (${value} ${canonical.symbol})`;
    throw new PhrInputError(
      measure.field,
      'out-of-range',
      `${measure.label} ${given} ${unit.symbol}${converted} is outside the plausible range ${measure.min}–${measure.max} ${canonical.symbol}`,
    );
  }
  return { measure: measure.measure, value, unit: canonical.ucum };
}

function findUnit(measure: MeasureDefinition, unitText: string | undefined): UnitDefinition {
  if (unitText === undefined || unitText === null || unitText === '') return measure.unit;
  const text = String(unitText).trim();
  const found = [measure.unit, ...measure.alternatives].find((unit) => unit.ucum === text || unit.aliases.includes(text));
  if (found) return found;
  const shown = safeToken(text);
  const accepted = [measure.unit, ...measure.alternatives].map((unit) => unit.ucum).join(', ');
  throw new PhrInputError(
    'unit',
    'unknown-unit',
    `unit ${shown ? `"${shown}" ` : ''}is not accepted for ${measure.label}: use ${accepted} (UCUM)`,
  );
}

function listFields(fields: readonly string[]): string {
  return fields.length === 1 ? fields[0] : `${fields.slice(0, -1).join(', ')} and ${fields[fields.length - 1]}`;
}
