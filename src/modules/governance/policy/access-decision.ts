import { normaliseNhsNumber, type R4Patient, type R4Resource } from '../../../fhir/index.js';
import type { SourceKind } from '../../source-connectors/index.js';
import type { HubRole, Principal, PrincipalKind } from '../domain/principal.js';
import {
  type AccessPolicy,
  type OrganisationKind,
  type PolicySection,
  POLICY_SECTIONS,
  type ProofingLevel,
  type PurposeOfUse,
  STAFF_ROLES,
  type StaffRole,
} from './access-policy.js';
import { hasSecurityLabel, snomedCodesOf } from './item-labels.js';
import { sharingBasesFor } from './organisation-patterns.js';
import { findRelationship, type RelationshipEvent, type RelationshipKind } from './relationship-evidence.js';

// The one place that decides who sees what of a person's record (docs/SECURITY.md, "Access
// policy"). Everything that fetches clinical data takes the AccessDecision this returns; only
// decideAccess can make one, so a resolver that skips the check does not compile.

/** The person's choices about sharing, from the consent the hub holds for them. */
export interface PersonConsent {
  /** Opted out of sharing: professionals see only their own organisation's data, unless break-glass. */
  optedOut: boolean;
  /** Sections the person hides from whole kinds of organisation (their mental health from social care, say). */
  hiddenSections: readonly { section: PolicySection; organisationKinds: readonly OrganisationKind[] }[];
  /** The person refuses break-glass access to their record. */
  refusesBreakGlass: boolean;
}

/**
 * What is read: a person's shared care record (the default), or the identity index, where data
 * stewards and operators read the demographics that place records on persons (policy `identityIndex`).
 */
export type AccessContext = 'record' | 'identity-index';

export interface AccessRequest {
  principal: Principal;
  /** 'record' when absent. */
  context?: AccessContext;
  person: {
    id: string;
    nhsNumber: string;
    /** PDS marks the record restricted ("S" flag): the address is never shown. */
    restricted: boolean;
    consent: PersonConsent;
  };
  sections: readonly PolicySection[];
  /** Events tying organisations to the person (relationship-evidence.ts). */
  relationshipEvidence: readonly RelationshipEvent[];
  /** A professional's own statement of why they need the record, if they gave one. */
  selfDeclared?: { reason: string; declaredAt: string };
  /** Break-glass the user started, if any. */
  breakGlass?: { reason: string; startedAt: string; expiresAt: string };
  /** ODS code -> kind of organisation, for consent's hidden sections. */
  organisationKinds: Readonly<Record<string, OrganisationKind>>;
  now: Date;
}

export type AccessBasis =
  'relationship' | 'self-declared' | 'break-glass' | 'own-record' | 'delegated' | 'service' | 'identity-stewardship' | 'none';
export type AccessOutcome = 'allowed' | 'denied' | 'break-glass' | 'self-declared';

/** Why a section was refused. Safe to show the caller: none reveals anything about the person. */
export type DenialReason =
  | 'role-not-permitted'
  | 'no-relationship'
  | 'no-organisation'
  | 'opted-out'
  | 'hidden-by-person'
  | 'break-glass-refused'
  | 'break-glass-not-permitted'
  | 'break-glass-expired'
  | 'self-declaration-not-permitted'
  | 'self-declaration-expired'
  | 'reason-required'
  | 'not-own-record'
  | 'insufficient-proofing'
  | 'not-delegated'
  | 'delegation-expired'
  | 'scope-not-granted';

/** Why one item (or one source's items) is withheld although its section is allowed. */
export type WithholdReason =
  'section-not-permitted' | 'outside-sharing-agreement' | 'opted-out' | 'private-to-person' | 'sensitive' | 'result-not-yet-released';

export type ItemVerdict = 'show' | { withhold: WithholdReason; /** For 'sensitive': the code list that matched. */ list?: string };

/** Where an item came from: the organisation that holds it, and the kind of system. */
export interface ItemSource {
  organisationCode: string;
  kind?: SourceKind;
}

/** Who asked, as the audit trail records it: no token, no clinical content. */
export interface PrincipalSummary {
  kind: PrincipalKind;
  subject: string;
  issuer: string;
  roles: readonly HubRole[];
  roleCodes: readonly string[];
  organisationCode?: string;
  actingForNhsNumber?: string;
}

