import {
  NHS_NUMBER_SYSTEM,
  normaliseNhsNumber,
  type R4Address,
  type R4CarePlan,
  type R4CareTeam,
  type R4Encounter,
  type R4Patient,
} from '../../../fhir/index.js';

// The council's adult social care JSON (a Mosaic/LiquidLogic-style API) as FHIR R4. Pure
// functions; the connector fetches. The mapping (docs/CONNECTORS.md repeats it):
//   client      → Patient (client id and CareFirst id as local identifiers, NHS number when held)
//   packages    → one CarePlan "care and support plan" per client, one activity per package
//                 (service code, provider, hours a week as the timing's duration, its dates)
//   worker      → CareTeam with the allocated worker, their role and team; the CarePlan names it
//   assessments → Encounter (type: the council's assessment code; the day it was completed)
// Costs and assessment outcomes (free text) are not carried: the hub shows care, not finance.

export interface SocialCareClient {
  clientId: string;
  careFirstId?: string | null;
  title?: string | null;
  forename?: string | null;
  middleNames?: string | null;
  surname?: string | null;
  dateOfBirth?: string | null;
  dateOfDeath?: string | null;
  gender?: string | null;
  nhsNumber?: string | null;
  address?: string | null;
  telephone?: string | null;
}

export interface SocialCarePackage {
  packageId: string;
  serviceCode: string;
  service: string;
  provider?: string | null;
  hoursPerWeek?: number | null;
  startDate: string;
  endDate?: string | null;
  status: string;
}

export interface SocialCareAssessment {
  assessmentId: string;
  typeCode: string;
  type: string;
  completedDate: string;
}

export interface SocialCareWorker {
  name: string;
  role: string;
  team?: string | null;
  allocatedDate?: string | null;
}

/** Where the ids and codes of one council's system live, and what meta.source says. */
export interface SocialCareNamespace {
  /** meta.source of every resource. */
  source: string;
  /** Identifier system of the council's client ids. */
  clientIdSystem: string;
  careFirstIdSystem: string;
  serviceCodeSystem: string;
  assessmentTypeSystem: string;
}

export function namespaceFor(baseUrl: string, source: string): SocialCareNamespace {
  return {
    source,
    clientIdSystem: `${baseUrl}/clients`,
    careFirstIdSystem: `${baseUrl}/carefirst-id`,
    serviceCodeSystem: `${baseUrl}/service-codes`,
    assessmentTypeSystem: `${baseUrl}/assessment-types`,
  };
}

const UK_POSTCODE = /\b([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})$/i;
const UCUM = 'http://unitsofmeasure.org';
const DATA_ABSENT_UNKNOWN = { system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'unknown', display: 'Unknown' };
export const SOCIAL_CARE_CATEGORY = { text: 'Social care support' };

export function clientToPatient(client: SocialCareClient, ns: SocialCareNamespace): R4Patient {
  const patient: R4Patient = {
    resourceType: 'Patient',
    id: client.clientId,
    meta: { source: ns.source },
    identifier: [{ use: 'usual', system: ns.clientIdSystem, value: client.clientId }],
  };
  if (client.careFirstId) patient.identifier!.push({ use: 'old', system: ns.careFirstIdSystem, value: client.careFirstId });
  if (client.nhsNumber) patient.identifier!.push({ system: NHS_NUMBER_SYSTEM, value: normaliseNhsNumber(client.nhsNumber) });

  const given = [client.forename, ...(client.middleNames ?? '').split(/\s+/)].filter(
    (part): part is string => !!part && part.trim() !== '',
  );
  const family = client.surname ? titleCase(client.surname) : undefined;
  if (family || given.length > 0) {
    patient.name = [
      {
        use: 'official',
        ...(family ? { family } : {}),
        ...(given.length > 0 ? { given } : {}),
        ...(client.title ? { prefix: [client.title] } : {}),
      },
    ];
  }
  if (client.gender === 'M') patient.gender = 'male';
  else if (client.gender === 'F') patient.gender = 'female';
  else if (client.gender) patient.gender = 'unknown';
  const birthDate = isoDate(client.dateOfBirth);
  if (birthDate) patient.birthDate = birthDate;
  const deathDate = isoDate(client.dateOfDeath);
  if (deathDate) patient.deceasedDateTime = deathDate;
  if (client.address) patient.address = [oneLineAddress(client.address)];
  if (client.telephone) patient.telecom = [{ system: 'phone', value: client.telephone }];
  return patient;
}

/** "Flat 4, 27 Holloway Road, London N7 6LJ" → lines, city and postcode (the text kept as written). */
export function oneLineAddress(text: string): R4Address {
  const parts = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  const address: R4Address = { use: 'home', text };
  let last = parts.pop();
  const postcode = last ? UK_POSTCODE.exec(last) : null;
  if (last && postcode) {
    address.postalCode = `${postcode[1]!.toUpperCase()} ${postcode[2]!.toUpperCase()}`;
    last = last.slice(0, postcode.index).trim();
  }
  if (last) {
    // The town when a postcode followed it or when other lines came first; otherwise a line.
    if (postcode || parts.length > 0) address.city = last;
    else parts.push(last);
  }
  if (parts.length > 0) address.line = parts;
  return address;
}

