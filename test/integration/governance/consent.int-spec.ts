import { randomBytes, randomUUID } from 'node:crypto';

import { DataSource } from 'typeorm';

import type { RunningHub } from '../../../src/bootstrap.js';
import {
  AccessPolicyService,
  ConsentSettings,
  GovernanceError,
  type AccessRequest,
  type PersonConsent,
  type Principal,
} from '../../../src/modules/governance/index.js';
import type { R4Resource } from '../../../src/fhir/index.js';
import { startTestHub } from '../../setup/test-hub.js';
import { fileRedisPrefix } from '../../setup/test-run.js';
import { nhsNumber } from '../identity-matching/identity-index-setup.js';

// A person's consent settings: stored by the hub, changed only by the person themself (each
// change with its history row and audit event), and read into the access policy's decisions.

interface AuditRow {
  action: string;
  outcome: string;
  outcome_reason: string | null;
  principal_kind: string;
  subject: string;
  nhs_number: string | null;
  query_kind: string;
  detail: Record<string, unknown>;
}

const STAFF_ISSUER = 'https://cis2.test/staff';
const RESIDENT_ISSUER = 'https://login.test/residents';

const residentFor = (number: string, proofingLevel: 'P0' | 'P5' | 'P9' = 'P9'): Principal => ({
  kind: 'resident',
  subject: `resident-${randomBytes(4).toString('hex')}`,
  issuer: RESIDENT_ISSUER,
  roles: ['resident'],
  roleCodes: [],
  nhsNumber: number,
  proofingLevel,
});

const staff = (role: 'clinician' | 'social-worker', organisationCode: string): Principal => ({
  kind: 'professional',
  subject: `${role}-${randomBytes(4).toString('hex')}`,
  issuer: STAFF_ISSUER,
  name: 'Test Professional',
  roles: [role],
  roleCodes: [role === 'clinician' ? 'S8000:G8000:R8000' : 'S8000:G8000:R8014'],
  organisation: { code: organisationCode },
});

/** The error a promise rejects with, or a failure if it resolves. */
async function refusal(promise: Promise<unknown>): Promise<GovernanceError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GovernanceError) return error;
    throw error;
  }
  throw new Error('the call was not refused');
}

