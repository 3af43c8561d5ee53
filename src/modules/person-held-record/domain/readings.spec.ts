import { PhrInputError } from './phr-input-error.js';
import { checkReading, READING_DEFINITIONS, READING_KINDS, roundTo, type ReadingInput } from './readings.js';
import { isValidConceptId } from './snomed-ct.js';

const now = new Date('2026-03-10T12:00:00Z');
const at = '2026-03-10T08:15:00+00:00';

function refusal(input: ReadingInput): PhrInputError {
  try {
    checkReading(input, { now });
  } catch (error) {
    if (error instanceof PhrInputError) return error;
    throw error;
  }
  throw new Error('the reading was accepted');
}

describe('the catalogue of readings', () => {
  it('covers the eight kinds a resident may record, each with valid SNOMED CT codes and LOINC beside them', () => {
    expect(READING_KINDS).toEqual([
      'blood-pressure',
      'weight',
      'height',
      'blood-glucose',
      'heart-rate',
      'body-temperature',
      'oxygen-saturation',
      'peak-flow',
    ]);
    for (const definition of Object.values(READING_DEFINITIONS)) {
      expect(isValidConceptId(definition.snomed.code ?? '')).toBe(true);
      expect(definition.loinc.length).toBeGreaterThan(0);
      for (const measure of definition.measures) {
        expect(isValidConceptId(measure.snomed.code ?? '')).toBe(true);
        expect(measure.min).toBeLessThan(measure.max);
      }
    }
  });

  it('codes blood pressure as the FHIR vital signs panel with systolic and diastolic components', () => {
    const bp = READING_DEFINITIONS['blood-pressure'];
    expect(bp.snomed.code).toBe('75367002');
    expect(bp.loinc.map((coding) => coding.code)).toEqual(['85354-9']);
    expect(bp.measures.map((measure) => [measure.measure, measure.loinc[0].code])).toEqual([
      ['systolic', '8480-6'],
      ['diastolic', '8462-4'],
      ['pulse', '8867-4'],
    ]);
  });
});

