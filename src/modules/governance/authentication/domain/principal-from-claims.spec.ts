import { GovernanceError, GovernanceErrorCode } from '../../governance.errors.js';
import { principalFromClaims, type ClaimSet, type TokenSource } from './principal-from-claims.js';
import { RoleMap } from './role-map.js';

const roles = RoleMap.parse({
  roles: {
    R8000: { name: 'Clinical Practitioner', hubRole: 'clinician', principalKind: 'professional' },
    R8008: { name: 'Admin/Clinical Support', hubRole: 'admin-clerk', principalKind: 'professional' },
    RSB03: { name: 'Analyst', hubRole: 'analyst', principalKind: 'analyst' },
  },
});
const staffIssuer: TokenSource = { issuer: 'https://idp.example/staff', kind: 'staff' };
const residentIssuer: TokenSource = { issuer: 'https://idp.example/residents', kind: 'resident' };
// A valid NHS number (check digit correct) in the test range.
const NHS_NUMBER = '9434765919';

function refusal(build: () => unknown): GovernanceError {
  try {
    build();
  } catch (error) {
    if (error instanceof GovernanceError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const gp: ClaimSet = {
  sub: '555000000001',
  name: 'Dr Amara Okafor',
  nhsid_nrbac_roles: [
    { person_roleid: 'role-1', org_code: 'A81001', role_code: 'S8000:G8000:R8000' },
    { person_roleid: 'role-2', org_code: 'RX1', role_code: 'S8001:G8002:R8008' },
  ],
  nhsid_user_orgs: [
    { org_code: 'A81001', org_name: 'Riverside Practice' },
    { org_code: 'RX1', org_name: 'General Hospital' },
  ],
};

describe('principalFromClaims', () => {
  it('makes a professional of a staff token from its selected role and that role’s organisation', () => {
    const principal = principalFromClaims({ ...gp, selected_roleid: 'role-2' }, staffIssuer, roles);
    expect(principal).toEqual({
      kind: 'professional',
      subject: '555000000001',
      issuer: 'https://idp.example/staff',
      name: 'Dr Amara Okafor',
      roles: ['admin-clerk'],
      roleCodes: ['S8001:G8002:R8008'],
      organisation: { code: 'RX1', name: 'General Hospital' },
    });
  });

  it('uses every mapped role when none is selected, acting for the first role’s organisation', () => {
    const principal = principalFromClaims(gp, staffIssuer, roles);
    expect(principal.roles).toEqual(['clinician', 'admin-clerk']);
    expect(principal.organisation).toEqual({ code: 'A81001', name: 'Riverside Practice' });
  });

  it('refuses a staff token whose roles map to no hub role', () => {
    const claims = { ...gp, nhsid_nrbac_roles: [{ person_roleid: 'r', org_code: 'A81001', role_code: 'S1:G1:R9999' }] };
    const error = refusal(() => principalFromClaims(claims, staffIssuer, roles));
    expect(error).toMatchObject({ code: GovernanceErrorCode.Unauthenticated, reason: 'unmapped-role' });
  });

  it('refuses a staff token with no roles at all', () => {
    const { nhsid_nrbac_roles: _roles, ...claims } = gp;
    expect(refusal(() => principalFromClaims(claims, staffIssuer, roles)).reason).toBe('unmapped-role');
  });

  it('refuses a selected role the token does not hold', () => {
    expect(refusal(() => principalFromClaims({ ...gp, selected_roleid: 'role-9' }, staffIssuer, roles)).reason).toBe('unmapped-role');
  });

  it('refuses roles of different kinds when none is selected', () => {
    const claims = {
      ...gp,
      nhsid_nrbac_roles: [
        { person_roleid: 'a', org_code: 'A81001', role_code: 'S8000:G8000:R8000' },
        { person_roleid: 'b', org_code: 'Y9T01', role_code: 'SSB00:GSB00:RSB03' },
      ],
    };
    expect(refusal(() => principalFromClaims(claims, staffIssuer, roles)).reason).toBe('ambiguous-role');
    expect(principalFromClaims({ ...claims, selected_roleid: 'b' }, staffIssuer, roles)).toMatchObject({
      kind: 'analyst',
      roles: ['analyst'],
    });
  });

  it('makes a resident with NHS number and proofing level', () => {
    const principal = principalFromClaims(
      { sub: 'b3d1', nhs_number: NHS_NUMBER, identity_proofing_level: 'P9', given_name: 'Ada', family_name: 'Lovelace' },
      residentIssuer,
      roles,
    );
    expect(principal).toEqual({
      kind: 'resident',
      subject: 'b3d1',
      issuer: 'https://idp.example/residents',
      name: 'Ada Lovelace',
      roles: ['resident'],
      roleCodes: [],
      nhsNumber: NHS_NUMBER,
      proofingLevel: 'P9',
    });
  });

  it('treats an unknown proofing level as the lowest', () => {
    const principal = principalFromClaims({ sub: 'b3d1', nhs_number: NHS_NUMBER, identity_proofing_level: 'P7' }, residentIssuer, roles);
    expect(principal.proofingLevel).toBe('P0');
  });

  it('refuses a resident token without a valid NHS number', () => {
    expect(refusal(() => principalFromClaims({ sub: 'b3d1', nhs_number: '9434765918' }, residentIssuer, roles)).reason).toBe(
      'invalid-claims',
    );
    expect(refusal(() => principalFromClaims({ sub: 'b3d1' }, residentIssuer, roles)).reason).toBe('invalid-claims');
  });

  it('makes a service of a client-credentials token only when the staff issuer is trusted for services', () => {
    const claims = { sub: 'svc-1', client_id: 'svc-1', scope: 'tessera:service tessera:extra' };
    expect(refusal(() => principalFromClaims(claims, staffIssuer, roles)).reason).toBe('unknown-issuer');
    expect(principalFromClaims(claims, { ...staffIssuer, services: true }, roles)).toEqual({
      kind: 'service',
      subject: 'svc-1',
      issuer: 'https://idp.example/staff',
      roles: ['service'],
      roleCodes: [],
      scopes: ['tessera:service', 'tessera:extra'],
    });
  });

  it('keeps a user token’s scopes when it has a scope claim, and says nothing of scopes when it has none', () => {
    const staff = principalFromClaims({ ...gp, scope: 'openid user/*.rs', selected_roleid: 'role-1' }, staffIssuer, roles);
    expect(staff.scopes).toEqual(['openid', 'user/*.rs']);
    const resident = principalFromClaims({ sub: 'b3d1', nhs_number: NHS_NUMBER, scope: 'patient/*.rs' }, residentIssuer, roles);
    expect(resident.scopes).toEqual(['patient/*.rs']);
    expect(principalFromClaims(gp, staffIssuer, roles)).not.toHaveProperty('scopes');
  });

  it('refuses a token without a subject', () => {
    expect(refusal(() => principalFromClaims({ name: 'x' }, staffIssuer, roles)).reason).toBe('invalid-claims');
  });
});
