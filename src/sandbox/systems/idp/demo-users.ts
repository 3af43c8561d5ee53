import { createHash } from 'node:crypto';

import { ageOn, dayNumber } from '../../population/dates.js';
import type { Household, Organisation, Person, Population } from '../../population/population.types.js';
import { ACUTE_TRUST, CARE_PROVIDERS, COUNCIL, GP_PRACTICES, MENTAL_HEALTH_TRUST } from '../../population/reference-data/organisations.js';
import type { SystemDirectory, SystemRecord } from '../../records/system-record.types.js';

// The people who sign in to the demo: invented staff with CIS2-like national RBAC roles, and a
// few residents of the synthetic borough with NHS login-like identities. Both are a pure function
// of the population, so the same seed always gives the same users.

export type DemoUserKind = 'staff' | 'resident';

export type StaffPersona =
  | 'gp'
  | 'practice-nurse'
  | 'admin-clerk'
  | 'hospital-doctor'
  | 'mental-health-nurse'
  | 'social-worker'
  | 'care-worker'
  | 'operator'
  | 'privacy-officer'
  | 'analyst';

/** A role as CIS2 describes it: `role_code` is "S<set>:G<group>:R<role>". */
export interface AccessRole {
  /** The job role, the last part of the code: R8000. */
  code: string;
  roleCode: string;
  /** CIS2's quoted form: "Clinical":"Clinical Provision":"Clinical Practitioner Access Role". */
  roleName: string;
  /** `national`: a National RBAC Database role; `sandbox`: invented here, no national code fits. */
  source: 'national' | 'sandbox';
}

/** One element of the `nhsid_nrbac_roles` claim, as in a CIS2 ID token. */
export interface NationalRbacRole {
  person_orgid: string;
  person_roleid: string;
  org_code: string;
  role_name: string;
  role_code: string;
}

export interface OrganisationRef {
  code: string;
  name: string;
}

export interface StaffUser {
  id: string;
  kind: 'staff';
  persona: StaffPersona;
  /** CIS2's subject: the 12-digit user UID (nhsid_useruid). */
  sub: string;
  title?: string;
  given: string;
  family: string;
  name: string;
  description: string;
  organisation: OrganisationRef;
  roles: AccessRole[];
  nrbacRoles: NationalRbacRole[];
}

export interface CarerFor {
  nhsNumber: string;
  name: string;
  /** What the cared-for person is to the carer. */
  relationship: 'child' | 'parent' | 'spouse' | 'household-member';
}

export interface ResidentUser {
  id: string;
  kind: 'resident';
  persona: 'resident';
  /** NHS login's subject: an opaque UUID, stable for the NHS number. */
  sub: string;
  given: string;
  family: string;
  name: string;
  description: string;
  nhsNumber: string;
  birthDate: string;
  /** NHS login's identity_proofing_level: P9 is fully verified, P5 is self-asserted. */
  identityProofingLevel: 'P9' | 'P5';
  /** The resident's GP practice. */
  organisation: OrganisationRef;
  roles: AccessRole[];
  carerFor?: CarerFor;
}

export type DemoUser = StaffUser | ResidentUser;

export const RESIDENT_USER_COUNT = 8;

const CARER_CHILD_MAX_AGE = 15;
const CARER_OLDER_MIN_AGE = 75;

const ROLES = {
  clinicalPractitioner: national('S8000:G8000:R8000', '"Clinical":"Clinical Provision":"Clinical Practitioner Access Role"'),
  nurse: national('S8000:G8000:R8001', '"Clinical":"Clinical Provision":"Nurse Access Role"'),
  adminClinicalSupport: national('S8001:G8002:R8008', '"Support":"Support":"Admin/Clinical Support Access Role"'),
  socialWorker: national('S8000:G8000:R8014', '"Clinical":"Clinical Provision":"Social Worker Access Role"'),
  systemsSupport: national('S8001:G8005:R8015', '"Support":"Systems Support":"Systems Support Access Role"'),
  // No national access role fits these; the SB prefix marks codes that exist only in the sandbox.
  careWorker: sandbox('SSB00:GSB00:RSB01', '"Sandbox":"Social Care":"Care Worker Access Role (sandbox)"'),
  privacyOfficer: sandbox('SSB00:GSB00:RSB02', '"Sandbox":"Governance":"Privacy Officer Access Role (sandbox)"'),
  analyst: sandbox('SSB00:GSB00:RSB03', '"Sandbox":"Analytics":"Analyst Access Role (sandbox)"'),
} satisfies Record<string, AccessRole>;

