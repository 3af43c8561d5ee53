import { resolve } from 'node:path';

import type { R4Condition, R4Observation, R4Patient, R4Resource } from '../../../fhir/index.js';
import type { HubRole, Principal } from '../domain/principal.js';
import { AccessDecision, type AccessRequest, type DecisionGated, decideAccess, requireAccessDecision } from './access-decision.js';
import { type AccessPolicy, POLICY_SECTIONS, type PolicySection, STAFF_ROLES } from './access-policy.js';
import { loadAccessPolicyFile } from './access-policy.loader.js';

const policy: AccessPolicy = loadAccessPolicyFile(resolve(process.cwd(), 'config/access-policy.json'));
const NOW = new Date('2026-03-10T12:00:00Z');
const ALL: PolicySection[] = [...POLICY_SECTIONS];
const GP = 'F83001';
const HOSPITAL = 'R9A';
const COUNCIL = 'E09000019';
const CARE_PROVIDER = 'VN9A1';
const NHS = '9990001234';
const OTHER_NHS = '9990005678';

const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();
const minutesAgo = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();

function staff(role: HubRole, organisation: string, subject = 'user-1'): Principal {
  return {
    kind: 'professional',
    subject,
    issuer: 'https://idp/staff',
    roles: [role],
    roleCodes: ['S0:G0:R0'],
    organisation: { code: organisation },
  };
}

function request(
  principal: Principal,
  overrides: Partial<AccessRequest> = {},
  consent: Partial<AccessRequest['person']['consent']> = {},
): AccessRequest {
  return {
    principal,
    person: {
      id: 'person-1',
      nhsNumber: NHS,
      restricted: false,
      consent: { optedOut: false, hiddenSections: [], refusesBreakGlass: false, ...consent },
    },
    sections: ALL,
    relationshipEvidence: [],
    organisationKinds: { [GP]: 'gp', [HOSPITAL]: 'acute', [COUNCIL]: 'social-care', [CARE_PROVIDER]: 'social-care' },
    now: NOW,
    ...overrides,
  };
}

const registeredAt = (organisation: string) => [{ kind: 'gp-registration' as const, organisationCode: organisation, date: '2015-01-01' }];
const withGp = (principal: Principal, overrides: Partial<AccessRequest> = {}, consent = {}) =>
  request(principal, { relationshipEvidence: registeredAt(principal.organisation!.code), ...overrides }, consent);

const condition = (code: string, security: { system: string; code: string }[] = []): R4Condition => ({
  resourceType: 'Condition',
  subject: { reference: 'Patient/1' },
  code: { coding: [{ system: 'http://snomed.info/sct', code }] },
  meta: { security },
});

describe('decideAccess: the role by section matrix', () => {
  // Table-driven from the policy file itself: every staff role, every section.
  const cases = STAFF_ROLES.flatMap((role) =>
    POLICY_SECTIONS.map((section) => [role, section, policy.roles[role].sections.includes(section)] as const),
  );
  it.each(cases)('%s asking for %s: allowed %s', (role, section, expected) => {
    const decision = decideAccess(withGp(staff(role, GP), { sections: [section] }), policy);
    expect(decision.allows(section)).toBe(expected);
    if (!expected) expect(decision.deniedSections).toEqual([{ section, reason: 'role-not-permitted' }]);
  });

  it('gives a care worker allergies, medicines, care plans and appointments only', () => {
    const decision = decideAccess(withGp(staff('care-worker', CARE_PROVIDER)), policy);
    expect(decision.allowedSections).toEqual(['allergies', 'medications', 'appointments', 'carePlans']);
    expect(decision.deniedSections.map((d) => d.reason)).toEqual([
      'role-not-permitted',
      'role-not-permitted',
      'role-not-permitted',
      'role-not-permitted',
    ]);
  });

  it('gives an admin clerk demographics and appointments, for patient administration', () => {
    const decision = decideAccess(withGp(staff('admin-clerk', GP)), policy);
    expect(decision.allowedSections).toEqual(['demographics', 'appointments']);
    expect(decision.purposeOfUse).toBe('PATADMIN');
  });

  it.each(['operator', 'privacy-officer', 'analyst', 'data-steward'] as const)('gives a %s no section of the record', (role) => {
    const decision = decideAccess(withGp(staff(role, GP)), policy);
    expect(decision.outcome).toBe('denied');
    expect(decision.basis).toBe('none');
    expect(decision.deniedSections).toHaveLength(ALL.length);
  });
});

