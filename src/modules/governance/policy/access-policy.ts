import { z } from 'zod';

import { RECORD_SECTIONS, type RecordSection } from '../../source-connectors/index.js';

// The access policy as an information governance officer writes it (config/access-policy.json,
// docs/SECURITY.md "Access policy"): parsed and checked here so a bad file stops the start with
// one message per problem, each naming the key.

/** What the policy decides on: the record's sections plus the person's demographics. */
export const POLICY_SECTIONS = ['demographics', ...RECORD_SECTIONS] as const;
export type PolicySection = 'demographics' | RecordSection;

/** Staff roles the matrix covers; residents, carers and services have rules of their own. */
export const STAFF_ROLES = [
  'clinician',
  'social-worker',
  'care-worker',
  'admin-clerk',
  'operator',
  'data-steward',
  'privacy-officer',
  'analyst',
] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** HL7 PurposeOfUse codes (terminology.hl7.org/ValueSet/v3-PurposeOfUse) the policy may use. */
export const PURPOSES_OF_USE = [
  'TREAT',
  'ETREAT',
  'COC',
  'PATADMIN',
  'PATRQT',
  'FAMRQT',
  'PWATRNY',
  'HOPERAT',
  'HPAYMT',
  'HRESCH',
  'HMARKT',
  'PUBHLTH',
  'HSYSADMIN',
] as const;
export type PurposeOfUse = (typeof PURPOSES_OF_USE)[number];

export const PROOFING_LEVELS = ['P0', 'P5', 'P9'] as const;
export type ProofingLevel = (typeof PROOFING_LEVELS)[number];

export const ORGANISATION_KINDS = ['gp', 'acute', 'mental-health', 'community', 'social-care'] as const;
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number];

const section = z.enum(POLICY_SECTIONS);
const sections = z.array(section).refine((list) => new Set(list).size === list.length, { message: 'lists a section twice' });
const purpose = z.enum(PURPOSES_OF_USE);
const days = z.number().int('must be a whole number of days').min(0, 'must be at least 0').max(3650, 'must be at most 3650');
const minutes = z
  .number()
  .int('must be a whole number of minutes')
  .min(1, 'must be at least 1')
  .max(10_080, 'must be at most 10080 (a week)');
const reasonLength = z.number().int().min(1, 'must be at least 1').max(500, 'must be at most 500');
/** An ODS code, or a prefix ending in `*` standing for every code that starts with it (F83*). */
const organisationPattern = z
  .string()
  .regex(/^[A-Z0-9]{1,12}\*?$/, 'must be an ODS code such as R9A, or a prefix ending in * such as F83*');
const coding = z.strictObject({ system: z.string().min(1, 'must not be empty'), code: z.string().min(1, 'must not be empty') });
const snomedCode = z.string().regex(/^\d{6,18}$/, 'must be a SNOMED CT concept id (6 to 18 digits)');

const staffRoleSchema = z.strictObject({
  description: z.string().optional(),
  sections,
  purposeOfUse: purpose,
  canSelfDeclare: z.boolean(),
  canBreakGlass: z.boolean(),
});

/** Reading the identity index (data stewards' and operators' own work): no relationship needed, nor consent. */
const identityIndexRoleSchema = z.strictObject({ description: z.string().optional(), sections, purposeOfUse: purpose });