/** The organisation that runs the shared care record; invented, as no reference organisation plays it. */
export const HUB_ORGANISATION: OrganisationRef = { code: 'Y9T01', name: 'Tessera Shared Care Record Service (sandbox)' };

interface StaffTemplate {
  persona: StaffPersona;
  title?: string;
  given: string;
  family: string;
  description: string;
  role: AccessRole;
  organisation: (places: StaffPlaces) => OrganisationRef;
}

interface StaffPlaces {
  practice: OrganisationRef;
}

const STAFF: StaffTemplate[] = [
  {
    persona: 'gp',
    title: 'Dr',
    given: 'Amara',
    family: 'Okafor',
    description: 'GP partner at the practice most demo residents are registered with',
    role: ROLES.clinicalPractitioner,
    organisation: ({ practice }) => practice,
  },
  {
    persona: 'practice-nurse',
    given: 'Siobhan',
    family: 'Murphy',
    description: 'practice nurse at the same practice',
    role: ROLES.nurse,
    organisation: ({ practice }) => practice,
  },
  {
    persona: 'admin-clerk',
    given: 'Tomasz',
    family: 'Nowak',
    description: 'reception and admin clerk at the same practice',
    role: ROLES.adminClinicalSupport,
    organisation: ({ practice }) => practice,
  },
  {
    persona: 'hospital-doctor',
    title: 'Dr',
    given: 'Priya',
    family: 'Raman',
    description: 'acute medicine registrar at the hospital trust',
    role: ROLES.clinicalPractitioner,
    organisation: () => ref(ACUTE_TRUST),
  },
  {
    persona: 'mental-health-nurse',
    given: 'Kwame',
    family: 'Mensah',
    description: 'community mental health nurse at the mental health trust',
    role: ROLES.nurse,
    organisation: () => ref(MENTAL_HEALTH_TRUST),
  },
  {
    persona: 'social-worker',
    given: 'Fatima',
    family: 'Hassan',
    description: "social worker in the council's adult social care team",
    role: ROLES.socialWorker,
    organisation: () => ref(COUNCIL),
  },
  {
    persona: 'care-worker',
    given: 'Maria',
    family: 'Santos',
    description: 'home care worker at a care provider',
    role: ROLES.careWorker,
    organisation: () => ref(CARE_PROVIDERS[0] as Organisation),
  },
  {
    persona: 'operator',
    given: 'Daniel',
    family: 'Cohen',
    description: 'runs the shared care record service (sources, sync, health)',
    role: ROLES.systemsSupport,
    organisation: () => HUB_ORGANISATION,
  },
  {
    persona: 'privacy-officer',
    given: 'Helen',
    family: 'Whitfield',
    description: 'privacy officer: audit trails, access reviews, break-glass follow-up',
    role: ROLES.privacyOfficer,
    organisation: () => HUB_ORGANISATION,
  },
  {
    persona: 'analyst',
    given: 'Yusuf',
    family: 'Demir',
    description: 'population health analyst (de-identified data only)',
    role: ROLES.analyst,
    organisation: () => HUB_ORGANISATION,
  },
];

const STAFF_ID_PREFIX: Record<StaffPersona, string> = {
  gp: 'gp',
  'practice-nurse': 'nurse',
  'admin-clerk': 'admin',
  'hospital-doctor': 'doctor',
  'mental-health-nurse': 'mh-nurse',
  'social-worker': 'social-worker',
  'care-worker': 'care-worker',
  operator: 'operator',
  'privacy-officer': 'privacy',
  analyst: 'analyst',
};

