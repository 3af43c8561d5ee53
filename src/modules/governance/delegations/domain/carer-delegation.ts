import { createHash } from 'node:crypto';

import { isValidNhsNumber, normaliseNhsNumber } from '../../../../fhir/index.js';
import type { Principal } from '../../domain/principal.js';
import { type AccessPolicy, POLICY_SECTIONS, type PolicySection } from '../../policy/access-policy.js';

// A resident's delegation of access to a carer (docs/SECURITY.md, "Carers"): who may invite and
// accept, what a delegation may hold, the invitation code's format, and when a delegation lets
// its carer in. Pure: no Nest, no I/O.

/** How long an invitation code can be used, unless the delegation itself ends sooner. */
export const INVITATION_VALID_DAYS = 7;
/** The longest a delegation may last: a year, then the person confirms it by inviting again. */
export const DELEGATION_MAXIMUM_DAYS = 365;
/** The longest label the person may give their carer ("Mum", "Sam, my son"). */
export const CARER_NAME_MAX_LENGTH = 100;

/** Inviting, and managing one's carers, needs the proofing that reading one's whole record needs. */
const PERSON_PROOFING = 'P9';
const DAY_MS = 86_400_000;
const PROOFING_RANK = { P0: 0, P5: 1, P9: 2 } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type RevokedBy = 'person' | 'carer' | 'superseded';

/** One delegation as stored: the invitation and, once accepted, the carer it binds. */
export interface CarerDelegationRecord {
  id: string;
  personNhsNumber: string;
  /** The person's name as their token gave it when they invited, for the carer's list. */
  personName: string | null;
  invitedAt: Date;
  invitationExpiresAt: Date;
  /** The carer's identity, once they accepted: the only sign-in the delegation lets in. */
  carer: { issuer: string; subject: string } | null;
  /** The person's label for the carer, else the carer's name from their sign-in. */
  carerName: string | null;
  acceptedAt: Date | null;
  sections: PolicySection[];
  canAddReadings: boolean;
  /** When the delegation itself ends. */
  expiresAt: Date;
  revokedAt: Date | null;
  revokedBy: RevokedBy | null;
}

export type DelegationStatus = 'invited' | 'invitation-expired' | 'active' | 'expired' | 'revoked';

/** What a carer acting for the person carries on their Principal (Principal.actingFor). */
export interface ActingFor {
  nhsNumber: string;
  sections: PolicySection[];
  canAddReadings: boolean;
  expiresAt: string;
}

/** What the person asks for when inviting. */
export interface InvitationRequest {
  sections: readonly string[];
  canAddReadings: boolean;
  expiresAt: Date;
  carerName?: string | null;
}

/** A checked invitation, ready to store. */
export interface InvitationPlan {
  personNhsNumber: string;
  personName: string | null;
  sections: PolicySection[];
  canAddReadings: boolean;
  carerName: string | null;
  invitedAt: Date;
  invitationExpiresAt: Date;
  expiresAt: Date;
}

/** Why a request about delegations is refused, as safe text; `code` maps to a GovernanceErrorCode, `reason` names the rule. */
export type DelegationRefusal =
  | {
      code: 'bad-input';
      reason: 'invalid-sections' | 'section-not-delegable' | 'invalid-expiry' | 'invalid-carer-name' | 'invalid-id';
      message: string;
    }
  | {
      code: 'forbidden';
      reason: 'role-not-permitted' | 'insufficient-proofing' | 'not-own-record' | 'cannot-care-for-self';
      message: string;
    };

export const isDelegationRefusal = (value: unknown): value is DelegationRefusal =>
  typeof value === 'object' && value !== null && 'code' in value && 'reason' in value && 'message' in value;

/**
 * Whether `principal` may manage delegations of their own record (invite, list, revoke as the
 * person): a resident signed in as themself (not acting for someone) with P9 proofing.
 */