describe('decideAccess: a legitimate relationship', () => {
  const clinician = staff('clinician', HOSPITAL);

  it.each([
    ['a current GP registration', { kind: 'gp-registration', organisationCode: HOSPITAL, date: '2020-01-01' }, true],
    [
      'a GP registration that ended',
      { kind: 'gp-registration', organisationCode: HOSPITAL, date: '2020-01-01', endDate: daysAgo(1) },
      false,
    ],
    ['an inpatient stay', { kind: 'admission', organisationCode: HOSPITAL, date: daysAgo(3) }, true],
    ['a discharge 89 days ago', { kind: 'admission', organisationCode: HOSPITAL, date: daysAgo(100), dischargeDate: daysAgo(89) }, true],
    ['a discharge 91 days ago', { kind: 'admission', organisationCode: HOSPITAL, date: daysAgo(100), dischargeDate: daysAgo(91) }, false],
    ['an attendance 29 days ago', { kind: 'attendance', organisationCode: HOSPITAL, date: daysAgo(29) }, true],
    ['an attendance 31 days ago', { kind: 'attendance', organisationCode: HOSPITAL, date: daysAgo(31) }, false],
    ['a referral 179 days ago', { kind: 'referral', organisationCode: HOSPITAL, date: daysAgo(179) }, true],
    ['a referral 181 days ago', { kind: 'referral', organisationCode: HOSPITAL, date: daysAgo(181) }, false],
    ['an open social care allocation', { kind: 'social-care-allocation', organisationCode: HOSPITAL, date: daysAgo(400) }, true],
    [
      'an allocation closed 31 days ago',
      { kind: 'social-care-allocation', organisationCode: HOSPITAL, date: daysAgo(400), closedDate: daysAgo(31) },
      false,
    ],
    [
      'care team membership',
      { kind: 'care-team-membership', organisationCode: HOSPITAL, date: daysAgo(10), memberSubject: 'user-1' },
      true,
    ],
    [
      'another user’s care team membership',
      { kind: 'care-team-membership', organisationCode: HOSPITAL, date: daysAgo(10), memberSubject: 'user-2' },
      false,
    ],
    ['an attendance at another organisation', { kind: 'attendance', organisationCode: 'R9M', date: daysAgo(1) }, false],
    ['an admission booked for next week', { kind: 'admission', organisationCode: HOSPITAL, date: '2026-03-17' }, false],
  ] as const)('%s: allowed %s', (_label, event, allowed) => {
    const decision = decideAccess(request(clinician, { relationshipEvidence: [event] }), policy);
    expect(decision.outcome).toBe(allowed ? 'allowed' : 'denied');
    if (allowed) {
      expect(decision.basis).toBe('relationship');
      expect(decision.relationship).toEqual({ kind: event.kind, organisationCode: event.organisationCode, date: event.date });
      expect(decision.purposeOfUse).toBe('TREAT');
    } else {
      expect(decision.deniedSections.every((d) => d.reason === 'no-relationship')).toBe(true);
    }
  });

  it('allows a self-declared relationship with a reason, flagged, and time-limited', () => {
    const decision = decideAccess(
      request(clinician, { selfDeclared: { reason: 'Covering the ward tonight', declaredAt: minutesAgo(58) } }),
      policy,
    );
    expect(decision.outcome).toBe('self-declared');
    expect(decision.basis).toBe('self-declared');
    expect(decision.statedReason).toBe('Covering the ward tonight');
    expect(decision.expiresAt.toISOString()).toBe(new Date(NOW.getTime() + 2 * 60_000).toISOString());
    expect(decision.alertPrivacyOfficers).toBe(false);
  });

  it('refuses a self-declaration without a real reason, one that has lapsed, and one from a role that may not', () => {
    const blank = decideAccess(request(clinician, { selfDeclared: { reason: '  ok  ', declaredAt: minutesAgo(1) } }), policy);
    expect(blank.deniedSections[0]).toEqual({ section: 'demographics', reason: 'reason-required' });
    const lapsed = decideAccess(
      request(clinician, { selfDeclared: { reason: 'Covering the ward tonight', declaredAt: minutesAgo(61) } }),
      policy,
    );
    expect(lapsed.deniedSections[0]!.reason).toBe('self-declaration-expired');
    const careWorker = decideAccess(
      request(staff('care-worker', CARE_PROVIDER), { selfDeclared: { reason: 'New client today', declaredAt: minutesAgo(1) } }),
      policy,
    );
    expect(careWorker.deniedSections.find((d) => d.section === 'allergies')!.reason).toBe('self-declaration-not-permitted');
  });

  it('denies a professional acting for no organisation', () => {
    const principal: Principal = { ...clinician };
    delete principal.organisation;
    expect(decideAccess(request(principal, { relationshipEvidence: registeredAt(HOSPITAL) }), policy).deniedSections[0]!.reason).toBe(
      'no-organisation',
    );
  });
});