describe('checking a reading', () => {
  it('accepts a blood pressure with pulse and keeps the person’s time and offset', () => {
    expect(checkReading({ kind: 'blood-pressure', systolic: 128, diastolic: 82, pulse: 71, effectiveAt: at }, { now })).toEqual({
      kind: 'blood-pressure',
      effectiveAt: '2026-03-10T08:15:00+00:00',
      measurements: [
        { measure: 'systolic', value: 128, unit: 'mm[Hg]' },
        { measure: 'diastolic', value: 82, unit: 'mm[Hg]' },
        { measure: 'pulse', value: 71, unit: '/min' },
      ],
    });
  });

  it('leaves out an optional pulse that was not given', () => {
    const reading = checkReading({ kind: 'blood-pressure', systolic: 128, diastolic: 82, effectiveAt: at }, { now });
    expect(reading.measurements.map((measurement) => measurement.measure)).toEqual(['systolic', 'diastolic']);
  });

  it('refuses an implausible systolic with a message naming the field, value and range', () => {
    const error = refusal({ kind: 'blood-pressure', systolic: 400, diastolic: 82, effectiveAt: at });
    expect(error.message).toBe('systolic 400 mmHg is outside the plausible range 50–300 mmHg');
    expect(error).toMatchObject({ field: 'systolic', problem: 'out-of-range' });
  });

  it('refuses a diastolic that is not below the systolic', () => {
    const error = refusal({ kind: 'blood-pressure', systolic: 120, diastolic: 130, effectiveAt: at });
    expect(error.message).toBe('diastolic 130 mmHg must be lower than systolic 120 mmHg');
    expect(error.field).toBe('diastolic');
  });

  it('refuses a blood pressure without a diastolic, and a value sent to blood pressure', () => {
    expect(refusal({ kind: 'blood-pressure', systolic: 120, effectiveAt: at }).message).toBe('diastolic is required for blood pressure');
    expect(refusal({ kind: 'blood-pressure', value: 120, systolic: 120, diastolic: 80, effectiveAt: at }).message).toBe(
      'blood pressure takes systolic, diastolic and pulse, not value',
    );
    expect(refusal({ kind: 'weight', value: 70, systolic: 120, effectiveAt: at })).toMatchObject({ field: 'systolic' });
  });

  it.each([
    ['weight', 0.4, 'kg', 'weight 0.4 kg is outside the plausible range 0.5–400 kg'],
    ['height', 260, 'cm', 'height 260 cm is outside the plausible range 30–250 cm'],
    ['blood-glucose', 55, 'mmol/L', 'blood glucose 55 mmol/L is outside the plausible range 0.5–50 mmol/L'],
    ['heart-rate', 15, '/min', 'heart rate 15 beats/min is outside the plausible range 20–300 beats/min'],
    ['body-temperature', 46, 'Cel', 'body temperature 46 °C is outside the plausible range 30–45 °C'],
    ['oxygen-saturation', 101, '%', 'oxygen saturation 101 % is outside the plausible range 50–100 %'],
    ['peak-flow', 1200, 'L/min', 'peak flow 1200 L/min is outside the plausible range 50–1000 L/min'],
  ])('refuses an implausible %s (%s %s)', (kind, value, unit, message) => {
    expect(refusal({ kind, value, unit, effectiveAt: at })).toMatchObject({ field: 'value', problem: 'out-of-range', message });
  });

  it('accepts the edges of each plausible range', () => {
    expect(checkReading({ kind: 'oxygen-saturation', value: 100, effectiveAt: at }, { now }).measurements[0].value).toBe(100);
    expect(checkReading({ kind: 'weight', value: 0.5, effectiveAt: at }, { now }).measurements[0].value).toBe(0.5);
  });

  it('converts accepted alternative units to the canonical one', () => {
    const value = (input: Omit<ReadingInput, 'effectiveAt'>) => checkReading({ ...input, effectiveAt: at }, { now }).measurements[0];
    expect(value({ kind: 'weight', value: 154, unit: '[lb_av]' })).toEqual({ measure: 'weight', value: 69.9, unit: 'kg' });
    expect(value({ kind: 'weight', value: 11, unit: 'st' })).toEqual({ measure: 'weight', value: 69.9, unit: 'kg' });
    expect(value({ kind: 'weight', value: 3450, unit: 'g' })).toMatchObject({ value: 3.5, unit: 'kg' });
    expect(value({ kind: 'height', value: 1.72, unit: 'm' })).toMatchObject({ value: 172, unit: 'cm' });
    expect(value({ kind: 'height', value: 68, unit: '[in_i]' })).toMatchObject({ value: 172.7, unit: 'cm' });
    expect(value({ kind: 'blood-glucose', value: 108, unit: 'mg/dL' })).toMatchObject({ value: 6, unit: 'mmol/L' });
    expect(value({ kind: 'body-temperature', value: 98.6, unit: '[degF]' })).toMatchObject({ value: 37, unit: 'Cel' });
    expect(value({ kind: 'blood-pressure', systolic: 120, diastolic: 80, unit: 'mmHg' } as ReadingInput)).toMatchObject({
      unit: 'mm[Hg]',
    });
  });

  it('says the converted value when a reading in another unit is implausible', () => {
    expect(refusal({ kind: 'weight', value: 900, unit: 'lb', effectiveAt: at }).message).toBe(
      'weight 900 lb (408.2 kg) is outside the plausible range 0.5–400 kg',
    );
  });

  it('refuses an unknown unit, naming those accepted', () => {
    const error = refusal({ kind: 'weight', value: 70, unit: 'kilos', effectiveAt: at });
    expect(error).toMatchObject({ field: 'unit', problem: 'unknown-unit' });
    expect(error.message).toBe('unit "kilos" is not accepted for weight: use kg, g, [lb_av], [stone_av] (UCUM)');
    expect(refusal({ kind: 'blood-pressure', systolic: 15, diastolic: 10, unit: 'kPa', effectiveAt: at }).message).toContain('use mm[Hg]');
  });

  it('refuses an unknown kind without echoing text that is not a name', () => {
    expect(refusal({ kind: 'cholesterol', value: 5, effectiveAt: at }).message).toBe(
      'kind "cholesterol" is not a reading the hub records: use one of blood-pressure, weight, height, blood-glucose, heart-rate, body-temperature, oxygen-saturation, peak-flow',
    );
    const hostile = refusal({ kind: '<img src=x onerror=alert(1)>', value: 5, effectiveAt: at });
    expect(hostile.problem).toBe('unknown-kind');
    expect(hostile.message).not.toContain('<img');
  });

  it('refuses a value that is not a number', () => {
    expect(refusal({ kind: 'weight', value: Number.NaN, effectiveAt: at })).toMatchObject({
      problem: 'not-a-number',
      message: 'weight must be a number in kg',
    });
    expect(refusal({ kind: 'weight', value: '70' as unknown as number, effectiveAt: at }).problem).toBe('not-a-number');
  });

  it('refuses a time in the future beyond a few minutes of clock skew, and accepts one within it', () => {
    const error = refusal({ kind: 'heart-rate', value: 70, effectiveAt: '2026-03-10T12:10:00Z' });
    expect(error).toMatchObject({ field: 'effectiveAt', problem: 'in-the-future' });
    expect(error.message).toBe('effectiveAt 2026-03-10T12:10:00Z is in the future (more than 5 minutes ahead of now)');
    expect(checkReading({ kind: 'heart-rate', value: 70, effectiveAt: '2026-03-10T12:04:00Z' }, { now }).effectiveAt).toBe(
      '2026-03-10T12:04:00Z',
    );
    // The offset counts: 13:10 in Paris is 12:10 UTC.
    expect(refusal({ kind: 'heart-rate', value: 70, effectiveAt: '2026-03-10T13:10:00+01:00' }).problem).toBe('in-the-future');
  });

  it('refuses a time without a zone or that is not a real date, and adds missing seconds', () => {
    expect(refusal({ kind: 'heart-rate', value: 70, effectiveAt: '2026-03-10T08:00:00' }).problem).toBe('invalid-time');
    expect(refusal({ kind: 'heart-rate', value: 70, effectiveAt: '2026-02-30T08:00:00Z' }).problem).toBe('invalid-time');
    expect(refusal({ kind: 'heart-rate', value: 70, effectiveAt: '' }).problem).toBe('missing');
    expect(checkReading({ kind: 'heart-rate', value: 70, effectiveAt: '2026-03-10T08:00+00:00' }, { now }).effectiveAt).toBe(
      '2026-03-10T08:00:00+00:00',
    );
    expect(checkReading({ kind: 'heart-rate', value: 70, effectiveAt: new Date('2026-03-10T08:00:00Z') }, { now }).effectiveAt).toBe(
      '2026-03-10T08:00:00.000Z',
    );
  });
});

describe('rounding', () => {
  it('rounds halves away from zero without binary drift', () => {
    expect(roundTo(1.005, 2)).toBe(1.01);
    expect(roundTo(120.5, 0)).toBe(121);
    expect(roundTo(-2.25, 1)).toBe(-2.3);
  });
});
