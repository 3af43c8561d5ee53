import type { JWTPayload } from 'jose';

import type { DemoUser, ResidentUser, StaffUser } from './demo-users.js';

// The claims each provider puts in its tokens, shaped like the real ones: CIS2's ID token for
// staff (nhsid_* claims, national RBAC roles) and NHS login's for residents (nhs_number, proofing).

/** NHS login's vector of trust: proofing level, then strong authentication (password + one-time code). */
const VECTOR_OF_TRUST = { P9: 'P9.Cp.Cd', P5: 'P5.Cp.Cd' } as const;

export function userClaims(user: DemoUser): JWTPayload {
  return user.kind === 'staff' ? staffClaims(user) : residentClaims(user);
}

function staffClaims(user: StaffUser): JWTPayload {
  const role = user.nrbacRoles[0];
  return {
    name: user.name,
    given_name: user.given,
    family_name: user.family,
    ...(user.title ? { title: user.title } : {}),
    nhsid_useruid: user.sub,
    uid: user.sub,
    nhsid_nrbac_roles: user.nrbacRoles,
    nhsid_user_orgs: [{ org_code: user.organisation.code, org_name: user.organisation.name }],
    ...(role ? { selected_roleid: role.person_roleid } : {}),
    // Smartcard sign-in: CIS2's highest authentication assurance.
    authentication_assurance_level: '3',
    id_assurance_level: '3',
    acr: 'AAL3_ANY',
  };
}

function residentClaims(user: ResidentUser): JWTPayload {
  return {
    nhs_number: user.nhsNumber,
    identity_proofing_level: user.identityProofingLevel,
    vot: VECTOR_OF_TRUST[user.identityProofingLevel],
    vtm: 'https://auth.login.nhs.uk/trustmark/login.nhs.uk',
    birthdate: user.birthDate,
    family_name: user.family,
    given_name: user.given,
    // NHS login shares GP registration only with fully verified (P9) users.
    ...(user.identityProofingLevel === 'P9' ? { gp_registration_details: { gp_ods_code: user.organisation.code } } : {}),
  };
}

/** The scopes a user token is issued for, by provider. */
export function userScope(user: DemoUser): string {
  return user.kind === 'staff' ? 'openid profile nationalrbacaccess associatedorgs' : 'openid profile gp_registration_details';
}