export function personRefusal(principal: Principal): DelegationRefusal | undefined {
  if (principal.kind !== 'resident')
    return {
      code: 'forbidden',
      reason: 'role-not-permitted',
      message: 'only a resident signed in as themself may manage carers for their record',
    };
  if (principal.nhsNumber === undefined || !isValidNhsNumber(principal.nhsNumber))
    return { code: 'forbidden', reason: 'not-own-record', message: 'your sign-in carries no valid NHS number' };
  if (principal.proofingLevel !== PERSON_PROOFING)
    return {
      code: 'forbidden',
      reason: 'insufficient-proofing',
      message: `managing carers needs identity proofing ${PERSON_PROOFING} (high); prove your identity further and sign in again`,
    };
  return undefined;
}

/**
 * The invitation the person may make now, or why not. It is always for the person's own record
 * (their NHS number); sections must be ones the policy lets carers have (`carers.sections`);
 * the delegation ends in the future and within DELEGATION_MAXIMUM_DAYS; the code is good for
 * INVITATION_VALID_DAYS or until the delegation ends, whichever is sooner.
 */
export function planInvitation(
  principal: Principal,
  request: InvitationRequest,
  policy: AccessPolicy,
  now: Date,
): InvitationPlan | DelegationRefusal {
  const refusal = personRefusal(principal);
  if (refusal) return refusal;

  const unknown = request.sections.filter((section) => !(POLICY_SECTIONS as readonly string[]).includes(section));
  if (unknown.length)
    return {
      code: 'bad-input',
      reason: 'invalid-sections',
      message: `not record sections: ${unknown.map((section) => JSON.stringify(section)).join(', ')} (one of: ${POLICY_SECTIONS.join(', ')})`,
    };
  // In the policy's order, each once, so equal scopes store (and audit) equal.
  const sections = POLICY_SECTIONS.filter((section) => request.sections.includes(section));
  if (!sections.length)
    return { code: 'bad-input', reason: 'invalid-sections', message: 'give at least one section to share with your carer' };
  const beyond = sections.filter((section) => !policy.carers.sections.includes(section));
  if (beyond.length)
    return {
      code: 'bad-input',
      reason: 'section-not-delegable',
      message: `carers cannot be given: ${beyond.join(', ')} (the access policy allows: ${policy.carers.sections.join(', ')})`,
    };

  const ends = request.expiresAt.getTime();
  if (Number.isNaN(ends) || ends <= now.getTime())
    return { code: 'bad-input', reason: 'invalid-expiry', message: 'expiresAt must be in the future' };
  if (ends > now.getTime() + DELEGATION_MAXIMUM_DAYS * DAY_MS)
    return {
      code: 'bad-input',
      reason: 'invalid-expiry',
      message: `a delegation may last at most ${DELEGATION_MAXIMUM_DAYS} days; invite again to continue after that`,
    };

  const carerName = request.carerName?.trim() || null;
  // Shown to the person and stored: printable text only, so it cannot smuggle control characters into a screen.
  if (carerName !== null && (carerName.length > CARER_NAME_MAX_LENGTH || /\p{Cc}/u.test(carerName)))
    return {
      code: 'bad-input',
      reason: 'invalid-carer-name',
      message: `carerName must be at most ${CARER_NAME_MAX_LENGTH} characters of printable text`,
    };

  return {
    personNhsNumber: normaliseNhsNumber(principal.nhsNumber!),
    personName: principal.name ?? null,
    sections,
    canAddReadings: request.canAddReadings,
    carerName,
    invitedAt: now,
    invitationExpiresAt: new Date(Math.min(now.getTime() + INVITATION_VALID_DAYS * DAY_MS, ends)),
    expiresAt: new Date(ends),
  };
}

/**
 * Whether `principal` may accept invitations at all (before the code is looked up, so a refused
 * caller never uses one up): a resident signed in as themself, proofed to the policy's
 * `carers.minimumProofing`.
 */
export function acceptorRefusal(principal: Principal, policy: AccessPolicy): DelegationRefusal | undefined {
  if (principal.kind !== 'resident' || principal.nhsNumber === undefined)
    return {
      code: 'forbidden',
      reason: 'role-not-permitted',
      message: 'only a resident signed in as themself may accept a carer invitation',
    };
  const minimum = policy.carers.minimumProofing;
  if (PROOFING_RANK[principal.proofingLevel ?? 'P0'] < PROOFING_RANK[minimum])
    return {
      code: 'forbidden',
      reason: 'insufficient-proofing',
      message: `acting as a carer needs identity proofing ${minimum}; prove your identity further and sign in again`,
    };
  return undefined;
}