describe('decideAccess: break-glass', () => {
  const clinician = staff('clinician', HOSPITAL);
  const glass = {
    reason: 'Unconscious in ED, no history available',
    startedAt: minutesAgo(10),
    expiresAt: new Date(NOW.getTime() + 60 * 60_000).toISOString(),
  };

  it('allows with a reason, for emergency treatment, until it expires, and asks for privacy officers to be alerted', () => {
    const decision = decideAccess(request(clinician, { breakGlass: glass }), policy);
    expect(decision.outcome).toBe('break-glass');
    expect(decision.purposeOfUse).toBe('ETREAT');
    expect(decision.alertPrivacyOfficers).toBe(true);
    expect(decision.statedReason).toBe(glass.reason);
    expect(decision.allowedSections).toEqual(ALL);
    expect(decision.expiresAt.getTime()).toBeLessThanOrEqual(NOW.getTime() + policy.decisionTtlSeconds * 1000);
  });

  it('holds break-glass to the policy maximum however long was asked for', () => {
    const long = { ...glass, startedAt: minutesAgo(241), expiresAt: new Date(NOW.getTime() + 86_400_000).toISOString() };
    expect(decideAccess(request(clinician, { breakGlass: long }), policy).deniedSections[0]!.reason).toBe('break-glass-expired');
  });

  it('refuses break-glass without a reason, from a role that may not, and when the person refused it', () => {
    expect(decideAccess(request(clinician, { breakGlass: { ...glass, reason: '' } }), policy).deniedSections[0]!.reason).toBe(
      'reason-required',
    );
    expect(
      decideAccess(request(staff('social-worker', COUNCIL), { breakGlass: glass }), policy).deniedSections.find(
        (d) => d.section === 'allergies',
      )!.reason,
    ).toBe('break-glass-not-permitted');
    const refused = decideAccess(request(clinician, { breakGlass: glass }, { refusesBreakGlass: true }), policy);
    expect(refused.outcome).toBe('denied');
    expect(refused.alertPrivacyOfficers).toBe(false);
    expect(refused.deniedSections.every((d) => d.reason === 'break-glass-refused')).toBe(true);
  });

  it('falls back to a relationship when break-glass is refused but a relationship exists', () => {
    const decision = decideAccess(
      request(clinician, { breakGlass: glass, relationshipEvidence: registeredAt(HOSPITAL) }, { refusesBreakGlass: true }),
      policy,
    );
    expect(decision.basis).toBe('relationship');
  });
});