/** One care and support plan per client; undefined when the council has no packages for them. */
export function packagesToCarePlan(
  clientId: string,
  packages: SocialCarePackage[],
  ns: SocialCareNamespace,
  careTeamId?: string,
): R4CarePlan | undefined {
  if (packages.length === 0) return undefined;
  const starts = packages.map((item) => isoDate(item.startDate)).filter((date): date is string => !!date);
  const ends = packages.map((item) => isoDate(item.endDate));
  const active = packages.some((item) => item.status === 'ACTIVE');
  const start = starts.sort()[0];
  const end = active || ends.some((date) => !date) ? undefined : (ends as string[]).sort().at(-1);
  return {
    resourceType: 'CarePlan',
    id: `${clientId}-care-and-support`,
    meta: { source: ns.source },
    status: active ? 'active' : 'completed',
    intent: 'plan',
    category: [SOCIAL_CARE_CATEGORY],
    title: 'Care and support plan',
    subject: { reference: `Patient/${clientId}` },
    ...(start ? { period: { start, ...(end ? { end } : {}) } } : {}),
    ...(careTeamId ? { careTeam: [{ reference: `CareTeam/${careTeamId}` }] } : {}),
    activity: packages.map((item) => {
      const from = isoDate(item.startDate);
      const to = isoDate(item.endDate);
      const hours = typeof item.hoursPerWeek === 'number' && item.hoursPerWeek > 0 ? item.hoursPerWeek : undefined;
      return {
        detail: {
          kind: 'ServiceRequest' as const,
          code: { coding: [{ system: ns.serviceCodeSystem, code: item.serviceCode, display: item.service }], text: item.service },
          status: item.status === 'ACTIVE' ? ('in-progress' as const) : ('completed' as const),
          // Hours a week: a weekly timing whose duration is the hours, bounded by the package's dates.
          scheduledTiming: {
            repeat: {
              ...(from ? { boundsPeriod: { start: from, ...(to ? { end: to } : {}) } } : {}),
              ...(hours ? { duration: hours, durationUnit: 'h' as const } : {}),
              frequency: 1,
              period: 1,
              periodUnit: 'wk' as const,
            },
          },
          ...(hours ? { quantity: { value: hours, unit: 'hours per week', system: UCUM, code: 'h/wk' } } : {}),
          ...(item.provider ? { performer: [{ display: item.provider }] } : {}),
          description: `${item.service} (${item.packageId})`,
        },
      };
    }),
  };
}

export function workerToCareTeam(clientId: string, worker: SocialCareWorker, ns: SocialCareNamespace): R4CareTeam {
  const since = isoDate(worker.allocatedDate);
  return {
    resourceType: 'CareTeam',
    id: `${clientId}-social-care-team`,
    meta: { source: ns.source },
    status: 'active',
    category: [SOCIAL_CARE_CATEGORY],
    ...(worker.team ? { name: worker.team } : {}),
    subject: { reference: `Patient/${clientId}` },
    ...(since ? { period: { start: since } } : {}),
    participant: [{ role: [{ text: worker.role }], member: { display: worker.name }, ...(since ? { period: { start: since } } : {}) }],
  };
}

export function assessmentToEncounter(clientId: string, assessment: SocialCareAssessment, ns: SocialCareNamespace): R4Encounter {
  const date = isoDate(assessment.completedDate);
  return {
    resourceType: 'Encounter',
    id: assessment.assessmentId,
    meta: { source: ns.source },
    identifier: [{ system: `${ns.assessmentTypeSystem.replace(/\/assessment-types$/, '')}/assessments`, value: assessment.assessmentId }],
    status: 'finished',
    // Where an assessment took place (home, office, telephone) is not recorded.
    class: DATA_ABSENT_UNKNOWN,
    type: [{ coding: [{ system: ns.assessmentTypeSystem, code: assessment.typeCode, display: assessment.type }], text: assessment.type }],
    subject: { reference: `Patient/${clientId}` },
    ...(date ? { period: { start: date, end: date } } : {}),
  };
}

/** DD/MM/YYYY → YYYY-MM-DD; undefined for anything that is not a real date so written. */
export function isoDate(value: string | null | undefined): string | undefined {
  const match = value ? /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(value.trim()) : null;
  if (!match) return undefined;
  const iso = `${match[3]}-${match[2]}-${match[1]}`;
  const parsed = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === iso ? iso : undefined;
}

/** YYYY-MM-DD → DD/MM/YYYY, as the council's searches take dates. */
export function councilDate(isoValue: string): string {
  const [year, month, day] = isoValue.slice(0, 10).split('-');
  return `${day}/${month}/${year}`;
}

/** "O'BRIEN-SMITH" → "O'Brien-Smith": the council writes surnames in capitals. */
function titleCase(value: string): string {
  return value
    .toLowerCase()
    .replace(/(^|[\s'-])(\p{L})/gu, (_match, separator: string, letter: string) => `${separator}${letter.toUpperCase()}`);
}
