import { NHS_NUMBER_SYSTEM, type R4CarePlan } from '../../../../fhir/index.js';

// Shared care plans: plans no single source owns (urgent care, end of life, crisis), kept by the
// hub, versioned, and shown as FHIR R4 CarePlans from the hub's own source. Pure: checks what a
// professional sends, and maps it to the CarePlan each version stores.

/** The kinds of plan the hub keeps: a small list so that portals can offer and filter them. */
export const SHARED_CARE_PLAN_KINDS = ['urgent-care', 'end-of-life', 'crisis', 'other'] as const;
export type SharedCarePlanKind = (typeof SHARED_CARE_PLAN_KINDS)[number];

export const SHARED_CARE_PLAN_KIND_DISPLAY: Readonly<Record<SharedCarePlanKind, string>> = {
  'urgent-care': 'Urgent care plan',
  'end-of-life': 'End of life care plan',
  crisis: 'Crisis plan',
  other: 'Shared care plan',
};

/**
 * Hub roles that may create and change shared care plans (with carePlans in their read access):
 * those who plan care. Care workers follow plans; admin staff do not plan care.
 */
export const CARE_PLAN_EDITOR_ROLES = ['clinician', 'social-worker'] as const;

/** The hub's code system for a plan's kind (CarePlan.category). */
export const SHARED_CARE_PLAN_KIND_SYSTEM = 'https://tessera.example.org/fhir/CodeSystem/shared-care-plan-kind';
/** The hub's identifier of a plan, the same in every version. */
export const SHARED_CARE_PLAN_IDENTIFIER_SYSTEM = 'https://tessera.example.org/fhir/Id/shared-care-plan';
const SNOMED_CT = 'http://snomed.info/sct';
const ODS_CODE_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';

export const CARE_PLAN_LIMITS = {
  title: 200,
  description: 4_000,
  activities: 50,
  activity: 1_000,
  addresses: 20,
  display: 200,
  changeNote: 500,
  /** A revocation must say why, briefly. */
  minimumRevokeReason: 10,
} as const;

/** What a professional writes: the whole plan, every time (each version is complete). */
export interface SharedCarePlanInput {
  title: string;
  kind: string;
  description?: string | null;
  /** Plain-text descriptions of what is to be done. */
  activities?: readonly string[] | null;
  /** YYYY-MM-DD. */
  periodStart: string;
  periodEnd?: string | null;
  /** Conditions the plan is for, as SNOMED CT concepts. */
  addresses?: ReadonlyArray<{ code: string; display: string }> | null;
  /** What changed, for the history. */
  changeNote?: string | null;
}

/** The input once checked: trimmed, with empty optional fields dropped. */
export interface CheckedCarePlan {
  title: string;
  kind: SharedCarePlanKind;
  description?: string;
  activities: string[];
  periodStart: string;
  periodEnd?: string;
  addresses: Array<{ code: string; display: string }>;
  changeNote?: string;
}

/** Who wrote a version, as the plan shows it. */
export interface CarePlanAuthor {
  name: string;
  role: string;
  organisationCode: string;
  organisationName?: string;
}

/** Everything a version's CarePlan is made of. */
export interface CarePlanVersionFacts {
  planId: string;
  version: number;
  nhsNumber: string;
  status: 'active' | 'revoked';
  planCreatedAt: Date;
  versionCreatedAt: Date;
  author: CarePlanAuthor;
  content: CheckedCarePlan;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
// Tabs and line breaks are text; other control characters are not.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** The checked plan, or every problem in words safe to show (never echoing what was sent). */
export function checkCarePlanInput(input: SharedCarePlanInput): { ok: true; plan: CheckedCarePlan } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const text = (value: string | null | undefined, field: string, max: number, required: boolean): string | undefined => {
    const trimmed = typeof value === 'string' ? value.trim() : '';
    if (!trimmed) {
      if (required) problems.push(`${field} is required`);
      return undefined;
    }
    if (trimmed.length > max) problems.push(`${field} must be at most ${max} characters`);
    if (CONTROL.test(trimmed)) problems.push(`${field} must be plain text (no control characters)`);
    return trimmed;
  };