describe('decideAccess: consent', () => {
  const gp = staff('clinician', GP);

  it('limits professionals to their own organisation’s data when the person opted out', () => {
    const decision = decideAccess(withGp(gp, {}, { optedOut: true }), policy);
    expect(decision.outcome).toBe('allowed');
    expect(decision.sourceAllowed(GP, 'medications')).toBe(true);
    expect(decision.sourceAllowed(HOSPITAL, 'medications')).toBe(false);
    expect(decision.itemFilter(condition('38341003'), 'conditions', { organisationCode: HOSPITAL })).toEqual({ withhold: 'opted-out' });
  });

  it('lets break-glass set an opt-out aside', () => {
    const glass = {
      reason: 'Collapsed at the surgery',
      startedAt: minutesAgo(1),
      expiresAt: new Date(NOW.getTime() + 3_600_000).toISOString(),
    };
    const decision = decideAccess(withGp(gp, { breakGlass: glass }, { optedOut: true }), policy);
    expect(decision.consentOverridden).toBe(true);
    expect(decision.sourceAllowed(HOSPITAL, 'medications')).toBe(true);
  });

  it('hides the sections the person hid from a kind of organisation', () => {
    const hidden = { hiddenSections: [{ section: 'conditions' as const, organisationKinds: ['social-care' as const] }] };
    const socialWorker = decideAccess(withGp(staff('social-worker', COUNCIL), {}, hidden), policy);
    expect(socialWorker.deniedSections).toContainEqual({ section: 'conditions', reason: 'hidden-by-person' });
    expect(decideAccess(withGp(gp, {}, hidden), policy).allows('conditions')).toBe(true);
  });

  it('withholds the person’s privately labelled entries from professionals and carers, not from the person', () => {
    const entry = condition('38341003', [policy.privacyLabel]);
    const phr = { organisationCode: GP };
    expect(decideAccess(withGp(gp), policy).itemFilter(entry, 'conditions', phr)).toEqual({ withhold: 'private-to-person' });
    const self = decideAccess(
      request({ kind: 'resident', subject: 's', issuer: 'r', roles: ['resident'], roleCodes: [], nhsNumber: NHS, proofingLevel: 'P9' }),
      policy,
    );
    expect(self.itemFilter(entry, 'conditions', phr)).toBe('show');
  });
});

describe('decideAccess: sharing agreements', () => {
  it('lets a source’s section reach a requester only under a network or agreement', () => {
    const careWorker = decideAccess(withGp(staff('care-worker', CARE_PROVIDER)), policy);
    expect(careWorker.sourceAllowed('F83017', 'medications')).toBe(true); // health-to-social-care
    expect(careWorker.sourceAllowed('R9M', 'carePlans')).toBe(true);
    const socialWorker = decideAccess(withGp(staff('social-worker', COUNCIL)), policy);
    expect(socialWorker.sourceAllowed(HOSPITAL, 'conditions')).toBe(true); // health-to-council-conditions
    expect(socialWorker.sourceAllowed('X26', 'conditions')).toBe(false);
    const hospital = decideAccess(withGp(staff('clinician', HOSPITAL)), policy);
    expect(hospital.sourceAllowed(COUNCIL, 'carePlans')).toBe(true);
    expect(hospital.sourceAllowed(COUNCIL, 'medications')).toBe(false);
    expect(hospital.sourceAllowed('ZZ999', 'medications')).toBe(false);
    expect(hospital.itemFilter(condition('38341003'), 'conditions', { organisationCode: 'ZZ999' })).toEqual({
      withhold: 'outside-sharing-agreement',
    });
  });

  it('never lets a source widen a section the decision did not allow', () => {
    const clerk = decideAccess(withGp(staff('admin-clerk', GP)), policy);
    expect(clerk.sourceAllowed(GP, 'medications')).toBe(false);
    expect(clerk.itemFilter(condition('38341003'), 'conditions', { organisationCode: GP })).toEqual({ withhold: 'section-not-permitted' });
  });
});

