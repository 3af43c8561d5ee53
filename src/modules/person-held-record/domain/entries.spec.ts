import { checkMedicine, checkNote, checkSymptom } from './entries.js';

const now = new Date('2026-03-10T12:00:00Z');

describe('checking a medicine the person takes', () => {
  it('keeps what they said, cleaned, with a dm+d code when picked from a list', () => {
    expect(
      checkMedicine(
        {
          kind: 'over-the-counter',
          name: ' Ibuprofen 200mg tablets ',
          dmdCode: '39732311000001104',
          status: 'active',
          startedOn: '2026-03-01',
          dosage: 'One tablet\r\nup to three times a day',
        },
        { now },
      ),
    ).toEqual({
      kind: 'over-the-counter',
      name: 'Ibuprofen 200mg tablets',
      dmdCode: '39732311000001104',
      status: 'active',
      startedOn: '2026-03-01',
      dosage: 'One tablet\nup to three times a day',
    });
  });

  it('allows a planned stop date only while the medicine is still taken', () => {
    const active = { kind: 'supplement', name: 'Vitamin D', status: 'active', startedOn: '2026-03-01', stoppedOn: '2026-04-01' };
    expect(checkMedicine(active, { now }).stoppedOn).toBe('2026-04-01');
    expect(() => checkMedicine({ ...active, status: 'stopped' }, { now })).toThrow('stoppedOn 2026-04-01 is in the future');
  });

  it('refuses a stop before the start, a future start, a bad code, and unknown kinds or statuses', () => {
    const base = { kind: 'supplement', name: 'Vitamin D', status: 'stopped' };
    expect(() => checkMedicine({ ...base, startedOn: '2026-03-05', stoppedOn: '2026-03-01' }, { now })).toThrow(
      'stoppedOn 2026-03-01 is before startedOn 2026-03-05',
    );
    expect(() => checkMedicine({ ...base, startedOn: '2026-03-20' }, { now })).toThrow('startedOn 2026-03-20 is in the future');
    expect(() => checkMedicine({ ...base, dmdCode: '39732311000001105' }, { now })).toThrow(
      'dmdCode 39732311000001105 is not a dm+d concept id',
    );
    expect(() => checkMedicine({ ...base, kind: 'prescribed' }, { now })).toThrow(
      'kind "prescribed" must be one of over-the-counter, supplement',
    );
    expect(() => checkMedicine({ ...base, status: '' }, { now })).toThrow('status is required: one of active, stopped');
    expect(() => checkMedicine({ ...base, name: '' }, { now })).toThrow('name is empty');
    expect(() => checkMedicine({ ...base, name: 'x'.repeat(201) }, { now })).toThrow('name is 201 characters long; at most 200');
  });
});

describe('checking a note', () => {
  it('cleans the text and keeps the optional date it is about', () => {
    expect(checkNote({ text: 'Felt dizzy\u0000 after lunch', effectiveAt: '2026-03-09' }, { now })).toEqual({
      text: 'Felt dizzy after lunch',
      effectiveAt: '2026-03-09',
    });
    expect(checkNote({ text: 'Fine today' }, { now })).toEqual({ text: 'Fine today' });
  });

  it('refuses a note over 2000 characters', () => {
    expect(() => checkNote({ text: 'a'.repeat(2001) }, { now })).toThrow('text is 2001 characters long; at most 2000 are allowed');
  });
});

describe('checking a symptom', () => {
  it('accepts a coded symptom with severity and a period', () => {
    expect(
      checkSymptom(
        {
          name: 'Headache',
          snomedCode: '25064002',
          severity: 'moderate',
          startedAt: '2026-03-08T07:00:00Z',
          endedAt: '2026-03-09T07:00:00Z',
        },
        { now },
      ),
    ).toEqual({
      name: 'Headache',
      snomedCode: '25064002',
      severity: 'moderate',
      startedAt: '2026-03-08T07:00:00Z',
      endedAt: '2026-03-09T07:00:00Z',
    });
  });

  it('refuses an end before the start and an unknown severity', () => {
    expect(() => checkSymptom({ name: 'Cough', startedAt: '2026-03-08T07:00:00Z', endedAt: '2026-03-07T07:00:00Z' }, { now })).toThrow(
      'endedAt 2026-03-07T07:00:00Z is before startedAt 2026-03-08T07:00:00Z',
    );
    expect(() => checkSymptom({ name: 'Cough', startedAt: '2026-03-08T07:00:00Z', severity: 'awful' }, { now })).toThrow(
      'severity "awful" must be one of mild, moderate, severe',
    );
    expect(() => checkSymptom({ name: 'Cough', startedAt: '2026-03-18T07:00:00Z' }, { now })).toThrow(
      'startedAt 2026-03-18T07:00:00Z is in the future',
    );
  });
});