  const title = text(input.title, 'title', CARE_PLAN_LIMITS.title, true);
  const kind = (SHARED_CARE_PLAN_KINDS as readonly string[]).includes(input.kind) ? (input.kind as SharedCarePlanKind) : undefined;
  if (!kind) problems.push(`kind must be one of ${SHARED_CARE_PLAN_KINDS.join(', ')}`);
  const description = text(input.description, 'description', CARE_PLAN_LIMITS.description, false);
  const activities: string[] = [];
  const givenActivities = input.activities ?? [];
  if (givenActivities.length > CARE_PLAN_LIMITS.activities) problems.push(`activities: at most ${CARE_PLAN_LIMITS.activities}`);
  givenActivities.slice(0, CARE_PLAN_LIMITS.activities).forEach((activity, index) => {
    const checked = text(activity, `activities[${index}]`, CARE_PLAN_LIMITS.activity, true);
    if (checked) activities.push(checked);
  });
  const periodStart = checkDate(input.periodStart, 'periodStart', problems, true);
  const periodEnd = checkDate(input.periodEnd, 'periodEnd', problems, false);
  if (periodStart && periodEnd && periodEnd < periodStart) problems.push('periodEnd must not be before periodStart');
  const addresses: Array<{ code: string; display: string }> = [];
  const givenAddresses = input.addresses ?? [];
  if (givenAddresses.length > CARE_PLAN_LIMITS.addresses) problems.push(`addresses: at most ${CARE_PLAN_LIMITS.addresses}`);
  givenAddresses.slice(0, CARE_PLAN_LIMITS.addresses).forEach((concept, index) => {
    const code = typeof concept.code === 'string' ? concept.code.trim() : '';
    if (!isSnomedConceptId(code))
      problems.push(`addresses[${index}].code must be a SNOMED CT concept id (digits, with a valid check digit)`);
    const display = text(concept.display, `addresses[${index}].display`, CARE_PLAN_LIMITS.display, true);
    if (display && isSnomedConceptId(code)) addresses.push({ code, display });
  });
  if (new Set(addresses.map((concept) => concept.code)).size !== addresses.length) problems.push('addresses must not repeat a code');
  const changeNote = text(input.changeNote, 'changeNote', CARE_PLAN_LIMITS.changeNote, false);

  if (problems.length || !title || !kind || !periodStart) return { ok: false, problems };
  return {
    ok: true,
    plan: {
      title,
      kind,
      ...(description ? { description } : {}),
      activities,
      periodStart,
      ...(periodEnd ? { periodEnd } : {}),
      addresses,
      ...(changeNote ? { changeNote } : {}),
    },
  };
}

/** A revocation's reason, trimmed, or the problem. */
export function checkRevokeReason(reason: string): { ok: true; reason: string } | { ok: false; problem: string } {
  const trimmed = typeof reason === 'string' ? reason.trim() : '';
  if (trimmed.length < CARE_PLAN_LIMITS.minimumRevokeReason)
    return { ok: false, problem: `reason must be at least ${CARE_PLAN_LIMITS.minimumRevokeReason} characters` };
  if (trimmed.length > CARE_PLAN_LIMITS.changeNote)
    return { ok: false, problem: `reason must be at most ${CARE_PLAN_LIMITS.changeNote} characters` };
  if (CONTROL.test(trimmed)) return { ok: false, problem: 'reason must be plain text (no control characters)' };
  return { ok: true, reason: trimmed };
}

function checkDate(value: string | null | undefined, field: string, problems: string[], required: boolean): string | undefined {
  if (value === undefined || value === null || value === '') {
    if (required) problems.push(`${field} is required (YYYY-MM-DD)`);
    return undefined;
  }
  const date = DATE.test(value) ? new Date(`${value}T00:00:00Z`) : undefined;
  // Rejects 2026-02-30 as well as other shapes: the date must read back as written.
  if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    problems.push(`${field} must be a date (YYYY-MM-DD)`);
    return undefined;
  }
  return value;
}

/** A SNOMED CT concept id: 6 to 18 digits, no leading zero, a concept partition (00 or 10), and a valid Verhoeff check digit. */
export function isSnomedConceptId(code: string): boolean {
  if (!/^[1-9]\d{5,17}$/.test(code)) return false;
  const partition = code.slice(-3, -1);
  if (partition !== '00' && partition !== '10') return false;
  return verhoeffValid(code);
}

