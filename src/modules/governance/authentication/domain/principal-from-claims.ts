import { isValidNhsNumber } from '../../../../fhir/index.js';
import type { HubRole, Principal } from '../../domain/principal.js';
import { authenticationFailed } from './authentication-failure.js';
import type { RoleMap } from './role-map.js';

// Turns the claims of an already verified token into a Principal. Pure: the signature, issuer,
// audience and times were checked before this runs. The claim names are CIS2's (staff), NHS
// login's (residents) and OAuth client credentials' (services).

export type ClaimSet = Record<string, unknown>;

/** What the hub knows about the issuer that signed the token (AUTH_ISSUERS). */
export interface TokenSource {
  issuer: string;
  kind: 'staff' | 'resident' | 'service';
  /** A staff issuer that also issues client-credentials tokens. */
  services?: boolean;
}

const PROOFING_LEVELS = ['P0', 'P5', 'P9'] as const;

export function principalFromClaims(claims: ClaimSet, source: TokenSource, roles: RoleMap): Principal {
  const subject = text(claims.sub);
  if (!subject) throw authenticationFailed('invalid-claims', 'the token has no subject (sub)');
  if (source.kind === 'service') return servicePrincipal(claims, source, subject);
  if (source.kind === 'resident') return residentPrincipal(claims, source, subject);
  // CIS2-like providers issue both user and client-credentials tokens; only the latter have client_id as subject.
  if (isClientCredentialsToken(claims, subject)) {
    if (!source.services) throw authenticationFailed('unknown-issuer', 'this issuer is trusted for staff, not for service clients');
    return servicePrincipal(claims, source, subject);
  }
  return staffPrincipal(claims, source, subject, roles);
}

function isClientCredentialsToken(claims: ClaimSet, subject: string): boolean {
  return text(claims.client_id) === subject && claims.nhsid_nrbac_roles === undefined;
}

function servicePrincipal(claims: ClaimSet, source: TokenSource, subject: string): Principal {
  const clientId = text(claims.client_id) ?? text(claims.azp) ?? subject;
  const scope = text(claims.scope);
  return {
    kind: 'service',
    subject: clientId,
    issuer: source.issuer,
    roles: ['service'],
    roleCodes: [],
    scopes: scope ? scope.split(' ').filter(Boolean) : [],
  };
}

function residentPrincipal(claims: ClaimSet, source: TokenSource, subject: string): Principal {
  const nhsNumber = text(claims.nhs_number)?.replace(/\s/g, '');
  if (!nhsNumber || !isValidNhsNumber(nhsNumber)) {
    throw authenticationFailed('invalid-claims', 'a resident token must carry a valid NHS number (nhs_number)');
  }
  const level = text(claims.identity_proofing_level);
  // An unknown level is treated as the lowest: the policy then refuses record access rather than the sign-in.
  const proofingLevel = PROOFING_LEVELS.find((known) => known === level) ?? 'P0';
  const name = [text(claims.given_name), text(claims.family_name)].filter(Boolean).join(' ');
  return {
    kind: 'resident',
    subject,
    issuer: source.issuer,
    ...(name ? { name } : {}),
    roles: ['resident'],
    roleCodes: [],
    nhsNumber,
    proofingLevel,
    ...scopesOf(claims),
  };
}

interface NrbacRole {
  roleId?: string;
  roleCode: string;
  orgCode?: string;
}

function staffPrincipal(claims: ClaimSet, source: TokenSource, subject: string, roleMap: RoleMap): Principal {
  const held = nrbacRoles(claims.nhsid_nrbac_roles);
  const selectedId = text(claims.selected_roleid);
  let active: NrbacRole[] = held;
  if (selectedId) {
    const selected = held.find((role) => role.roleId === selectedId);
    if (!selected) throw authenticationFailed('unmapped-role', 'the selected role (selected_roleid) is not one of the roles in the token');
    active = [selected];
  }
  const mapped = active.flatMap((role) => {
    const entry = roleMap.lookup(role.roleCode);
    return entry ? [{ role, entry }] : [];
  });
  if (mapped.length === 0)
    throw authenticationFailed('unmapped-role', 'none of the role codes in the token maps to a hub role (config/roles.json)');
  const kinds = new Set(mapped.map(({ entry }) => entry.principalKind));
  // Without a selected role, a token that mixes kinds (say professional and analyst) cannot say which hat is on.
  if (kinds.size > 1)
    throw authenticationFailed('ambiguous-role', 'the token holds roles of different kinds and selects none (selected_roleid)');
  const first = mapped[0] as (typeof mapped)[number];
  const roles = [...new Set(mapped.map(({ entry }) => entry.hubRole))] as HubRole[];
  const organisation = actingOrganisation(claims.nhsid_user_orgs, first.role.orgCode);
  const name = text(claims.name) ?? ([text(claims.given_name), text(claims.family_name)].filter(Boolean).join(' ') || undefined);
  return {
    kind: first.entry.principalKind,
    subject,
    issuer: source.issuer,
    ...(name ? { name } : {}),
    roles,
    roleCodes: mapped.map(({ role }) => role.roleCode),
    ...(organisation ? { organisation } : {}),
    ...scopesOf(claims),
  };
}

function nrbacRoles(claim: unknown): NrbacRole[] {
  if (!Array.isArray(claim)) return [];
  return claim.flatMap((item): NrbacRole[] => {
    if (typeof item !== 'object' || item === null) return [];
    const record = item as Record<string, unknown>;
    const roleCode = text(record.role_code);
    if (!roleCode) return [];
    return [{ roleCode, roleId: text(record.person_roleid), orgCode: text(record.org_code) }];
  });
}

/** The active role's organisation, named from nhsid_user_orgs; the first listed one when the role names none. */
function actingOrganisation(claim: unknown, roleOrgCode: string | undefined): Principal['organisation'] {
  const orgs = (Array.isArray(claim) ? claim : []).flatMap((item) => {
    if (typeof item !== 'object' || item === null) return [];
    const record = item as Record<string, unknown>;
    const code = text(record.org_code);
    return code ? [{ code, name: text(record.org_name) }] : [];
  });
  const code = roleOrgCode ?? orgs[0]?.code;
  if (!code) return undefined;
  const name = orgs.find((org) => org.code === code)?.name;
  return name ? { code, name } : { code };
}

/** A user's token scopes, only when it has a `scope` claim: the FHIR facade holds a token that carries SMART scopes to them. */
function scopesOf(claims: ClaimSet): Pick<Principal, 'scopes'> {
  const scope = text(claims.scope);
  return scope ? { scopes: scope.split(' ').filter(Boolean) } : {};
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim().length > 0 ? value.trim() : undefined;
}
