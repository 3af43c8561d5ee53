import { resolve } from 'node:path';

import type { Principal } from '../../domain/principal.js';
import type { AccessPolicy } from '../../policy/access-policy.js';
import { loadAccessPolicyFile } from '../../policy/access-policy.loader.js';
import {
  acceptorRefusal,
  type CarerDelegationRecord,
  DELEGATION_MAXIMUM_DAYS,
  delegationStatus,
  formatInvitationCode,
  INVITATION_CODE_BYTES,
  INVITATION_VALID_DAYS,
  invitationCodeHash,
  type InvitationPlan,
  isActiveDelegation,
  isDelegationRefusal,
  normaliseInvitationCode,
  parseActingFor,
  planInvitation,
  selfCareRefusal,
} from './carer-delegation.js';

const policy: AccessPolicy = loadAccessPolicyFile(resolve(process.cwd(), 'config/access-policy.json'));
const NOW = new Date('2026-05-01T10:00:00Z');
const DAY_MS = 86_400_000;
// Valid NHS numbers (modulus 11).
const PERSON = '9434765919';
const CARER = '9434765870';

const resident = (nhsNumber: string, proofingLevel: 'P0' | 'P5' | 'P9' = 'P9'): Principal => ({
  kind: 'resident',
  subject: `sub-${nhsNumber}`,
  issuer: 'https://login.test/residents',
  name: 'Rita Resident',
  roles: ['resident'],
  roleCodes: [],
  nhsNumber,
  proofingLevel,
});

const invitation = (overrides: Partial<Parameters<typeof planInvitation>[1]> = {}) => ({
  sections: ['medications', 'appointments'],
  canAddReadings: false,
  expiresAt: new Date(NOW.getTime() + 30 * DAY_MS),
  ...overrides,
});

function delegation(overrides: Partial<CarerDelegationRecord> = {}): CarerDelegationRecord {
  return {
    id: 'd1',
    personNhsNumber: PERSON,
    personName: null,
    invitedAt: new Date(NOW.getTime() - DAY_MS),
    invitationExpiresAt: new Date(NOW.getTime() + 6 * DAY_MS),
    carer: null,
    carerName: null,
    acceptedAt: null,
    sections: ['medications'],
    canAddReadings: false,
    expiresAt: new Date(NOW.getTime() + 29 * DAY_MS),
    revokedAt: null,
    revokedBy: null,
    ...overrides,
  };
}

describe('planInvitation', () => {
  it("is for the person's own record, with sections in the policy's order, each once, and the invitation valid for 7 days", () => {
    const plan = planInvitation(
      resident(PERSON),
      invitation({ sections: ['appointments', 'demographics', 'appointments'], carerName: '  Sam (son) ' }),
      policy,
      NOW,
    ) as InvitationPlan;
    expect(isDelegationRefusal(plan)).toBe(false);
    expect(plan).toMatchObject({
      personNhsNumber: PERSON,
      personName: 'Rita Resident',
      sections: ['demographics', 'appointments'],
      carerName: 'Sam (son)',
      invitedAt: NOW,
    });
    expect(plan.invitationExpiresAt.getTime() - NOW.getTime()).toBe(INVITATION_VALID_DAYS * DAY_MS);
  });

  it('lets the invitation lapse with the delegation when the delegation ends within the week', () => {
    const ends = new Date(NOW.getTime() + 2 * DAY_MS);
    const plan = planInvitation(resident(PERSON), invitation({ expiresAt: ends }), policy, NOW) as InvitationPlan;
    expect(plan.invitationExpiresAt).toEqual(ends);
  });

  it('refuses anyone but a P9 resident signed in as themself', () => {
    expect(planInvitation(resident(PERSON, 'P5'), invitation(), policy, NOW)).toMatchObject({
      code: 'forbidden',
      reason: 'insufficient-proofing',
    });
    const carer: Principal = { ...resident(CARER), kind: 'carer', roles: ['carer'] };
    expect(planInvitation(carer, invitation(), policy, NOW)).toMatchObject({ code: 'forbidden', reason: 'role-not-permitted' });
    const clinician: Principal = { kind: 'professional', subject: 'c', issuer: 'https://cis2', roles: ['clinician'], roleCodes: [] };
    expect(planInvitation(clinician, invitation(), policy, NOW)).toMatchObject({ code: 'forbidden', reason: 'role-not-permitted' });
  });

  it("refuses sections beyond the policy's carer list, naming them and what is allowed", () => {
    const refusal = planInvitation(resident(PERSON), invitation({ sections: ['medications', 'conditions'] }), policy, NOW);
    expect(policy.carers.sections).not.toContain('conditions');
    expect(refusal).toEqual({
      code: 'bad-input',
      reason: 'section-not-delegable',
      message: `carers cannot be given: conditions (the access policy allows: ${policy.carers.sections.join(', ')})`,
    });
  });

  it('refuses unknown sections and an empty list', () => {
    expect(planInvitation(resident(PERSON), invitation({ sections: ['medications', 'diary'] }), policy, NOW)).toMatchObject({
      code: 'bad-input',
      reason: 'invalid-sections',
      message: expect.stringContaining('"diary"') as string,
    });
    expect(planInvitation(resident(PERSON), invitation({ sections: [] }), policy, NOW)).toMatchObject({ reason: 'invalid-sections' });
  });

  it(`needs an expiry in the future and at most ${DELEGATION_MAXIMUM_DAYS} days away`, () => {
    for (const expiresAt of [
      NOW,
      new Date(NOW.getTime() - 1),
      new Date(Number.NaN),
      new Date(NOW.getTime() + (DELEGATION_MAXIMUM_DAYS * DAY_MS + 1)),
    ])
      expect(planInvitation(resident(PERSON), invitation({ expiresAt }), policy, NOW)).toMatchObject({
        code: 'bad-input',
        reason: 'invalid-expiry',
      });
    const longest = planInvitation(
      resident(PERSON),
      invitation({ expiresAt: new Date(NOW.getTime() + DELEGATION_MAXIMUM_DAYS * DAY_MS) }),
      policy,
      NOW,
    );
    expect(isDelegationRefusal(longest)).toBe(false);
  });

  it('refuses a carer name that is too long or holds control characters', () => {
    for (const carerName of ['x'.repeat(101), 'Sam\u0007', 'Sam\nSmith'])
      expect(planInvitation(resident(PERSON), invitation({ carerName }), policy, NOW)).toMatchObject({ reason: 'invalid-carer-name' });
    expect((planInvitation(resident(PERSON), invitation({ carerName: '   ' }), policy, NOW) as InvitationPlan).carerName).toBeNull();
  });
});