const VERHOEFF_D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

function verhoeffValid(digits: string): boolean {
  let check = 0;
  [...digits].reverse().forEach((digit, index) => {
    check = VERHOEFF_D[check]![VERHOEFF_P[index % 8]![Number(digit)]!]!;
  });
  return check === 0;
}

/** The FHIR R4 CarePlan one version of a plan is, as it is stored and shown. */
export function carePlanResource(facts: CarePlanVersionFacts): R4CarePlan {
  const { content, author } = facts;
  const kindDisplay = SHARED_CARE_PLAN_KIND_DISPLAY[content.kind];
  const subject = { identifier: { system: NHS_NUMBER_SYSTEM, value: facts.nhsNumber } };
  // R4 CarePlan.addresses references Conditions: the coded concepts travel as contained ones.
  const contained = content.addresses.map((concept, index) => ({
    resourceType: 'Condition' as const,
    id: `addresses-${index + 1}`,
    code: { coding: [{ system: SNOMED_CT, code: concept.code, display: concept.display }], text: concept.display },
    subject,
  }));
  return {
    resourceType: 'CarePlan',
    id: facts.planId,
    meta: { versionId: String(facts.version), lastUpdated: facts.versionCreatedAt.toISOString() },
    ...(contained.length ? { contained } : {}),
    identifier: [{ system: SHARED_CARE_PLAN_IDENTIFIER_SYSTEM, value: facts.planId }],
    status: facts.status,
    intent: 'plan',
    // The conditions are categories too (R4's examples include 'asthma'): the policy's sensitive-code
    // check reads categories, not contained resources, so a plan for a sensitive condition is withheld like one.
    category: [
      { coding: [{ system: SHARED_CARE_PLAN_KIND_SYSTEM, code: content.kind, display: kindDisplay }], text: kindDisplay },
      ...content.addresses.map((concept) => ({
        coding: [{ system: SNOMED_CT, code: concept.code, display: concept.display }],
        text: concept.display,
      })),
    ],
    title: content.title,
    ...(content.description ? { description: content.description } : {}),
    subject,
    period: { start: content.periodStart, ...(content.periodEnd ? { end: content.periodEnd } : {}) },
    created: facts.planCreatedAt.toISOString(),
    author: { display: `${author.name} (${author.role}, ${author.organisationName ?? author.organisationCode})` },
    contributor: [
      {
        identifier: { system: ODS_CODE_SYSTEM, value: author.organisationCode },
        display: author.organisationName ?? author.organisationCode,
      },
    ],
    ...(contained.length
      ? { addresses: contained.map((condition, index) => ({ reference: `#${condition.id}`, display: content.addresses[index]!.display })) }
      : {}),
    ...(content.activities.length
      ? {
          activity: content.activities.map((description) => ({
            // The hub records the plan, not its delivery: whether an activity has started is not known here.
            detail: { status: 'unknown' as const, description },
          })),
        }
      : {}),
  };
}

/** The content a stored CarePlan holds: what a revocation keeps while changing only the status. */
export function contentOf(resource: R4CarePlan): CheckedCarePlan {
  const kind = resource.category?.[0]?.coding?.find((coding) => coding.system === SHARED_CARE_PLAN_KIND_SYSTEM)?.code;
  const addresses = (resource.contained ?? []).flatMap((contained) => {
    const coding = (contained as { code?: { coding?: Array<{ system?: string; code?: string; display?: string }> } }).code?.coding?.find(
      (candidate) => candidate.system === SNOMED_CT,
    );
    return coding?.code ? [{ code: coding.code, display: coding.display ?? coding.code }] : [];
  });
  return {
    title: resource.title ?? '',
    kind: (SHARED_CARE_PLAN_KINDS as readonly string[]).includes(kind ?? '') ? (kind as SharedCarePlanKind) : 'other',
    ...(resource.description ? { description: resource.description } : {}),
    activities: (resource.activity ?? []).flatMap((activity) => (activity.detail?.description ? [activity.detail.description] : [])),
    periodStart: resource.period?.start ?? '',
    ...(resource.period?.end ? { periodEnd: resource.period.end } : {}),
    addresses,
  };
}