/**
 * The demo users of a population. Residents are the first living adults (by person index, one per
 * household) with a GP registration and a clean PDS record (its NHS number is theirs, it is no
 * duplicate), plus one carer: the first such adult sharing a household with a child or an older
 * person. The last non-carer resident is proofed to P5 only.
 */
export function buildDemoUsers(population: Population, pds: SystemDirectory): DemoUser[] {
  const residents = chooseResidents(population, pds);
  const practice = busiestPractice(residents) ?? ref(GP_PRACTICES[0] as Organisation);
  const staff = STAFF.map((template, index) => staffUser(template, index, { practice }));
  return [...staff, ...residents];
}

/** The practice most demo residents are registered with (the earliest resident's on a tie): the GP's own. */
function busiestPractice(residents: ResidentUser[]): OrganisationRef | undefined {
  const counts = new Map<string, { practice: OrganisationRef; residents: number }>();
  for (const resident of residents) {
    const entry = counts.get(resident.organisation.code) ?? { practice: resident.organisation, residents: 0 };
    entry.residents += 1;
    counts.set(resident.organisation.code, entry);
  }
  let best: { practice: OrganisationRef; residents: number } | undefined;
  for (const entry of counts.values()) if (!best || entry.residents > best.residents) best = entry;
  return best?.practice;
}

function staffUser(template: StaffTemplate, index: number, places: StaffPlaces): StaffUser {
  const organisation = template.organisation(places);
  const uid = `5550${String(index + 1).padStart(8, '0')}`;
  const roleProfileId = `5551${String(index + 1).padStart(8, '0')}`;
  return {
    id: `${STAFF_ID_PREFIX[template.persona]}.${slug(template.given)}.${slug(template.family)}`,
    kind: 'staff',
    persona: template.persona,
    sub: uid,
    title: template.title,
    given: template.given,
    family: template.family,
    name: [template.title, template.given, template.family].filter(Boolean).join(' '),
    description: template.description,
    organisation,
    roles: [template.role],
    nrbacRoles: [
      {
        person_orgid: `5552${String(index + 1).padStart(8, '0')}`,
        person_roleid: roleProfileId,
        org_code: organisation.code,
        role_name: template.role.roleName,
        role_code: template.role.roleCode,
      },
    ],
  };
}

function chooseResidents(population: Population, pds: SystemDirectory): ResidentUser[] {
  const referenceDay = dayNumber(population.referenceDate);
  const people = new Map(population.people.map((person) => [person.id, person]));
  const households = new Map(population.households.map((household) => [household.id, household]));
  const organisations = new Map<string, Organisation>([...GP_PRACTICES, ...population.organisations].map((org) => [org.code, org]));
  const ageOf = (person: Person) => ageOn(dayNumber(person.birthDate), referenceDay);
  const living = (person: Person) => !person.deathDate || dayNumber(person.deathDate) > referenceDay;

  const eligible = population.people
    .filter((person) => living(person) && ageOf(person) >= 18 && person.gp !== undefined && cleanPdsRecord(person, pds) !== undefined)
    .sort((a, b) => a.index - b.index);

  const carer = findCarer(eligible, households, people, ageOf, living);
  // One resident per household, so the demo shows different people, homes and practices.
  const chosen: Person[] = carer ? [carer.person] : [];
  const householdsUsed = new Set(chosen.map((person) => person.householdId));
  for (const person of eligible) {
    if (chosen.length >= RESIDENT_USER_COUNT) break;
    if (householdsUsed.has(person.householdId)) continue;
    householdsUsed.add(person.householdId);
    chosen.push(person);
  }
  chosen.sort((a, b) => a.index - b.index);

  const proofedToP5 = [...chosen].reverse().find((person) => person !== carer?.person);
  const usedIds = new Set<string>();
  return chosen.map((person) => {
    const record = cleanPdsRecord(person, pds) as SystemRecord;
    const practiceCode = (person.gp as { practiceCode: string }).practiceCode;
    const practice = organisations.get(practiceCode);
    const isCarer = person === carer?.person;
    const resident: ResidentUser = {
      id: uniqueId(`resident.${slug(record.given)}.${slug(record.family)}`, usedIds),
      kind: 'resident',
      persona: 'resident',
      sub: opaqueSubject(person.nhsNumber),
      given: record.given,
      family: record.family,
      name: `${record.given} ${record.family}`,
      description: isCarer ? 'resident who cares for a member of their household' : 'resident with an NHS login',
      nhsNumber: person.nhsNumber,
      birthDate: record.birthDate,
      identityProofingLevel: person === proofedToP5 ? 'P5' : 'P9',
      organisation: { code: practiceCode, name: practice?.name ?? practiceCode },
      roles: [],
    };
    if (person === proofedToP5) resident.description = 'resident whose NHS login is proofed to P5 only (no verified identity)';
    if (isCarer && carer) resident.carerFor = carer.carerFor;
    return resident;
  });
}