describe('accepting', () => {
  it("needs a resident signed in as themself at the policy's carer proofing", () => {
    expect(policy.carers.minimumProofing).toBe('P9');
    expect(acceptorRefusal(resident(CARER), policy)).toBeUndefined();
    expect(acceptorRefusal(resident(CARER, 'P5'), policy)).toMatchObject({ reason: 'insufficient-proofing' });
    expect(acceptorRefusal({ ...resident(CARER), kind: 'carer' }, policy)).toMatchObject({ reason: 'role-not-permitted' });
  });

  it('refuses the person as their own carer, however their number is written', () => {
    expect(selfCareRefusal(resident('943 476 5919'), delegation())).toMatchObject({ reason: 'cannot-care-for-self' });
    expect(selfCareRefusal(resident(CARER), delegation())).toBeUndefined();
  });
});

describe('delegation status', () => {
  const carer = { issuer: 'https://login.test/residents', subject: 'sub-carer' };

  it('is invited until the code is used or lapses', () => {
    expect(delegationStatus(delegation(), NOW)).toBe('invited');
    expect(delegationStatus(delegation({ invitationExpiresAt: NOW }), NOW)).toBe('invitation-expired');
  });

  it('is active from acceptance until it expires or is revoked, and only then lets the carer act', () => {
    const accepted = delegation({ carer, acceptedAt: NOW });
    expect(delegationStatus(accepted, NOW)).toBe('active');
    expect(isActiveDelegation(accepted, NOW)).toBe(true);
    expect(isActiveDelegation(accepted, accepted.expiresAt)).toBe(false);
    expect(delegationStatus(accepted, accepted.expiresAt)).toBe('expired');
    const revoked = { ...accepted, revokedAt: NOW, revokedBy: 'person' as const };
    expect(isActiveDelegation(revoked, NOW)).toBe(false);
    expect(delegationStatus(revoked, NOW)).toBe('revoked');
    // An invitation never used lets nobody in.
    expect(isActiveDelegation(delegation(), NOW)).toBe(false);
  });
});

describe('invitation codes', () => {
  const bytes = Uint8Array.from({ length: INVITATION_CODE_BYTES }, (_, index) => index * 37 + 11);

  it('are five groups of four from an alphabet without I, L, O or U', () => {
    const code = formatInvitationCode(bytes);
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$/);
    expect(formatInvitationCode(bytes)).toBe(code);
    expect(formatInvitationCode(Uint8Array.from(bytes, (byte) => byte ^ 1))).not.toBe(code);
    expect(formatInvitationCode(new Uint8Array(INVITATION_CODE_BYTES))).toBe('0000-0000-0000-0000-0000');
    expect(formatInvitationCode(new Uint8Array(INVITATION_CODE_BYTES).fill(255))).toBe('ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ');
  });

  it('survive being typed in lower case, without dashes, or with O and I for 0 and 1', () => {
    const code = '7K3M-Q9XD-2B8F-HW4N-C6R0';
    const normalised = normaliseInvitationCode(code)!;
    expect(normalised).toBe('7K3MQ9XD2B8FHW4NC6R0');
    for (const typed of ['7k3m q9xd 2b8f hw4n c6r0', '7K3MQ9XD2B8FHW4NC6RO', ' 7K3M-Q9XD-2B8F-HW4N-C6R0 '])
      expect(normaliseInvitationCode(typed)).toBe(normalised);
    expect(normaliseInvitationCode('7K3M-Q9XD-2B8F-HW4N-C6R1')).not.toBe(normalised);
  });

  it('are refused when they cannot be a code at all', () => {
    for (const typed of ['', '7K3M-Q9XD-2B8F-HW4N', '7K3M-Q9XD-2B8F-HW4N-C6R0X', '7K3M-Q9XD-2B8F-HW4N-C6U0', "x' OR 1=1 --"])
      expect(normaliseInvitationCode(typed)).toBeUndefined();
  });

  it('are stored as a SHA-256 that differs from code to code', () => {
    const hash = invitationCodeHash('7K3MQ9XD2B8FHW4NC6R0');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain('7K3M');
    expect(invitationCodeHash('7K3MQ9XD2B8FHW4NC6R1')).not.toBe(hash);
  });
});

describe('parseActingFor', () => {
  it('takes one valid NHS number, spaced or not', () => {
    expect(parseActingFor('943 476 5919')).toBe(PERSON);
    expect(parseActingFor(PERSON)).toBe(PERSON);
  });

  it('refuses anything else, and the header sent twice', () => {
    for (const header of ['9434765918', 'me', '', undefined, [PERSON, CARER]]) expect(parseActingFor(header)).toBeUndefined();
  });
});
