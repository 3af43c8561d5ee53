import {
  carePlanResource,
  checkCarePlanInput,
  checkRevokeReason,
  contentOf,
  isSnomedConceptId,
  SHARED_CARE_PLAN_KIND_SYSTEM,
  type SharedCarePlanInput,
} from './shared-care-plan.js';

const valid: SharedCarePlanInput = {
  title: '  Urgent care plan for breathlessness ',
  kind: 'urgent-care',
  description: 'What to do when breathless at home.',
  activities: ['Use the rescue pack as prescribed', 'Call the community respiratory team'],
  periodStart: '2026-11-01',
  periodEnd: '2027-05-01',
  addresses: [{ code: '13645005', display: 'Chronic obstructive lung disease' }],
  changeNote: 'First version, agreed with the person',
};

describe('checking a shared care plan', () => {
  it('accepts a complete plan, trimmed', () => {
    const checked = checkCarePlanInput(valid);
    expect(checked).toMatchObject({ ok: true, plan: { title: 'Urgent care plan for breathlessness', kind: 'urgent-care' } });
  });

  it('names every problem at once', () => {
    const checked = checkCarePlanInput({
      title: ' ',
      kind: 'wishes',
      periodStart: '2026-02-30',
      periodEnd: '2026-01-01',
      activities: ['fine', ''],
      addresses: [{ code: '13645006', display: 'COPD' }],
    });
    expect(checked.ok).toBe(false);
    const problems = checked.ok ? [] : checked.problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        'title is required',
        'kind must be one of urgent-care, end-of-life, crisis, other',
        'periodStart must be a date (YYYY-MM-DD)',
        'activities[1] is required',
        'addresses[0].code must be a SNOMED CT concept id (digits, with a valid check digit)',
      ]),
    );
  });

  it('refuses an end before the start, overlong text and control characters', () => {
    const problems = (input: Partial<SharedCarePlanInput>) => {
      const checked = checkCarePlanInput({ ...valid, ...input });
      return checked.ok ? [] : checked.problems;
    };
    expect(problems({ periodEnd: '2026-10-01' })).toEqual(['periodEnd must not be before periodStart']);
    expect(problems({ title: 'x'.repeat(201) })).toEqual(['title must be at most 200 characters']);
    expect(problems({ description: 'bell\u0007' })).toEqual(['description must be plain text (no control characters)']);
    expect(problems({ activities: Array.from({ length: 51 }, () => 'step') })).toEqual(['activities: at most 50']);
  });

  it('tells SNOMED CT concept ids by their check digit and partition', () => {
    for (const code of ['13645005', '73211009', '38341003', '195967001', '86406008']) expect(isSnomedConceptId(code)).toBe(true);
    // A wrong check digit, a description id (partition 01), a leading zero, too short.
    for (const code of ['13645006', '73211019', '013645005', '12345']) expect(isSnomedConceptId(code)).toBe(false);
  });

  it('wants a revocation reason of some substance', () => {
    expect(checkRevokeReason(' no ')).toEqual({ ok: false, problem: 'reason must be at least 10 characters' });
    expect(checkRevokeReason('  Superseded by the hospice plan ')).toEqual({ ok: true, reason: 'Superseded by the hospice plan' });
  });
});

describe('a version as a FHIR R4 CarePlan', () => {
  const checked = checkCarePlanInput(valid);
  if (!checked.ok) throw new Error('fixture must be valid');
  const resource = carePlanResource({
    planId: '6f1c1a1e-8d5b-4c7e-9a57-1b0e2b7c9d10',
    version: 2,
    nhsNumber: '9990001234',
    status: 'active',
    planCreatedAt: new Date('2026-11-01T09:00:00Z'),
    versionCreatedAt: new Date('2026-11-20T14:30:00Z'),
    author: { name: 'Sam Patel', role: 'social-worker', organisationCode: 'E09000019', organisationName: 'Islington Council' },
    content: checked.plan,
  });

  it('carries the version, the person, the kind, the period and who wrote it', () => {
    expect(resource).toMatchObject({
      resourceType: 'CarePlan',
      id: '6f1c1a1e-8d5b-4c7e-9a57-1b0e2b7c9d10',
      meta: { versionId: '2', lastUpdated: '2026-11-20T14:30:00.000Z' },
      status: 'active',
      intent: 'plan',
      title: 'Urgent care plan for breathlessness',
      subject: { identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990001234' } },
      period: { start: '2026-11-01', end: '2027-05-01' },
      created: '2026-11-01T09:00:00.000Z',
      author: { display: 'Sam Patel (social-worker, Islington Council)' },
      contributor: [{ identifier: { value: 'E09000019' }, display: 'Islington Council' }],
    });
    expect(resource.category?.[0]?.coding?.[0]).toEqual({
      system: SHARED_CARE_PLAN_KIND_SYSTEM,
      code: 'urgent-care',
      display: 'Urgent care plan',
    });
    expect(resource.activity?.map((activity) => activity.detail?.description)).toEqual(valid.activities);
  });

  it('addresses coded conditions through contained Conditions (R4 addresses references a Condition)', () => {
    expect(resource.addresses).toEqual([{ reference: '#addresses-1', display: 'Chronic obstructive lung disease' }]);
    expect(resource.contained?.[0]).toMatchObject({
      resourceType: 'Condition',
      id: 'addresses-1',
      code: { coding: [{ system: 'http://snomed.info/sct', code: '13645005' }] },
    });
  });

  it('names the conditions among its categories too, so that sensitive-code checks see them', () => {
    expect(resource.category?.[1]).toEqual({
      coding: [{ system: 'http://snomed.info/sct', code: '13645005', display: 'Chronic obstructive lung disease' }],
      text: 'Chronic obstructive lung disease',
    });
  });

  it('reads back the content it was made from (what a revocation keeps)', () => {
    const { changeNote: _note, ...content } = checked.plan;
    expect(contentOf(resource)).toEqual(content);
  });
});