/** PDS's record of the person when it can be trusted: the same NHS number, not a duplicate. */
function cleanPdsRecord(person: Person, pds: SystemDirectory): SystemRecord | undefined {
  return pds.byPersonId.get(person.id)?.find((record) => !record.duplicateOf && record.nhsNumber === person.nhsNumber);
}

function findCarer(
  eligible: Person[],
  households: Map<string, Household>,
  people: Map<string, Person>,
  ageOf: (person: Person) => number,
  living: (person: Person) => boolean,
): { person: Person; carerFor: CarerFor } | undefined {
  const dependants = (carer: Person) =>
    (households.get(carer.householdId)?.memberIds ?? [])
      .filter((id) => id !== carer.id)
      .map((id) => people.get(id))
      .filter((member): member is Person => member !== undefined && living(member))
      .filter((member) => ageOf(member) <= CARER_CHILD_MAX_AGE || ageOf(member) >= CARER_OLDER_MIN_AGE);

  // A parent of a child or a child of an older parent first; anyone sharing the home otherwise.
  for (const strict of [true, false]) {
    for (const person of eligible) {
      for (const member of dependants(person)) {
        const relationship = relationshipOf(person, member);
        if (strict && relationship === 'household-member') continue;
        return { person, carerFor: { nhsNumber: member.nhsNumber, name: `${member.given} ${member.family}`, relationship } };
      }
    }
  }
  return undefined;
}

function relationshipOf(carer: Person, member: Person): CarerFor['relationship'] {
  if (member.motherId === carer.id || member.fatherId === carer.id) return 'child';
  if (carer.motherId === member.id || carer.fatherId === member.id) return 'parent';
  if (carer.spouseId === member.id) return 'spouse';
  return 'household-member';
}

/** A UUID-shaped subject derived from the NHS number: opaque, as NHS login's are, but stable. */
function opaqueSubject(nhsNumber: string): string {
  const hex = createHash('sha256').update(`tessera-sandbox-nhs-login:${nhsNumber}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function uniqueId(base: string, used: Set<string>): string {
  let id = base;
  for (let suffix = 2; used.has(id); suffix++) id = `${base}.${suffix}`;
  used.add(id);
  return id;
}

/** "Ó Súilleabháin-Smith" → "o-suilleabhain-smith". */
function slug(text: string): string {
  return (
    text
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'x'
  );
}

function ref(organisation: Organisation): OrganisationRef {
  return { code: organisation.code, name: organisation.name };
}

function national(roleCode: string, roleName: string): AccessRole {
  return { code: roleCode.split(':')[2] as string, roleCode, roleName, source: 'national' };
}

function sandbox(roleCode: string, roleName: string): AccessRole {
  return { code: roleCode.split(':')[2] as string, roleCode, roleName, source: 'sandbox' };
}
