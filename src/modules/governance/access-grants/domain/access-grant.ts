import type { HubRole, Principal } from '../../domain/principal.js';
import { type AccessPolicy, type PurposeOfUse, STAFF_ROLES, type StaffRole } from '../../policy/access-policy.js';

// Break-glass and self-declared relationships as the hub grants them: who may start one, how
// long it lasts, what the reason must be. Pure, so the rules are tested without a database.

export const ACCESS_GRANT_KINDS = ['break-glass', 'self-declared'] as const;
export type AccessGrantKind = (typeof ACCESS_GRANT_KINDS)[number];

/** The stored reason's upper bound (the table checks it too). The lower bound is the policy's. */
export const GRANT_REASON_MAX_LENGTH = 500;

const MINUTE_MS = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AccessGrantRecord {
  id: string;
  kind: AccessGrantKind;
  subject: string;
  issuer: string;
  name: string | null;
  organisationCode: string | null;
  hubRole: HubRole;
  personId: string;
  /** Free text from the professional: kept here for privacy officers, never in logs or the audit trail. */
  reason: string;
  startedAt: Date;
  expiresAt: Date;
  endedAt: Date | null;
}

/** What AccessRequest takes from the grants a professional holds for a person now. */
export interface ActiveGrants {
  breakGlass?: { reason: string; startedAt: string; expiresAt: string };
  selfDeclared?: { reason: string; declaredAt: string };
}

/** Why a grant cannot be started, as safe text; `code` says which rule. */
export type GrantRefusal =
  | { code: 'bad-input'; message: string }
  | { code: 'forbidden'; reason: 'not-a-professional' | 'break-glass-not-permitted' | 'self-declaration-not-permitted'; message: string };

export interface GrantPlan {
  kind: AccessGrantKind;
  hubRole: StaffRole;
  reason: string;
  purpose: PurposeOfUse;
  startedAt: Date;
  expiresAt: Date;
}

const isStaffRole = (role: HubRole): role is StaffRole => (STAFF_ROLES as readonly string[]).includes(role);

/** A person id as a caller gives it: a UUID, or a precise refusal before anything reaches SQL. */
export function personIdRefusal(personId: string): GrantRefusal | undefined {
  return UUID.test(personId) ? undefined : { code: 'bad-input', message: 'personId must be a UUID' };
}

export const isUuid = (value: string): boolean => UUID.test(value);

/**
 * The grant a professional may start now, or why not. The reason is trimmed and must be from the
 * policy's minimum length to 500 characters; the role (the first of the principal's roles the
 * policy lets do this) decides whether it is allowed and the purpose of use.
 */
export function planGrant(
  kind: AccessGrantKind,
  principal: Principal,
  rawReason: string,
  policy: AccessPolicy,
  now: Date,
): GrantPlan | GrantRefusal {
  if (principal.kind !== 'professional') {
    return { code: 'forbidden', reason: 'not-a-professional', message: `only professionals may ${verb(kind)}` };
  }
  const rules = kind === 'break-glass' ? policy.breakGlass : policy.selfDeclared;
  const reason = rawReason.trim();
  if (reason.length < rules.minimumReasonLength || reason.length > GRANT_REASON_MAX_LENGTH) {
    return {
      code: 'bad-input',
      message: `reason must be from ${rules.minimumReasonLength} to ${GRANT_REASON_MAX_LENGTH} characters (after trimming); it was ${reason.length}`,
    };
  }
  const hubRole = principal.roles
    .filter(isStaffRole)
    .find((role) => (kind === 'break-glass' ? policy.roles[role].canBreakGlass : policy.roles[role].canSelfDeclare));
  if (!hubRole) {
    return kind === 'break-glass'
      ? { code: 'forbidden', reason: 'break-glass-not-permitted', message: 'the access policy does not let your role break glass' }
      : {
          code: 'forbidden',
          reason: 'self-declaration-not-permitted',
          message: 'the access policy does not let your role declare a relationship',
        };
  }
  const minutes = kind === 'break-glass' ? policy.breakGlass.maximumMinutes : policy.selfDeclared.validMinutes;
  return {
    kind,
    hubRole,
    reason,
    // HL7 PurposeOfUse ETREAT: emergency treatment, which is what break-glass is for.
    purpose: kind === 'break-glass' ? 'ETREAT' : policy.roles[hubRole].purposeOfUse,
    startedAt: now,
    expiresAt: new Date(now.getTime() + minutes * MINUTE_MS),
  };
}

export const isRefusal = (plan: GrantPlan | GrantRefusal): plan is GrantRefusal => 'code' in plan;

/** Whether a grant lets its holder in at `now`: started, not expired, not ended early. */
export function isActive(grant: Pick<AccessGrantRecord, 'startedAt' | 'expiresAt' | 'endedAt'>, now: Date): boolean {
  const at = now.getTime();
  return grant.startedAt.getTime() <= at && at < grant.expiresAt.getTime() && (grant.endedAt === null || at < grant.endedAt.getTime());
}

/** The newest active grant of each kind, in the shape AccessRequest takes. */
export function activeGrantsOf(grants: readonly AccessGrantRecord[], now: Date): ActiveGrants {
  const newestFirst = grants.filter((grant) => isActive(grant, now)).sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
  const breakGlass = newestFirst.find((grant) => grant.kind === 'break-glass');
  const selfDeclared = newestFirst.find((grant) => grant.kind === 'self-declared');
  const active: ActiveGrants = {};
  if (breakGlass) {
    active.breakGlass = {
      reason: breakGlass.reason,
      startedAt: breakGlass.startedAt.toISOString(),
      expiresAt: breakGlass.expiresAt.toISOString(),
    };
  }
  if (selfDeclared) active.selfDeclared = { reason: selfDeclared.reason, declaredAt: selfDeclared.startedAt.toISOString() };
  return active;
}

function verb(kind: AccessGrantKind): string {
  return kind === 'break-glass' ? 'break glass' : 'declare a relationship';
}
