import type { Principal } from '../../../governance/index.js';
import { carriesSmartScopes, parseSmartScope, scopePermits } from './smart-scopes.js';

const clinician = (scopes?: string[]): Principal => ({
  kind: 'professional',
  subject: 'u1',
  issuer: 'https://idp.example/staff',
  roles: ['clinician'],
  roleCodes: ['S8000:G8000:R8000'],
  organisation: { code: 'F83001' },
  ...(scopes ? { scopes } : {}),
});
const resident = (scopes?: string[]): Principal => ({
  kind: 'resident',
  subject: 'r1',
  issuer: 'https://idp.example/residents',
  roles: ['resident'],
  roleCodes: [],
  nhsNumber: '9434765919',
  proofingLevel: 'P9',
  ...(scopes ? { scopes } : {}),
});

describe('parseSmartScope', () => {
  it('reads SMART v2 permissions and v1 read/write/* forms', () => {
    expect(parseSmartScope('user/*.rs')).toEqual({ context: 'user', resourceType: '*', read: true, search: true });
    expect(parseSmartScope('patient/Observation.r')).toEqual({
      context: 'patient',
      resourceType: 'Observation',
      read: true,
      search: false,
    });
    expect(parseSmartScope('system/Patient.cruds')).toMatchObject({ read: true, search: true });
    expect(parseSmartScope('user/Condition.read')).toMatchObject({ read: true, search: true });
    expect(parseSmartScope('user/*.*')).toMatchObject({ read: true, search: true });
    expect(parseSmartScope('user/Condition.write')).toMatchObject({ read: false, search: false });
  });

  it('grants nothing for scopes it cannot honour exactly: OIDC scopes, out-of-order letters, v2 query filters', () => {
    for (const scope of ['openid', 'profile', 'launch/patient', 'user/*.sr', 'patient/Observation.rs?category=laboratory', 'user/.rs'])
      expect(parseSmartScope(scope)).toBeUndefined();
  });
});

describe('scopePermits', () => {
  it('lets a token without SMART scopes through to the policy (no scope claim, or only CIS2/NHS login OIDC scopes)', () => {
    expect(scopePermits(clinician(), 'Condition', 'search')).toBe(true);
    expect(carriesSmartScopes(clinician(['openid', 'profile', 'nationalrbacaccess']))).toBe(false);
    expect(scopePermits(clinician(['openid', 'profile', 'nationalrbacaccess']), 'AuditEvent', 'search')).toBe(true);
  });

  it('holds a token that carries SMART scopes to them, by type and interaction', () => {
    const narrow = clinician(['openid', 'user/Patient.rs', 'user/Condition.s']);
    expect(scopePermits(narrow, 'Patient', 'read')).toBe(true);
    expect(scopePermits(narrow, 'Condition', 'search')).toBe(true);
    expect(scopePermits(narrow, 'Condition', 'read')).toBe(false);
    expect(scopePermits(narrow, 'AllergyIntolerance', 'search')).toBe(false);
    expect(scopePermits(clinician(['user/*.rs']), 'MedicationRequest', 'search')).toBe(true);
  });

  it('wants the launch context that fits the principal: user/ for staff, patient/ for residents', () => {
    expect(scopePermits(clinician(['patient/*.rs']), 'Patient', 'read')).toBe(false);
    expect(scopePermits(resident(['patient/*.rs']), 'Patient', 'read')).toBe(true);
    expect(scopePermits(resident(['user/*.rs']), 'Patient', 'read')).toBe(false);
    // A SMART-speaking token whose only resource scope is one the facade will not honour reaches nothing.
    expect(scopePermits(resident(['patient/Observation.rs?category=laboratory']), 'Observation', 'search')).toBe(false);
  });
});