describe('decideAccess: sensitive data', () => {
  const hospital = decideAccess(withGp(staff('clinician', HOSPITAL)), policy);

  it.each(policy.sensitive.lists.map((list) => [list.name, list.codes[0]!.code]))(
    'withholds a %s item (%s) from the shared view',
    (list, code) => {
      expect(hospital.itemFilter(condition(code), 'conditions', { organisationCode: GP })).toEqual({ withhold: 'sensitive', list });
    },
  );

  it('shows a sensitive item the source labelled shareable, and ordinary items', () => {
    expect(hospital.itemFilter(condition('86406008', [policy.sensitive.shareableLabel]), 'conditions', { organisationCode: GP })).toBe(
      'show',
    );
    expect(hospital.itemFilter(condition('38341003'), 'conditions', { organisationCode: GP })).toBe('show');
  });

  it('finds sensitive codes in a medication, an appointment’s reason and a care plan activity', () => {
    const snomed = (code: string) => ({ coding: [{ system: 'http://snomed.info/sct', code }] });
    const items: R4Resource[] = [
      { resourceType: 'MedicationStatement', status: 'active', subject: {}, medicationCodeableConcept: snomed('86406008') } as R4Resource,
      { resourceType: 'Appointment', status: 'booked', participant: [], reasonCode: [snomed('52637005')] } as R4Resource,
      {
        resourceType: 'CarePlan',
        status: 'active',
        intent: 'plan',
        subject: {},
        activity: [{ detail: { status: 'scheduled', code: snomed('93461009') } }],
      } as R4Resource,
    ];
    expect(items.map((item) => hospital.itemFilter(item, 'medications', { organisationCode: GP }))).toEqual([
      { withhold: 'sensitive', list: 'sexual-health' },
      { withhold: 'sensitive', list: 'ivf' },
      { withhold: 'sensitive', list: 'gender-identity' },
    ]);
  });

  it('shows an organisation its own sensitive entries, and the person theirs', () => {
    const gp = decideAccess(withGp(staff('clinician', GP)), policy);
    expect(gp.itemFilter(condition('86406008'), 'conditions', { organisationCode: GP })).toBe('show');
    const self = decideAccess(
      request({ kind: 'resident', subject: 's', issuer: 'r', roles: ['resident'], roleCodes: [], nhsNumber: NHS, proofingLevel: 'P9' }),
      policy,
    );
    expect(self.itemFilter(condition('86406008'), 'conditions', { organisationCode: HOSPITAL })).toBe('show');
  });

  it('never shows a restricted record’s address, telecom or GP, and leaves an ordinary record alone', () => {
    const patient: R4Patient = {
      resourceType: 'Patient',
      name: [{ family: 'Example' }],
      address: [{ postalCode: 'N1 1AA' }],
      telecom: [{ system: 'phone', value: '0207' }],
      generalPractitioner: [{ reference: 'Organization/F83001' }],
      contact: [{ name: { family: 'Kin' }, address: { postalCode: 'N1 2BB' } }],
    };
    const restricted = decideAccess(
      { ...withGp(staff('clinician', GP)), person: { ...request(staff('clinician', GP)).person, restricted: true } },
      policy,
    );
    const shown = restricted.redactDemographics(patient);
    expect(JSON.stringify(shown)).not.toMatch(/N1 1AA|N1 2BB|0207|F83001/);
    expect(shown.name).toEqual([{ family: 'Example' }]);
    expect(hospital.redactDemographics(patient)).toEqual(patient);
  });
});

describe('decideAccess: residents', () => {
  const resident = (nhsNumber: string, proofingLevel: 'P0' | 'P5' | 'P9'): Principal => ({
    kind: 'resident',
    subject: 'nhs-login-sub',
    issuer: 'https://idp/residents',
    roles: ['resident'],
    roleCodes: [],
    nhsNumber,
    proofingLevel,
  });

  it('sees their whole record at P9, on their own request', () => {
    const decision = decideAccess(request(resident('999 000 1234', 'P9')), policy);
    expect(decision.allowedSections).toEqual(ALL);
    expect(decision.basis).toBe('own-record');
    expect(decision.purposeOfUse).toBe('PATRQT');
  });

  it('sees only demographics and appointments at P5, and nothing at P0', () => {
    const p5 = decideAccess(request(resident(NHS, 'P5')), policy);
    expect(p5.allowedSections).toEqual(['demographics', 'appointments']);
    expect(p5.deniedSections).toContainEqual({ section: 'medications', reason: 'insufficient-proofing' });
    expect(decideAccess(request(resident(NHS, 'P0')), policy).outcome).toBe('denied');
  });

  it('cannot see anyone else’s record', () => {
    const decision = decideAccess(request(resident(OTHER_NHS, 'P9')), policy);
    expect(decision.outcome).toBe('denied');
    expect(decision.deniedSections.every((d) => d.reason === 'not-own-record')).toBe(true);
  });

  it('sees a result only after the release delay', () => {
    const decision = decideAccess(request(resident(NHS, 'P9')), policy);
    const result = (days: number): R4Observation => ({ resourceType: 'Observation', status: 'final', code: {}, issued: daysAgo(days) });
    expect(decision.itemFilter(result(6), 'observations', { organisationCode: HOSPITAL })).toEqual({ withhold: 'result-not-yet-released' });
    expect(decision.itemFilter(result(8), 'observations', { organisationCode: HOSPITAL })).toBe('show');
  });

  it('sees a reading they recorded themself at once: their own entries are not results awaiting release', () => {
    const decision = decideAccess(request(resident(NHS, 'P9')), policy);
    const reading: R4Observation = { resourceType: 'Observation', status: 'final', code: {}, issued: daysAgo(0) };
    expect(decision.itemFilter(reading, 'observations', { organisationCode: 'TESSERA', kind: 'phr' })).toBe('show');
    expect(decision.itemFilter(reading, 'observations', { organisationCode: HOSPITAL, kind: 'acute' })).toEqual({
      withhold: 'result-not-yet-released',
    });
  });
});

