import { isValidNhsNumber, normaliseNhsNumber } from '../../../../fhir/index.js';
import type { Principal } from '../../domain/principal.js';
import type { DenialReason, PersonConsent } from '../../policy/access-decision.js';
import { ORGANISATION_KINDS, type OrganisationKind, POLICY_SECTIONS, type PolicySection } from '../../policy/access-policy.js';

// A person's sharing choices as the hub stores them (docs/SECURITY.md, "Consent"), checked and
// turned into the PersonConsent the access policy decides with. Pure: no Nest, no I/O.

/** Sections hidden from each kind of organisation: { "social-care": ["conditions"] }. Kinds with nothing hidden are absent. */
export type HiddenSectionsByKind = Partial<Record<OrganisationKind, readonly PolicySection[]>>;

/** The stored choices, without bookkeeping. */
export interface ConsentChoices {
  optedOut: boolean;
  hiddenSections: HiddenSectionsByKind;
  refusesBreakGlass: boolean;
}

/** What a person asks to change; absent fields stay as they are. `hiddenSections` replaces the whole map. */
export interface ConsentChange {
  optedOut?: boolean;
  hiddenSections?: HiddenSectionsByKind;
  refusesBreakGlass?: boolean;
}

/** What the hub assumes when a person has never set anything: shared, nothing hidden, break-glass allowed. */
export const DEFAULT_CONSENT: Readonly<ConsentChoices> = Object.freeze({ optedOut: false, hiddenSections: {}, refusesBreakGlass: false });