interface DecisionFields {
  principal: PrincipalSummary;
  personId: string;
  requestedSections: readonly PolicySection[];
  allowedSections: readonly PolicySection[];
  deniedSections: readonly { section: PolicySection; reason: DenialReason }[];
  basis: AccessBasis;
  purposeOfUse: PurposeOfUse;
  /** The stated reason (self-declared, break-glass), kept for the audit trail and privacy officers. */
  statedReason?: string;
  relationship?: { kind: RelationshipKind; organisationCode: string; date: string };
  /** Opt-out limits professionals to their own organisation's data. */
  optedOutLimitsSharing: boolean;
  /** Break-glass set aside the person's sharing choices (opt-out, hidden sections). */
  consentOverridden: boolean;
  alertPrivacyOfficers: boolean;
  decidedAt: Date;
  expiresAt: Date;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
// Only the policy holds this: decisions are registered when made, so a value shaped like one
// (Object.create, a spread copy) fails requireAccessDecision at run time as well as at compile time.
const issued = new WeakSet<object>();

const isStaffRole = (role: HubRole): role is StaffRole => (STAFF_ROLES as readonly string[]).includes(role);
const PROOFING_RANK: Record<ProofingLevel, number> = { P0: 0, P5: 1, P9: 2 };

/**
 * The policy's answer for one principal, one person and the sections asked for. Holds what the
 * audit trail records and filters every item before it leaves. Only decideAccess makes one.
 */
export class AccessDecision {
  /** A private member makes the type nominal: an object literal of the same shape is not an AccessDecision. */
  readonly #policy: AccessPolicy;
  readonly principal: PrincipalSummary;
  readonly personId: string;
  readonly requestedSections: readonly PolicySection[];
  readonly allowedSections: readonly PolicySection[];
  readonly deniedSections: readonly { section: PolicySection; reason: DenialReason }[];
  readonly basis: AccessBasis;
  readonly purposeOfUse: PurposeOfUse;
  readonly outcome: AccessOutcome;
  readonly statedReason?: string;
  readonly relationship?: { kind: RelationshipKind; organisationCode: string; date: string };
  readonly optedOutLimitsSharing: boolean;
  readonly consentOverridden: boolean;
  /** Break-glass was used: the caller must alert privacy officers at once (the policy cannot, it does no I/O). */
  readonly alertPrivacyOfficers: boolean;
  readonly decidedAt: Date;
  readonly expiresAt: Date;
  readonly #restricted: boolean;

  private constructor(fields: DecisionFields, policy: AccessPolicy, restricted: boolean) {
    this.#policy = policy;
    this.#restricted = restricted;
    this.principal = Object.freeze({ ...fields.principal });
    this.personId = fields.personId;
    this.requestedSections = Object.freeze([...fields.requestedSections]);
    this.allowedSections = Object.freeze([...fields.allowedSections]);
    this.deniedSections = Object.freeze(fields.deniedSections.map((denial) => Object.freeze({ ...denial })));
    this.basis = fields.allowedSections.length ? fields.basis : 'none';
    this.purposeOfUse = fields.purposeOfUse;
    this.outcome = !fields.allowedSections.length
      ? 'denied'
      : fields.basis === 'break-glass'
        ? 'break-glass'
        : fields.basis === 'self-declared'
          ? 'self-declared'
          : 'allowed';
    if (fields.statedReason !== undefined) this.statedReason = fields.statedReason;
    if (fields.relationship) this.relationship = Object.freeze({ ...fields.relationship });
    this.optedOutLimitsSharing = fields.optedOutLimitsSharing;
    this.consentOverridden = fields.consentOverridden && this.outcome === 'break-glass';
    this.alertPrivacyOfficers = fields.alertPrivacyOfficers && this.outcome === 'break-glass';
    this.decidedAt = fields.decidedAt;
    this.expiresAt = this.outcome === 'denied' ? fields.decidedAt : fields.expiresAt;
    issued.add(this);
    Object.freeze(this);
  }

  /** @internal Used by decideAccess only: the constructor is private so nothing else can issue a decision. */
  static issue(request: AccessRequest, policy: AccessPolicy): AccessDecision {
    return new AccessDecision(evaluate(request, policy), policy, request.person.restricted);
  }

  get isAllowed(): boolean {
    return this.outcome !== 'denied';
  }

  allows(section: PolicySection): boolean {
    return this.allowedSections.includes(section);
  }

  isExpired(now: Date): boolean {
    return now.getTime() >= this.expiresAt.getTime();
  }