describe('decideAccess: carers', () => {
  const carer = (actingFor: Principal['actingFor'], proofingLevel: 'P5' | 'P9' = 'P9'): Principal => ({
    kind: 'carer',
    subject: 'carer-sub',
    issuer: 'https://idp/residents',
    roles: ['carer'],
    roleCodes: [],
    nhsNumber: OTHER_NHS,
    proofingLevel,
    ...(actingFor ? { actingFor } : {}),
  });
  const delegation = {
    nhsNumber: NHS,
    sections: ['medications', 'appointments'] as const,
    canAddReadings: false,
    expiresAt: '2026-04-01T00:00:00Z',
  };

  it('sees only the delegated sections, until the delegation ends', () => {
    const decision = decideAccess(request(carer({ ...delegation, sections: [...delegation.sections] })), policy);
    expect(decision.allowedSections).toEqual(['medications', 'appointments']);
    expect(decision.basis).toBe('delegated');
    expect(decision.deniedSections).toContainEqual({ section: 'allergies', reason: 'not-delegated' });
    expect(decision.deniedSections).toContainEqual({ section: 'conditions', reason: 'role-not-permitted' });
    expect(decision.expiresAt.getTime()).toBeLessThanOrEqual(Date.parse(delegation.expiresAt));
  });

  it('is refused after expiry, for another resident, and below P9', () => {
    const sections = [...delegation.sections];
    expect(decideAccess(request(carer({ ...delegation, sections, expiresAt: minutesAgo(1) })), policy).deniedSections[0]!.reason).toBe(
      'delegation-expired',
    );
    expect(decideAccess(request(carer({ ...delegation, sections, nhsNumber: '9990009999' })), policy).deniedSections[0]!.reason).toBe(
      'not-delegated',
    );
    expect(decideAccess(request(carer({ ...delegation, sections }, 'P5')), policy).deniedSections[0]!.reason).toBe('insufficient-proofing');
  });
});

describe('decideAccess: services', () => {
  const service = (scopes: string[]): Principal => ({
    kind: 'service',
    subject: 'tessera-demo-service',
    issuer: 'https://idp/staff',
    roles: ['service'],
    roleCodes: [],
    scopes,
  });

  it('maps scopes to sections', () => {
    const decision = decideAccess(request(service(['tessera:service'])), policy);
    expect(decision.allowedSections).toEqual(['demographics', 'appointments']);
    expect(decision.basis).toBe('service');
    expect(decision.deniedSections).toContainEqual({ section: 'medications', reason: 'scope-not-granted' });
    expect(decideAccess(request(service([])), policy).outcome).toBe('denied');
  });

  it('sees nothing of a person who opted out', () => {
    const decision = decideAccess(request(service(['tessera:service']), {}, { optedOut: true }), policy);
    expect(decision.deniedSections).toContainEqual({ section: 'appointments', reason: 'opted-out' });
    expect(decision.outcome).toBe('denied');
  });
});