/** The person cannot be their own carer: they already see their record as themself. */
export function selfCareRefusal(
  principal: Principal,
  delegation: Pick<CarerDelegationRecord, 'personNhsNumber'>,
): DelegationRefusal | undefined {
  return principal.nhsNumber !== undefined && normaliseNhsNumber(principal.nhsNumber) === delegation.personNhsNumber
    ? { code: 'forbidden', reason: 'cannot-care-for-self', message: 'you cannot accept an invitation to your own record' }
    : undefined;
}

/** Whether the invitation can still be accepted at `now`: not accepted, not revoked, in date. */
export function isOpenInvitation(delegation: CarerDelegationRecord, now: Date): boolean {
  return (
    delegation.acceptedAt === null &&
    delegation.revokedAt === null &&
    now.getTime() < delegation.invitationExpiresAt.getTime() &&
    now.getTime() < delegation.expiresAt.getTime()
  );
}

/** Whether the delegation lets its carer act at `now`: accepted, not revoked, not expired. */
export function isActiveDelegation(delegation: CarerDelegationRecord, now: Date): boolean {
  return delegation.acceptedAt !== null && delegation.revokedAt === null && now.getTime() < delegation.expiresAt.getTime();
}

export function delegationStatus(delegation: CarerDelegationRecord, now: Date): DelegationStatus {
  if (delegation.revokedAt !== null) return 'revoked';
  if (delegation.acceptedAt === null) return isOpenInvitation(delegation, now) ? 'invited' : 'invitation-expired';
  return isActiveDelegation(delegation, now) ? 'active' : 'expired';
}

export function actingForOf(delegation: CarerDelegationRecord): ActingFor {
  return {
    nhsNumber: delegation.personNhsNumber,
    sections: [...delegation.sections],
    canAddReadings: delegation.canAddReadings,
    expiresAt: delegation.expiresAt.toISOString(),
  };
}

/** The X-Acting-For header as a normalised NHS number, or undefined when it is not a valid one. */
export function parseActingFor(header: string | string[] | undefined): string | undefined {
  // Sent twice is not "for whom" but "for which": refused rather than guessed.
  if (typeof header !== 'string') return undefined;
  const number = normaliseNhsNumber(header.trim());
  return isValidNhsNumber(number) ? number : undefined;
}

export const isUuid = (value: string): boolean => UUID.test(value);

// ---------------------------------------------------------------- invitation codes

/** Crockford's base32: no I, L, O or U, so a code read out or typed from a letter survives. */
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_LENGTH = 20; // 100 bits
/** Random bytes formatInvitationCode needs. */
export const INVITATION_CODE_BYTES = Math.ceil((CODE_LENGTH * 5) / 8);

/** A code from random bytes, grouped for reading: `7K3M-Q9XD-...` (five groups of four). */
export function formatInvitationCode(random: Uint8Array): string {
  if (random.length < INVITATION_CODE_BYTES) throw new RangeError(`an invitation code needs ${INVITATION_CODE_BYTES} random bytes`);
  let bits = 0;
  let value = 0;
  let code = '';
  for (const byte of random) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && code.length < CODE_LENGTH) {
      code += CODE_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return code.match(/.{4}/g)!.join('-');
}

/**
 * The code as typed, in the one form that is hashed: upper case, without spaces or dashes, with
 * the letters people confuse with digits read as those digits. Undefined when it cannot be a code.
 */
export function normaliseInvitationCode(typed: string): string | undefined {
  const code = typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (code.length !== CODE_LENGTH) return undefined;
  for (const character of code) if (!CODE_ALPHABET.includes(character)) return undefined;
  return code;
}

/** What is stored instead of the code: its SHA-256 (hex). The code has 100 random bits, so no salt or slow hash is needed. */
export function invitationCodeHash(normalisedCode: string): string {
  return createHash('sha256').update(normalisedCode, 'utf8').digest('hex');
}