  /** Whether `section` of the source organisation's data may reach this principal. */
  sourceAllowed(sourceOrgCode: string, section: PolicySection): boolean {
    return this.sourceVerdict(sourceOrgCode, section) === 'show';
  }

  /** Why none of `section` from the source organisation may reach this principal; undefined when it may. */
  sourceWithheldBecause(sourceOrgCode: string, section: PolicySection): WithholdReason | undefined {
    const verdict = this.sourceVerdict(sourceOrgCode, section);
    return verdict === 'show' ? undefined : verdict;
  }

  /** Decides one item: shown, or withheld with a reason (counted, never described, to the caller). */
  itemFilter(item: R4Resource, section: PolicySection, source: ItemSource): ItemVerdict {
    const verdict = this.sourceVerdict(source.organisationCode, section);
    if (verdict !== 'show') return { withhold: verdict };
    const personSees = this.basis === 'own-record';
    const personSide = personSees || this.basis === 'delegated';
    if (!personSees && hasSecurityLabel(item, this.#policy.privacyLabel)) return { withhold: 'private-to-person' };
    // A professional's own organisation's entries are its own record, not shared data.
    const ownOrganisation = this.principal.kind === 'professional' && this.isOwnOrganisation(source.organisationCode);
    if (!personSees && !ownOrganisation && !hasSecurityLabel(item, this.#policy.sensitive.shareableLabel)) {
      for (const code of snomedCodesOf(item)) {
        const list = this.#policy.sensitiveCodes.get(code);
        if (list) return { withhold: 'sensitive', list };
      }
    }
    // What the person recorded themself (the person-held record) is theirs at once: only results wait for release.
    if (personSide && section === 'observations' && source.kind !== 'phr' && this.#policy.residents.resultsReleaseDelayDays > 0) {
      const resulted = resultTime(item);
      if (resulted !== undefined && this.decidedAt.getTime() - resulted < this.#policy.residents.resultsReleaseDelayDays * DAY_MS)
        return { withhold: 'result-not-yet-released' };
    }
    return 'show';
  }

  /** The Patient as this principal may see it: a restricted record loses its address and contact details. */
  /** True for a restricted record: whatever could locate the person is left out of what is shown. */
  get restrictsDemographics(): boolean {
    return this.#restricted;
  }

  redactDemographics(patient: R4Patient): R4Patient {
    if (!this.#restricted) return patient;
    // Whatever could locate the person goes: their address and telecom, their contacts' too, and their GP.
    const { address: _address, telecom: _telecom, generalPractitioner: _gp, contact, ...rest } = patient;
    const redacted: R4Patient = { ...rest };
    if (contact) redacted.contact = contact.map(({ address: _a, telecom: _t, ...kept }) => kept);
    return redacted;
  }

  private isOwnOrganisation(code: string): boolean {
    return this.principal.organisationCode !== undefined && this.principal.organisationCode.toUpperCase() === code.toUpperCase();
  }

  private sourceVerdict(
    sourceOrgCode: string,
    section: PolicySection,
  ): 'show' | 'section-not-permitted' | 'opted-out' | 'outside-sharing-agreement' {
    if (!this.allows(section)) return 'section-not-permitted';
    // The person and their carers see the whole record, from every source.
    if (this.basis === 'own-record' || this.basis === 'delegated') return 'show';
    // The identity index is the hub's own: every source's demographics place records on persons.
    if (this.basis === 'identity-stewardship') return 'show';
    if (this.principal.organisationCode === undefined) return 'show'; // services without an organisation: their scopes are the limit
    if (this.isOwnOrganisation(sourceOrgCode)) return 'show';
    if (this.optedOutLimitsSharing && !this.consentOverridden) return 'opted-out';
    return sharingBasesFor(this.#policy, sourceOrgCode.toUpperCase(), this.principal.organisationCode.toUpperCase(), section).length
      ? 'show'
      : 'outside-sharing-agreement';
  }
}

/** Decides access for one request under the policy. Pure: same request, same decision. */
export function decideAccess(request: AccessRequest, policy: AccessPolicy): AccessDecision {
  return AccessDecision.issue(request, policy);
}

/** Run-time guard for the places a decision crosses a boundary untyped (a job, a DataLoader key). */
export function requireAccessDecision(value: unknown, now: Date): AccessDecision {
  if (!(value instanceof AccessDecision) || !issued.has(value))
    throw new TypeError('clinical data needs an access decision made by the policy');
  if (value.isExpired(now)) throw new TypeError('the access decision has expired: decide again');
  return value;
}

/**
 * The shape every function that fetches clinical data has: the decision comes first, so a call
 * without one does not compile. `(decision: AccessDecision, personId: string) => Promise<Bundle>`.
 */
export type DecisionGated<Args extends unknown[], Result> = (decision: AccessDecision, ...args: Args) => Result;

function resultTime(item: R4Resource): number | undefined {
  const record = item as { issued?: string; effectiveDateTime?: string; effectivePeriod?: { start?: string } };
  const value = record.issued ?? record.effectiveDateTime ?? record.effectivePeriod?.start;
  if (value === undefined) return undefined;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

function summarise(principal: Principal): PrincipalSummary {
  const summary: PrincipalSummary = {
    kind: principal.kind,
    subject: principal.subject,
    issuer: principal.issuer,
    roles: [...principal.roles],
    roleCodes: [...principal.roleCodes],
  };
  if (principal.organisation) summary.organisationCode = principal.organisation.code.toUpperCase();
  if (principal.actingFor) summary.actingForNhsNumber = principal.actingFor.nhsNumber;
  return summary;
}

/** Splits the requested sections into allowed and denied by a test that names the reason. */
function partition(
  sections: readonly PolicySection[],
  reasonFor: (section: PolicySection) => DenialReason | undefined,
): { allowed: PolicySection[]; denied: { section: PolicySection; reason: DenialReason }[] } {
  const allowed: PolicySection[] = [];
  const denied: { section: PolicySection; reason: DenialReason }[] = [];
  for (const section of sections) {
    const reason = reasonFor(section);
    if (reason) denied.push({ section, reason });
    else allowed.push(section);
  }
  return { allowed, denied };
}

function evaluate(request: AccessRequest, policy: AccessPolicy): DecisionFields {
  const now = request.now;
  // Unknown names are ignored and duplicates dropped, so a caller cannot widen the decision by repetition.
  const sections = [...new Set(request.sections)].filter((section) => (POLICY_SECTIONS as readonly string[]).includes(section));
  const base = {
    principal: summarise(request.principal),
    personId: request.person.id,
    requestedSections: sections,
    optedOutLimitsSharing: false,
    consentOverridden: false,
    alertPrivacyOfficers: false,
    decidedAt: now,
    expiresAt: new Date(now.getTime() + policy.decisionTtlSeconds * 1000),
  };
  if (request.context === 'identity-index') return { ...base, ...decideForIdentityIndex(request, policy, sections) };
  switch (request.principal.kind) {
    case 'resident':
      return { ...base, ...decideForResident(request, policy, sections) };
    case 'carer':
      return { ...base, ...decideForCarer(request, policy, sections, base.expiresAt) };
    case 'service':
      return { ...base, ...decideForService(request, policy, sections) };
    default:
      return { ...base, ...decideForStaff(request, policy, sections, base.expiresAt) };
  }
}

type Outcome = Pick<DecisionFields, 'allowedSections' | 'deniedSections' | 'basis' | 'purposeOfUse'> & Partial<DecisionFields>;

const denyAll = (sections: readonly PolicySection[], reason: DenialReason, purposeOfUse: PurposeOfUse): Outcome => ({
  allowedSections: [],
  deniedSections: sections.map((section) => ({ section, reason })),
  basis: 'none',
  purposeOfUse,
});

const sameNhsNumber = (a: string | undefined, b: string) => a !== undefined && normaliseNhsNumber(a) === normaliseNhsNumber(b);

function decideForResident(request: AccessRequest, policy: AccessPolicy, sections: readonly PolicySection[]): Outcome {
  const purposeOfUse = policy.residents.purposeOfUse;
  if (!sameNhsNumber(request.principal.nhsNumber, request.person.nhsNumber)) return denyAll(sections, 'not-own-record', purposeOfUse);
  const level = request.principal.proofingLevel ?? 'P0';
  const permitted = policy.residents.sectionsByProofing[level];
  const withBestProofing = policy.residents.sectionsByProofing.P9;
  const { allowed, denied } = partition(sections, (section) =>
    permitted.includes(section) ? undefined : withBestProofing.includes(section) ? 'insufficient-proofing' : 'role-not-permitted',
  );
  return { allowedSections: allowed, deniedSections: denied, basis: 'own-record', purposeOfUse };
}

function decideForCarer(request: AccessRequest, policy: AccessPolicy, sections: readonly PolicySection[], ttlExpiry: Date): Outcome {
  const purposeOfUse = policy.carers.purposeOfUse;
  const delegation = request.principal.actingFor;
  if (!delegation || !sameNhsNumber(delegation.nhsNumber, request.person.nhsNumber))
    return denyAll(sections, 'not-delegated', purposeOfUse);
  const delegationEnds = Date.parse(delegation.expiresAt);
  if (Number.isNaN(delegationEnds) || request.now.getTime() >= delegationEnds) return denyAll(sections, 'delegation-expired', purposeOfUse);
  if (PROOFING_RANK[request.principal.proofingLevel ?? 'P0'] < PROOFING_RANK[policy.carers.minimumProofing])
    return denyAll(sections, 'insufficient-proofing', purposeOfUse);
  const { allowed, denied } = partition(sections, (section) =>
    !policy.carers.sections.includes(section) ? 'role-not-permitted' : !delegation.sections.includes(section) ? 'not-delegated' : undefined,
  );
  return {
    allowedSections: allowed,
    deniedSections: denied,
    basis: 'delegated',
    purposeOfUse,
    expiresAt: new Date(Math.min(ttlExpiry.getTime(), delegationEnds)),
  };
}

/**
 * Reading the identity index: the staff roles the policy's `identityIndex` lists, for its sections
 * only. No relationship or organisation is needed and consent does not apply: the index is how
 * the hub knows who a person is, and stewards must see every record to place it right.
 */
function decideForIdentityIndex(request: AccessRequest, policy: AccessPolicy, sections: readonly PolicySection[]): Outcome {
  const grants = request.principal.roles.filter(isStaffRole).flatMap((role) => {
    const grant = policy.identityIndex.roles[role];
    return grant ? [grant] : [];
  });
  const purposeOfUse = grants[0]?.purposeOfUse ?? 'HOPERAT';
  const granted = new Set(grants.flatMap((grant) => grant.sections));
  const { allowed, denied } = partition(sections, (section) => (granted.has(section) ? undefined : 'role-not-permitted'));
  return { allowedSections: allowed, deniedSections: denied, basis: 'identity-stewardship', purposeOfUse };
}

function hiddenFrom(request: AccessRequest, section: PolicySection): boolean {
  const code = request.principal.organisation?.code.toUpperCase();
  const kind = code === undefined ? undefined : request.organisationKinds[code];
  return (
    kind !== undefined &&
    request.person.consent.hiddenSections.some((hidden) => hidden.section === section && hidden.organisationKinds.includes(kind))
  );
}

function decideForService(request: AccessRequest, policy: AccessPolicy, sections: readonly PolicySection[]): Outcome {
  const grants = (request.principal.scopes ?? []).flatMap((scope) => {
    const grant = policy.services.scopes[scope];
    return grant ? [grant] : [];
  });
  const purposeOfUse = grants[0]?.purposeOfUse ?? 'HOPERAT';
  const granted = new Set(grants.flatMap((grant) => grant.sections));
  const { allowed, denied } = partition(sections, (section) =>
    !granted.has(section)
      ? 'scope-not-granted'
      : request.person.consent.optedOut
        ? 'opted-out'
        : hiddenFrom(request, section)
          ? 'hidden-by-person'
          : undefined,
  );
  return { allowedSections: allowed, deniedSections: denied, basis: 'service', purposeOfUse };
}

type Attempt = { ok: true; expiresAt: Date } | { ok: false; reason: DenialReason };

function attemptBreakGlass(request: AccessRequest, policy: AccessPolicy, roles: readonly StaffRole[]): Attempt | undefined {
  const breakGlass = request.breakGlass;
  if (!breakGlass) return undefined;
  if (!roles.some((role) => policy.roles[role].canBreakGlass)) return { ok: false, reason: 'break-glass-not-permitted' };
  if (request.person.consent.refusesBreakGlass) return { ok: false, reason: 'break-glass-refused' };
  if (breakGlass.reason.trim().length < policy.breakGlass.minimumReasonLength) return { ok: false, reason: 'reason-required' };
  const started = Date.parse(breakGlass.startedAt);
  const requestedEnd = Date.parse(breakGlass.expiresAt);
  // However long the caller asked for, the policy's maximum is the limit.
  const ends = Math.min(requestedEnd, started + policy.breakGlass.maximumMinutes * MINUTE_MS);
  const at = request.now.getTime();
  if (Number.isNaN(started) || Number.isNaN(ends) || at < started || at >= ends) return { ok: false, reason: 'break-glass-expired' };
  return { ok: true, expiresAt: new Date(ends) };
}

function attemptSelfDeclaration(request: AccessRequest, policy: AccessPolicy, roles: readonly StaffRole[]): Attempt | undefined {
  const declaration = request.selfDeclared;
  if (!declaration) return undefined;
  if (!roles.some((role) => policy.roles[role].canSelfDeclare)) return { ok: false, reason: 'self-declaration-not-permitted' };
  if (declaration.reason.trim().length < policy.selfDeclared.minimumReasonLength) return { ok: false, reason: 'reason-required' };
  const declared = Date.parse(declaration.declaredAt);
  const ends = declared + policy.selfDeclared.validMinutes * MINUTE_MS;
  const at = request.now.getTime();
  if (Number.isNaN(declared) || at < declared || at >= ends) return { ok: false, reason: 'self-declaration-expired' };
  return { ok: true, expiresAt: new Date(ends) };
}

function decideForStaff(request: AccessRequest, policy: AccessPolicy, sections: readonly PolicySection[], ttlExpiry: Date): Outcome {
  const principal = request.principal;
  const roles = principal.roles.filter(isStaffRole);
  const purposeOfUse: PurposeOfUse = roles.length ? policy.roles[roles[0]!].purposeOfUse : 'TREAT';
  const matrix = new Set(roles.flatMap((role) => policy.roles[role].sections));
  const permitted = sections.filter((section) => matrix.has(section));
  const notPermitted = sections
    .filter((section) => !matrix.has(section))
    .map((section) => ({ section, reason: 'role-not-permitted' as const }));
  if (!permitted.length) return { ...denyAll([], 'role-not-permitted', purposeOfUse), deniedSections: notPermitted };
  const deny = (reason: DenialReason): Outcome => ({
    ...denyAll(permitted, reason, purposeOfUse),
    deniedSections: [...notPermitted, ...denyAll(permitted, reason, purposeOfUse).deniedSections],
  });
  if (!principal.organisation) return deny('no-organisation');

  // Break-glass first: a user who deliberately broke the glass is audited as such even if a relationship exists.
  const breakGlass = attemptBreakGlass(request, policy, roles);
  const relationship = findRelationship(
    request.relationshipEvidence,
    { organisationCode: principal.organisation.code, subject: principal.subject },
    policy,
    request.now,
  );
  const selfDeclared = breakGlass?.ok || relationship ? undefined : attemptSelfDeclaration(request, policy, roles);

  let basis: AccessBasis;
  let expiresAt = ttlExpiry;
  const extra: Partial<DecisionFields> = {};
  if (breakGlass?.ok) {
    basis = 'break-glass';
    expiresAt = new Date(Math.min(ttlExpiry.getTime(), breakGlass.expiresAt.getTime()));
    extra.statedReason = request.breakGlass!.reason.trim();
    extra.alertPrivacyOfficers = true;
    extra.consentOverridden = request.person.consent.optedOut || request.person.consent.hiddenSections.length > 0;
  } else if (relationship) {
    basis = 'relationship';
    extra.relationship = {
      kind: relationship.kind,
      organisationCode: relationship.organisationCode.toUpperCase(),
      date: relationship.date,
    };
  } else if (selfDeclared?.ok) {
    basis = 'self-declared';
    expiresAt = new Date(Math.min(ttlExpiry.getTime(), selfDeclared.expiresAt.getTime()));
    extra.statedReason = request.selfDeclared!.reason.trim();
  } else {
    // The most specific failure is the most useful to the user: a refused break-glass says more than "no relationship".
    const failure =
      (breakGlass && !breakGlass.ok && breakGlass.reason) || (selfDeclared && !selfDeclared.ok && selfDeclared.reason) || 'no-relationship';
    return deny(failure);
  }

  const overridesConsent = basis === 'break-glass';
  const { allowed, denied } = partition(permitted, (section) =>
    !overridesConsent && hiddenFrom(request, section) ? 'hidden-by-person' : undefined,
  );
  return {
    allowedSections: allowed,
    deniedSections: [...notPermitted, ...denied],
    basis,
    purposeOfUse: basis === 'break-glass' ? 'ETREAT' : purposeOfUse,
    expiresAt,
    optedOutLimitsSharing: request.person.consent.optedOut,
    ...extra,
  };
}
