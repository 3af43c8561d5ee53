import { checkWrite, WRITE_MAX_CHARACTERS } from './write-back.js';

describe('checking a resource to write back to a source', () => {
  it('routes an Observation to observations and a Condition to conditions', () => {
    expect(checkWrite({ resourceType: 'Observation', status: 'final' })).toMatchObject({ ok: true, section: 'observations' });
    expect(checkWrite({ resourceType: 'Condition' })).toMatchObject({ ok: true, section: 'conditions' });
  });

  it('refuses anything else, naming what is accepted', () => {
    expect(checkWrite({ resourceType: 'MedicationRequest' })).toEqual({
      ok: false,
      problem: 'resource.resourceType must be Observation or Condition, not MedicationRequest',
    });
    expect(checkWrite({ status: 'final' })).toMatchObject({ ok: false, problem: expect.stringContaining('resourceType is missing') });
    expect(checkWrite([{ resourceType: 'Observation' }])).toMatchObject({ ok: false, problem: expect.stringContaining('JSON object') });
  });

  it('never echoes a resource type that is not a name', () => {
    const answer = checkWrite({ resourceType: '<script>alert(1)</script>' });
    expect(answer).toMatchObject({ ok: false });
    expect(JSON.stringify(answer)).not.toContain('script');
  });

  it('refuses a resource over the size cap', () => {
    const big = { resourceType: 'Observation', note: [{ text: 'x'.repeat(WRITE_MAX_CHARACTERS) }] };
    expect(checkWrite(big)).toMatchObject({ ok: false, problem: expect.stringContaining('too large') });
  });
});