describe('AccessDecision: only the policy makes one', () => {
  it('is not something a plain object can stand in for', () => {
    const fetchMedicines: DecisionGated<[string], string[]> = (decision) => (decision.allows('medications') ? ['ok'] : []);
    const forged = { allowedSections: ALL, allows: () => true, outcome: 'allowed', basis: 'relationship' };
    // @ts-expect-error a plain object literal is not an AccessDecision (the private members make it nominal)
    expect(() => requireAccessDecision(fetchMedicines(forged, 'person-1') && forged, NOW)).toThrow(TypeError);
    // @ts-expect-error the constructor is private
    expect(() => new AccessDecision()).toThrow();
    const copy = Object.create(AccessDecision.prototype) as AccessDecision;
    expect(() => requireAccessDecision(copy, NOW)).toThrow('clinical data needs an access decision made by the policy');
  });

  it('passes a real decision until it expires, and cannot be changed', () => {
    const decision = decideAccess(withGp(staff('clinician', GP)), policy);
    expect(requireAccessDecision(decision, NOW)).toBe(decision);
    expect(() => requireAccessDecision(decision, new Date(NOW.getTime() + policy.decisionTtlSeconds * 1000))).toThrow(/expired/);
    expect(() => (decision.allowedSections as PolicySection[]).push('demographics')).toThrow(TypeError);
    expect(() => Object.assign(decision, { basis: 'break-glass' })).toThrow(TypeError);
  });

  it('ignores repeated and unknown section names', () => {
    const decision = decideAccess(
      withGp(staff('care-worker', CARE_PROVIDER), { sections: ['allergies', 'allergies', 'secrets' as PolicySection] }),
      policy,
    );
    expect(decision.requestedSections).toEqual(['allergies']);
    expect(decision.allowedSections).toEqual(['allergies']);
  });
});

describe('decideAccess: reading the identity index', () => {
  const indexRead = (principal: Principal, overrides: Partial<AccessRequest> = {}, consent = {}) =>
    request(principal, { context: 'identity-index', sections: ['demographics'], ...overrides }, consent);

  it('gives a data steward demographics without a relationship, for health care operations', () => {
    const decision = decideAccess(indexRead(staff('data-steward', GP)), policy);
    expect(decision.outcome).toBe('allowed');
    expect(decision.basis).toBe('identity-stewardship');
    expect(decision.allowedSections).toEqual(['demographics']);
    expect(decision.purposeOfUse).toBe('HOPERAT');
  });

  it('gives an operator demographics for system administration', () => {
    const decision = decideAccess(indexRead(staff('operator', GP)), policy);
    expect(decision.allowedSections).toEqual(['demographics']);
    expect(decision.purposeOfUse).toBe('HSYSADMIN');
  });

  it('applies no sharing choice: the index is how the hub knows who the person is', () => {
    const decision = decideAccess(indexRead(staff('data-steward', GP), {}, { optedOut: true, refusesBreakGlass: true }), policy);
    expect(decision.outcome).toBe('allowed');
  });

  it('gives a data steward nothing of the record itself through the index', () => {
    const decision = decideAccess(indexRead(staff('data-steward', GP), { sections: ['demographics', 'medications'] }), policy);
    expect(decision.allowedSections).toEqual(['demographics']);
    expect(decision.deniedSections).toEqual([{ section: 'medications', reason: 'role-not-permitted' }]);
  });

  it.each(['clinician', 'admin-clerk', 'privacy-officer', 'analyst'] as const)('refuses a %s, even with a relationship', (role) => {
    const decision = decideAccess(indexRead(staff(role, GP), { relationshipEvidence: registeredAt(GP) }), policy);
    expect(decision.outcome).toBe('denied');
    expect(decision.deniedSections).toEqual([{ section: 'demographics', reason: 'role-not-permitted' }]);
  });

  it('refuses a resident their own entry in the index (they read their record instead)', () => {
    const resident: Principal = {
      kind: 'resident',
      subject: 'r',
      issuer: 'i',
      roles: ['resident'],
      roleCodes: [],
      nhsNumber: NHS,
      proofingLevel: 'P9',
    };
    expect(decideAccess(indexRead(resident), policy).outcome).toBe('denied');
  });
});
