import type { PolicySection } from '../policy/access-policy.js';

/** The hub's own roles: what the policy decides on. Role codes from identity providers map onto these (config/roles.json). */
export const HUB_ROLES = [
  'clinician', // doctors, nurses, allied health professionals
  'social-worker',
  'care-worker',
  'admin-clerk',
  'resident',
  'carer',
  'service',
  'operator',
  'data-steward',
  'privacy-officer',
  'analyst',
] as const;
export type HubRole = (typeof HUB_ROLES)[number];

export type PrincipalKind = 'professional' | 'resident' | 'carer' | 'service' | 'operator' | 'privacy-officer' | 'analyst';

/** Who is asking, after their token was validated. Never holds the token itself. */
export interface Principal {
  kind: PrincipalKind;
  /** The identity provider's subject (CIS2 user UID, NHS login sub, service client id). */
  subject: string;
  /** The issuer that vouched for them. */
  issuer: string;
  /** Display name for audit and the resident's access log (staff); absent for services. */
  name?: string;
  /** Hub roles, from the role codes in the token (config/roles.json). */
  roles: HubRole[];
  /** The role codes as the token gave them (for audit: CIS2's selected role). */
  roleCodes: string[];
  /** ODS code and name of the organisation they act for (staff, services). */
  organisation?: { code: string; name?: string };
  /** Residents: their NHS number and identity proofing level (NHS login: P0, P5, P9). */
  nhsNumber?: string;
  proofingLevel?: 'P0' | 'P5' | 'P9';
  /** A carer acting for a resident: the resident's NHS number and the delegated scope. */
  actingFor?: { nhsNumber: string; sections: PolicySection[]; canAddReadings: boolean; expiresAt: string };
  /** Scopes granted (services). */
  scopes?: string[];
}