const policySchema = z.strictObject({
  description: z.string().optional(),
  version: z.literal(1, { message: 'must be 1 (the only format this hub reads)' }),
  decisionTtlSeconds: z.number().int().min(1, 'must be at least 1').max(3600, 'must be at most 3600'),
  roles: z.strictObject(
    Object.fromEntries(STAFF_ROLES.map((role) => [role, staffRoleSchema])) as Record<StaffRole, typeof staffRoleSchema>,
  ),
  identityIndex: z.strictObject({
    description: z.string().optional(),
    // A role left out reads nothing of the index.
    roles: z.strictObject(
      Object.fromEntries(STAFF_ROLES.map((role) => [role, identityIndexRoleSchema.optional()])) as Record<
        StaffRole,
        z.ZodOptional<typeof identityIndexRoleSchema>
      >,
    ),
  }),
  relationships: z.strictObject({
    description: z.string().optional(),
    admissionWindowDays: days,
    attendanceWindowDays: days,
    referralWindowDays: days,
    careTeamEndedGraceDays: days,
    socialCareAllocationClosedGraceDays: days,
    gpRegistrationEndedGraceDays: days,
  }),
  selfDeclared: z.strictObject({ description: z.string().optional(), minimumReasonLength: reasonLength, validMinutes: minutes }),
  breakGlass: z.strictObject({ description: z.string().optional(), minimumReasonLength: reasonLength, maximumMinutes: minutes }),
  residents: z.strictObject({
    description: z.string().optional(),
    purposeOfUse: purpose,
    sectionsByProofing: z.strictObject({ P0: sections, P5: sections, P9: sections }),
    resultsReleaseDelayDays: days,
  }),
  carers: z.strictObject({
    description: z.string().optional(),
    purposeOfUse: purpose,
    sections,
    minimumProofing: z.enum(PROOFING_LEVELS),
  }),
  services: z.strictObject({
    description: z.string().optional(),
    scopes: z.record(
      z.string().regex(/^[A-Za-z0-9:._-]{1,64}$/, 'a scope is 1 to 64 letters, digits or : . _ -'),
      z.strictObject({ description: z.string().optional(), sections, purposeOfUse: purpose }),
    ),
  }),
  sharing: z.strictObject({
    description: z.string().optional(),
    networks: z.array(
      z.strictObject({
        name: z.string().min(1, 'must not be empty'),
        description: z.string().optional(),
        organisations: z.array(organisationPattern).min(2, 'a network needs at least two organisations'),
        sections: sections.refine((list) => list.length > 0, { message: 'must list at least one section' }),
      }),
    ),
    agreements: z.array(
      z.strictObject({
        name: z.string().min(1, 'must not be empty'),
        description: z.string().optional(),
        from: z.array(organisationPattern).min(1, 'must name at least one organisation'),
        to: z.array(organisationPattern).min(1, 'must name at least one organisation'),
        sections: sections.refine((list) => list.length > 0, { message: 'must list at least one section' }),
      }),
    ),
  }),
  privacyLabel: coding.extend({ description: z.string().optional() }),
  sensitive: z.strictObject({
    description: z.string().optional(),
    shareableLabel: coding.extend({ description: z.string().optional() }),
    lists: z.array(
      z.strictObject({
        name: z.string().regex(/^[a-z0-9-]{1,40}$/, 'must be 1 to 40 lower-case letters, digits or -'),
        description: z.string().optional(),
        codes: z.array(z.strictObject({ code: snomedCode, display: z.string().min(1) })).min(1, 'must list at least one code'),
      }),
    ),
  }),
});

export type AccessPolicyFile = z.output<typeof policySchema>;
export type StaffRolePolicy = z.output<typeof staffRoleSchema>;

/** The parsed policy plus the look-ups the decision needs, built once at start. */
export interface AccessPolicy extends AccessPolicyFile {
  /** SNOMED CT code -> the name of the sensitive list that holds it. */
  readonly sensitiveCodes: ReadonlyMap<string, string>;
}

export class AccessPolicyError extends Error {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(problems.length ? `${message}:\n${problems.map((p) => `  ${p}`).join('\n')}` : message);
    this.name = 'AccessPolicyError';
  }
}

function pathOf(path: PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)),
    '',
  );
}

/** Checks a policy document; throws AccessPolicyError listing every problem with the key it is at. */
export function parseAccessPolicy(json: unknown, source = 'access policy'): AccessPolicy {
  const parsed = policySchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      // zod names an unknown key in the message, not the path; say which key so a typo is found.
      const where = pathOf(issue.path) || '(top level)';
      return `${where}: ${issue.message}`;
    });
    throw new AccessPolicyError(`${source} is invalid`, problems);
  }
  const policy = parsed.data;
  const problems: string[] = [];
  const sensitiveCodes = new Map<string, string>();
  policy.sensitive.lists.forEach((list, index) => {
    for (const { code } of list.codes) {
      const other = sensitiveCodes.get(code);
      if (other && other !== list.name) problems.push(`sensitive.lists[${index}].codes: ${code} is already in the list "${other}"`);
      sensitiveCodes.set(code, sensitiveCodes.get(code) ?? list.name);
    }
  });
  const listNames = policy.sensitive.lists.map((list) => list.name);
  listNames.forEach((name, index) => {
    if (listNames.indexOf(name) !== index) problems.push(`sensitive.lists[${index}].name: "${name}" is used twice`);
  });
  if (
    policy.privacyLabel.system === policy.sensitive.shareableLabel.system &&
    policy.privacyLabel.code === policy.sensitive.shareableLabel.code
  )
    problems.push('sensitive.shareableLabel: must differ from privacyLabel');
  if (problems.length) throw new AccessPolicyError(`${source} is invalid`, problems);
  return { ...policy, sensitiveCodes };
}