describe('consent settings', () => {
  let hub: RunningHub;
  let consent: ConsentSettings;
  let policy: AccessPolicyService;

  beforeAll(async () => {
    hub = await startTestHub({ TESSERA_ROLE: 'api', REDIS_PREFIX: fileRedisPrefix() });
    consent = hub.app.get(ConsentSettings);
    policy = hub.app.get(AccessPolicyService);
  });
  afterAll(() => hub?.stop());

  const auditRows = (requestId: string) =>
    hub.app.get(DataSource).query<AuditRow[]>(
      `SELECT action, outcome, outcome_reason, principal_kind, subject, nhs_number, query_kind, detail
         FROM audit_event WHERE request_id = $1 ORDER BY id`,
      [requestId],
    );
  const storedRows = (number: string) =>
    hub.app.get(DataSource).query<Array<{ version: number }>>(`SELECT version FROM consent_setting WHERE nhs_number = $1`, [number]);

  it('are the defaults for a person who never set any: shared, nothing hidden, break-glass allowed', async () => {
    expect(await consent.forPerson(nhsNumber())).toEqual({ optedOut: false, hiddenSections: [], refusesBreakGlass: false });
    expect((await consent.settings(nhsNumber())).version).toBe(0);
  });

  it('are changed by the person and read back, with a history row and an audit event in the same request', async () => {
    const number = nhsNumber();
    const person = residentFor(number);
    const requestId = randomUUID();
    const saved = await consent.update(
      person,
      number,
      { hiddenSections: { 'social-care': ['conditions'], acute: ['conditions'] }, refusesBreakGlass: true },
      { requestId, expectedVersion: 0 },
    );
    expect(saved.version).toBe(1);
    expect(await consent.forPerson(number)).toEqual({
      optedOut: false,
      hiddenSections: [{ section: 'conditions', organisationKinds: ['acute', 'social-care'] }],
      refusesBreakGlass: true,
    });
    // The person may write their number as they read it off a letter.
    expect(await consent.forPerson(`${number.slice(0, 3)} ${number.slice(3, 6)} ${number.slice(6)}`)).toEqual(
      await consent.forPerson(number),
    );

    expect(await auditRows(requestId)).toEqual([
      {
        action: 'update',
        outcome: 'allowed',
        outcome_reason: null,
        principal_kind: 'resident',
        subject: person.subject,
        nhs_number: number,
        query_kind: 'consent.update',
        detail: { version: 1, changed: ['hiddenSections', 'refusesBreakGlass'] },
      },
    ]);

    await consent.update(person, number, { optedOut: true, hiddenSections: {} }, { expectedVersion: 1 });
    const history = await consent.history(number);
    expect(history.map(({ version, before, after, changedBy }) => ({ version, before, after, changedBy }))).toEqual([
      {
        version: 1,
        before: null,
        after: { optedOut: false, hiddenSections: { acute: ['conditions'], 'social-care': ['conditions'] }, refusesBreakGlass: true },
        changedBy: { subject: person.subject, issuer: RESIDENT_ISSUER },
      },
      {
        version: 2,
        before: { optedOut: false, hiddenSections: { acute: ['conditions'], 'social-care': ['conditions'] }, refusesBreakGlass: true },
        after: { optedOut: true, hiddenSections: {}, refusesBreakGlass: true },
        changedBy: { subject: person.subject, issuer: RESIDENT_ISSUER },
      },
    ]);
    expect(history[0]!.requestId).toBe(requestId);
    expect(await consent.forPerson(number)).toEqual({ optedOut: true, hiddenSections: [], refusesBreakGlass: true });
  });

  it('keep their history append-only: the database refuses to change or delete it', async () => {
    const number = nhsNumber();
    await consent.update(residentFor(number), number, { optedOut: true });
    const db = hub.app.get(DataSource);
    await expect(db.query(`UPDATE consent_change SET after = '{}' WHERE nhs_number = $1`, [number])).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM consent_change WHERE nhs_number = $1`, [number])).rejects.toThrow(/append-only/);
    expect(await consent.history(number)).toHaveLength(1);
  });

  it.each([
    ['another resident', () => residentFor(nhsNumber()), 'not-own-record'],
    ['the person signed in with only P5 proofing', (number: string) => residentFor(number, 'P5'), 'insufficient-proofing'],
    ['a professional', () => staff('clinician', 'F83001'), 'role-not-permitted'],
    [
      'a carer acting for the person',
      (number: string): Principal => ({
        ...residentFor(nhsNumber()),
        kind: 'carer',
        roles: ['carer'],
        actingFor: { nhsNumber: number, sections: ['allergies'], canAddReadings: true, expiresAt: '2099-01-01T00:00:00Z' },
      }),
      'role-not-permitted',
    ],
  ])('may not be changed by %s: FORBIDDEN with the reason, audited, nothing stored', async (_who, principalFor, reason) => {
    const number = nhsNumber();
    const caller = principalFor(number);
    const requestId = randomUUID();
    const error = await refusal(consent.update(caller, number, { optedOut: true }, { requestId }));
    expect({ code: error.code, reason: error.reason }).toEqual({ code: 'FORBIDDEN', reason });
    expect(await consent.forPerson(number)).toEqual({ optedOut: false, hiddenSections: [], refusesBreakGlass: false });
    expect(await storedRows(number)).toEqual([]);
    expect(await consent.history(number)).toEqual([]);
    expect(await auditRows(requestId)).toEqual([
      expect.objectContaining({
        action: 'update',
        outcome: 'denied',
        outcome_reason: reason,
        subject: caller.subject,
        nhs_number: number,
        query_kind: 'consent.update',
      }),
    ]);
  });

  it('refuse a change made from a stale version, keeping the other change', async () => {
    const number = nhsNumber();
    const person = residentFor(number);
    await consent.update(person, number, { optedOut: true }, { expectedVersion: 0 });
    // A second device still showing version 0.
    const error = await refusal(consent.update(person, number, { refusesBreakGlass: true }, { expectedVersion: 0 }));
    expect({ code: error.code, reason: error.reason }).toEqual({ code: 'BAD_INPUT', reason: 'version-conflict' });
    expect(error.message).toContain('now version 1');
    expect(await consent.forPerson(number)).toEqual({ optedOut: true, hiddenSections: [], refusesBreakGlass: false });
    expect(await consent.history(number)).toHaveLength(1);
  });

  it('serialise concurrent changes: each lands on its own version', async () => {
    const number = nhsNumber();
    const person = residentFor(number);
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, index) => consent.update(person, number, { optedOut: index % 2 === 0 }, { expectedVersion: 0 })),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    await Promise.all(Array.from({ length: 4 }, () => consent.update(person, number, { refusesBreakGlass: true })));
    expect((await consent.history(number)).map((change) => change.version)).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuse unknown sections and kinds of organisation with a precise message, storing nothing', async () => {
    const number = nhsNumber();
    const error = await refusal(
      consent.update(residentFor(number), number, { hiddenSections: { pharmacy: ['conditions'], 'social-care': ['mentalHealth'] } }),
    );
    expect({ code: error.code, reason: error.reason }).toEqual({ code: 'BAD_INPUT', reason: 'invalid-consent-change' });
    expect(error.message).toContain(
      'hiddenSections: "pharmacy" is not a kind of organisation (one of: gp, acute, mental-health, community, social-care)',
    );
    expect(error.message).toContain('hiddenSections.social-care: "mentalHealth" is not a record section (one of: demographics, allergies');
    expect(await storedRows(number)).toEqual([]);

    const invalidNumber = await refusal(consent.update(residentFor('1234567890'), '1234567890', { optedOut: true }));
    expect(invalidNumber.reason).toBe('invalid-nhs-number');
  });

  describe('in access decisions', () => {
    const now = new Date();
    const request = (
      principal: Principal,
      person: { number: string; consent: PersonConsent },
      extra: Partial<AccessRequest> = {},
    ): AccessRequest => ({
      principal,
      person: { id: randomUUID(), nhsNumber: person.number, restricted: false, consent: person.consent },
      sections: ['allergies', 'medications', 'conditions'],
      relationshipEvidence: [
        { kind: 'gp-registration', organisationCode: 'F83001', date: '2020-01-01' },
        { kind: 'social-care-allocation', organisationCode: 'E09000019', date: '2024-01-01' },
        { kind: 'attendance', organisationCode: 'R9A', date: new Date(now.getTime() - 86_400_000).toISOString() },
      ],
      organisationKinds: { F83001: 'gp', E09000019: 'social-care', R9A: 'acute' },
      now,
      ...extra,
    });
    const item: R4Resource = { resourceType: 'AllergyIntolerance', id: 'a1' } as R4Resource;

    it('hide a section from the kind of organisation the person chose, and only from it', async () => {
      const number = nhsNumber();
      await consent.update(residentFor(number), number, { hiddenSections: { 'social-care': ['medications'] } });
      const person = { number, consent: await consent.forPerson(number) };

      const socialWorker = policy.decide(request(staff('social-worker', 'E09000019'), person));
      expect(socialWorker.allows('allergies')).toBe(true);
      expect(socialWorker.allows('medications')).toBe(false);
      expect(socialWorker.deniedSections).toContainEqual({ section: 'medications', reason: 'hidden-by-person' });

      const gp = policy.decide(request(staff('clinician', 'F83001'), person));
      expect(gp.allows('medications')).toBe(true);
    });

    it("keep an opted-out person's record from other organisations, not from the professional's own", async () => {
      const number = nhsNumber();
      await consent.update(residentFor(number), number, { optedOut: true });
      const person = { number, consent: await consent.forPerson(number) };

      const hospital = policy.decide(request(staff('clinician', 'R9A'), person));
      expect(hospital.optedOutLimitsSharing).toBe(true);
      expect(hospital.itemFilter(item, 'allergies', { organisationCode: 'F83001', kind: 'gp' })).toEqual({ withhold: 'opted-out' });
      expect(hospital.itemFilter(item, 'allergies', { organisationCode: 'R9A', kind: 'acute' })).toBe('show');

      // Before opting out the same hospital saw the GP's entries, under the health network's agreement.
      const shared = policy.decide(request(staff('clinician', 'R9A'), { number, consent: { ...person.consent, optedOut: false } }));
      expect(shared.itemFilter(item, 'allergies', { organisationCode: 'F83001', kind: 'gp' })).toBe('show');
    });

    it('refuse break-glass when the person refused it', async () => {
      const number = nhsNumber();
      await consent.update(residentFor(number), number, { refusesBreakGlass: true });
      const person = { number, consent: await consent.forPerson(number) };
      const startedAt = new Date(now.getTime() - 60_000).toISOString();
      const breakGlass = {
        reason: 'unconscious in the emergency department',
        startedAt,
        expiresAt: new Date(now.getTime() + 3_600_000).toISOString(),
      };

      const stranger = staff('clinician', 'X26');
      const decision = policy.decide(request(stranger, person, { relationshipEvidence: [], breakGlass }));
      expect(decision.isAllowed).toBe(false);
      expect(decision.deniedSections.map((denial) => denial.reason)).toEqual([
        'break-glass-refused',
        'break-glass-refused',
        'break-glass-refused',
      ]);

      const withDefaults = policy.decide(
        request(stranger, { number, consent: await consent.forPerson(nhsNumber()) }, { relationshipEvidence: [], breakGlass }),
      );
      expect(withDefaults.outcome).toBe('break-glass');
    });
  });
});