/** A consent change the hub will not store: `problems` names each field and what is wrong, safe to show the person. */
export class InvalidConsentChange extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid consent change: ${problems.join('; ')}`);
    this.name = 'InvalidConsentChange';
  }
}

const CHANGE_FIELDS = ['optedOut', 'hiddenSections', 'refusesBreakGlass'] as const;
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const quoted = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value) : String(value));

/**
 * Checks a change as a person (or the API on their behalf) sent it and returns it normalised:
 * sections in the policy's order, duplicates dropped, kinds with nothing hidden left out.
 * Throws InvalidConsentChange naming every problem at once.
 */
export function validateConsentChange(raw: unknown): ConsentChange {
  if (!isRecord(raw)) throw new InvalidConsentChange(['the change must be an object']);
  const problems: string[] = [];
  const change: ConsentChange = {};
  for (const key of Object.keys(raw))
    if (!(CHANGE_FIELDS as readonly string[]).includes(key))
      problems.push(`${quoted(key)} is not a consent setting (one of: ${CHANGE_FIELDS.join(', ')})`);
  for (const flag of ['optedOut', 'refusesBreakGlass'] as const) {
    const value = raw[flag];
    if (value === undefined) continue;
    if (typeof value === 'boolean') change[flag] = value;
    else problems.push(`${flag} must be true or false`);
  }
  if (raw.hiddenSections !== undefined) {
    const hidden = validateHiddenSections(raw.hiddenSections, problems);
    if (hidden) change.hiddenSections = hidden;
  }
  if (!problems.length && !CHANGE_FIELDS.some((field) => change[field] !== undefined))
    problems.push(`the change sets nothing (give at least one of: ${CHANGE_FIELDS.join(', ')})`);
  if (problems.length) throw new InvalidConsentChange(problems);
  return change;
}

function validateHiddenSections(raw: unknown, problems: string[]): HiddenSectionsByKind | undefined {
  if (!isRecord(raw)) {
    problems.push('hiddenSections must map kinds of organisation to lists of sections, e.g. { "social-care": ["conditions"] }');
    return undefined;
  }
  const hidden: HiddenSectionsByKind = {};
  for (const [kind, sections] of Object.entries(raw)) {
    if (!(ORGANISATION_KINDS as readonly string[]).includes(kind)) {
      problems.push(`hiddenSections: ${quoted(kind)} is not a kind of organisation (one of: ${ORGANISATION_KINDS.join(', ')})`);
      continue;
    }
    if (!Array.isArray(sections)) {
      problems.push(`hiddenSections.${kind} must be a list of sections`);
      continue;
    }
    const unknown = sections.filter((section) => !(POLICY_SECTIONS as readonly unknown[]).includes(section));
    for (const section of unknown)
      problems.push(`hiddenSections.${kind}: ${quoted(section)} is not a record section (one of: ${POLICY_SECTIONS.join(', ')})`);
    if (unknown.length) continue;
    const listed = POLICY_SECTIONS.filter((section) => sections.includes(section));
    if (listed.length) hidden[kind as OrganisationKind] = listed;
  }
  return hidden;
}

/** The choices after a change: absent fields keep their value. */
export function applyConsentChange(before: ConsentChoices, change: ConsentChange): ConsentChoices {
  return {
    optedOut: change.optedOut ?? before.optedOut,
    hiddenSections: change.hiddenSections ?? before.hiddenSections,
    refusesBreakGlass: change.refusesBreakGlass ?? before.refusesBreakGlass,
  };
}

/** The settings that differ between two sets of choices, for the audit row (names only: the values stay in consent_change). */
export function changedSettings(before: ConsentChoices, after: ConsentChoices): string[] {
  const changed: string[] = [];
  if (before.optedOut !== after.optedOut) changed.push('optedOut');
  if (JSON.stringify(canonicalHidden(before.hiddenSections)) !== JSON.stringify(canonicalHidden(after.hiddenSections)))
    changed.push('hiddenSections');
  if (before.refusesBreakGlass !== after.refusesBreakGlass) changed.push('refusesBreakGlass');
  return changed;
}

/** The same map in ORGANISATION_KINDS order, so equal choices compare (and store) equal. */
export function canonicalHidden(hidden: HiddenSectionsByKind): HiddenSectionsByKind {
  const canonical: HiddenSectionsByKind = {};
  for (const kind of ORGANISATION_KINDS) {
    const sections = hidden[kind];
    if (sections?.length) canonical[kind] = POLICY_SECTIONS.filter((section) => sections.includes(section));
  }
  return canonical;
}

/** The stored choices in the shape the access policy takes (AccessRequest.person.consent). */
export function toPersonConsent(choices: ConsentChoices): PersonConsent {
  const bySection = new Map<PolicySection, OrganisationKind[]>();
  for (const kind of ORGANISATION_KINDS)
    for (const section of choices.hiddenSections[kind] ?? []) bySection.set(section, [...(bySection.get(section) ?? []), kind]);
  return {
    optedOut: choices.optedOut,
    hiddenSections: POLICY_SECTIONS.filter((section) => bySection.has(section)).map((section) => ({
      section,
      organisationKinds: bySection.get(section)!,
    })),
    refusesBreakGlass: choices.refusesBreakGlass,
  };
}

/** The NHS number as stored (ten digits), or undefined when it is not a valid one. */
export function consentKey(nhsNumber: string): string | undefined {
  const normalised = normaliseNhsNumber(nhsNumber);
  return isValidNhsNumber(normalised) ? normalised : undefined;
}

/** Proofing NHS login calls "high": choices that change who sees a record need the same as reading it in full. */
const REQUIRED_PROOFING = 'P9';

/**
 * Why `principal` may not change the consent of the person with `nhsNumber` (a policy reason
 * code), or undefined when they may: only the person themself, proven to P9. Carers cannot
 * (delegation covers reading and readings, not consent), nor can staff or services.
 */
export function consentChangeRefusal(principal: Principal, nhsNumber: string): DenialReason | undefined {
  if (principal.kind !== 'resident') return 'role-not-permitted';
  const own = principal.nhsNumber === undefined ? undefined : consentKey(principal.nhsNumber);
  if (own === undefined || own !== consentKey(nhsNumber)) return 'not-own-record';
  if (principal.proofingLevel !== REQUIRED_PROOFING) return 'insufficient-proofing';
  return undefined;
}
