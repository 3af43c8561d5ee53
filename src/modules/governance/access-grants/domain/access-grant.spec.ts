import { resolve } from 'node:path';

import type { HubRole, Principal } from '../../domain/principal.js';
import { decideAccess } from '../../policy/access-decision.js';
import type { AccessPolicy } from '../../policy/access-policy.js';
import { loadAccessPolicyFile } from '../../policy/access-policy.loader.js';
import { activeGrantsOf, isRefusal, planGrant, type AccessGrantRecord, type GrantPlan } from './access-grant.js';

const policy: AccessPolicy = loadAccessPolicyFile(resolve(process.cwd(), 'config/access-policy.json'));
const NOW = new Date('2026-05-01T10:00:00Z');
const MINUTE_MS = 60_000;

function professional(...roles: HubRole[]): Principal {
  return { kind: 'professional', subject: 'u1', issuer: 'https://idp/staff', roles, roleCodes: [], organisation: { code: 'Y00001' } };
}

function grant(overrides: Partial<AccessGrantRecord>): AccessGrantRecord {
  return {
    id: 'g1',
    kind: 'break-glass',
    subject: 'u1',
    issuer: 'https://idp/staff',
    name: null,
    organisationCode: 'Y00001',
    hubRole: 'clinician',
    personId: 'p1',
    reason: 'Unconscious in ED, no history',
    startedAt: new Date(NOW.getTime() - 10 * MINUTE_MS),
    expiresAt: new Date(NOW.getTime() + 10 * MINUTE_MS),
    endedAt: null,
    ...overrides,
  };
}

describe('planGrant', () => {
  it('gives break-glass the policy maximum, ETREAT and the trimmed reason', () => {
    const plan = planGrant('break-glass', professional('clinician'), '  Collapsed in clinic  ', policy, NOW) as GrantPlan;
    expect(isRefusal(plan)).toBe(false);
    expect(plan).toMatchObject({ kind: 'break-glass', hubRole: 'clinician', purpose: 'ETREAT', reason: 'Collapsed in clinic' });
    expect(plan.expiresAt.getTime() - NOW.getTime()).toBe(policy.breakGlass.maximumMinutes * MINUTE_MS);
  });

  it("gives a self-declared relationship the policy's validity and the role's purpose", () => {
    const plan = planGrant(
      'self-declared',
      professional('care-worker', 'social-worker'),
      'Allocated this morning',
      policy,
      NOW,
    ) as GrantPlan;
    expect(plan).toMatchObject({ hubRole: 'social-worker', purpose: policy.roles['social-worker'].purposeOfUse });
    expect(plan.expiresAt.getTime() - NOW.getTime()).toBe(policy.selfDeclared.validMinutes * MINUTE_MS);
  });

  it('refuses short and over-long reasons, counting after trimming', () => {
    const minimum = policy.breakGlass.minimumReasonLength;
    for (const reason of ['', `   ${'a'.repeat(minimum - 1)}   `, 'b'.repeat(501)]) {
      expect(planGrant('break-glass', professional('clinician'), reason, policy, NOW)).toEqual({
        code: 'bad-input',
        message: `reason must be from ${minimum} to 500 characters (after trimming); it was ${reason.trim().length}`,
      });
    }
    expect(isRefusal(planGrant('break-glass', professional('clinician'), 'c'.repeat(500), policy, NOW))).toBe(false);
  });

  it('refuses non-professionals and roles the policy does not allow', () => {
    const resident: Principal = { kind: 'resident', subject: 'r', issuer: 'https://idp/residents', roles: ['resident'], roleCodes: [] };
    expect(planGrant('break-glass', resident, 'Looking at my own record', policy, NOW)).toMatchObject({ reason: 'not-a-professional' });
    expect(planGrant('break-glass', professional('social-worker'), 'Urgent safeguarding', policy, NOW)).toMatchObject({
      reason: 'break-glass-not-permitted',
    });
    expect(planGrant('self-declared', professional('care-worker'), 'New care package', policy, NOW)).toMatchObject({
      reason: 'self-declaration-not-permitted',
    });
  });
});

describe('activeGrantsOf', () => {
  it('keeps the newest live grant of each kind and drops expired and ended ones', () => {
    const active = activeGrantsOf(
      [
        grant({ id: 'old', reason: 'older break glass reason', startedAt: new Date(NOW.getTime() - 20 * MINUTE_MS) }),
        grant({ id: 'new', reason: 'newer break glass reason' }),
        grant({ id: 'expired', kind: 'self-declared', expiresAt: NOW }),
        grant({ id: 'ended', kind: 'self-declared', endedAt: new Date(NOW.getTime() - MINUTE_MS) }),
      ],
      NOW,
    );
    expect(active).toEqual({
      breakGlass: {
        reason: 'newer break glass reason',
        startedAt: new Date(NOW.getTime() - 10 * MINUTE_MS).toISOString(),
        expiresAt: new Date(NOW.getTime() + 10 * MINUTE_MS).toISOString(),
      },
    });
  });

  it('yields what the access policy accepts as break-glass', () => {
    const active = activeGrantsOf([grant({})], NOW);
    const decision = decideAccess(
      {
        principal: professional('clinician'),
        person: {
          id: 'p1',
          nhsNumber: '9434765919',
          restricted: false,
          consent: { optedOut: false, hiddenSections: [], refusesBreakGlass: false },
        },
        sections: ['allergies'],
        relationshipEvidence: [],
        organisationKinds: {},
        now: NOW,
        ...active,
      },
      policy,
    );
    expect(decision.outcome).toBe('break-glass');
    expect(decision.alertPrivacyOfficers).toBe(true);
  });
});
