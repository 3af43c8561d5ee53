import { NHS_NUMBER_SYSTEM } from '../../../fhir/index.js';
import { SPINE_ERROR_SYSTEM } from './pds-outcome.js';
import { CONFIDENTIALITY_SYSTEM, NHS_NUMBER_VERIFICATION_URL, ODS_ORGANISATION_SYSTEM } from './pds-patient.js';

// The structure PDS responses share, written down once so the same checks run over the PDS
// fixtures (../shared/fixtures/pds) and over what the simulated PDS answers. Each function
// returns what is wrong, as readable lines; an empty list means the shape holds.

export const PATIENT_KEYS = [
  'resourceType',
  'id',
  'identifier',
  'meta',
  'name',
  'gender',
  'birthDate',
  'multipleBirthInteger',
  'deceasedDateTime',
  'extension',
  'address',
  'telecom',
  'contact',
  'generalPractitioner',
  'managingOrganization',
];
export const SEARCHSET_KEYS = ['resourceType', 'type', 'timestamp', 'total', 'entry', 'meta'];
const ENTRY_KEYS = ['fullUrl', 'search', 'resource'];
const NAME_USES = ['usual', 'old', 'nickname', 'temp', 'official', 'maiden', 'anonymous'];
const ADDRESS_USES = ['home', 'temp', 'work', 'billing', 'old'];
const TELECOM_SYSTEMS = ['phone', 'email', 'fax', 'pager', 'url', 'sms', 'other'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

type Json = Record<string, unknown>;

/** Checks any PDS response body by its resourceType. */
export function pdsShapeProblems(body: unknown): string[] {
  const type = isObject(body) ? body['resourceType'] : undefined;
  if (type === 'Patient') return patientShapeProblems(body);
  if (type === 'Bundle') return searchsetShapeProblems(body);
  if (type === 'OperationOutcome') return outcomeShapeProblems(body);
  return [`unexpected resourceType ${String(type)}`];
}

export function patientShapeProblems(patient: unknown, at = 'Patient'): string[] {
  const problems: string[] = [];
  const fail = (message: string) => problems.push(`${at}${message}`);
  if (!isObject(patient)) return [`${at}: not an object`];
  if (patient['resourceType'] !== 'Patient') fail('.resourceType is not Patient');
  for (const key of Object.keys(patient)) if (!PATIENT_KEYS.includes(key)) fail(`: unexpected key ${key}`);
  const id = patient['id'];
  if (typeof id !== 'string' || !/^\d{10}$/.test(id)) fail('.id is not a ten-digit NHS number');

  const identifier = arrayAt(patient, 'identifier');
  const nhs = identifier?.[0];
  if (!isObject(nhs)) fail('.identifier[0] is missing');
  else {
    if (nhs['system'] !== NHS_NUMBER_SYSTEM) fail('.identifier[0].system is not the NHS number system');
    if (nhs['value'] !== id) fail('.identifier[0].value differs from id');
    const verification = (arrayAt(nhs, 'extension') ?? []).find(
      (extension) => isObject(extension) && extension['url'] === NHS_NUMBER_VERIFICATION_URL,
    );
    const coding = isObject(verification) ? firstCoding(verification['valueCodeableConcept']) : undefined;
    if (
      !coding ||
      coding['system'] !== 'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatus' ||
      typeof coding['code'] !== 'string'
    ) {
      fail('.identifier[0] lacks the NHS number verification status extension');
    }
  }

  const meta = patient['meta'];
  const security = isObject(meta) ? arrayAt(meta, 'security') : undefined;
  const label = security?.[0];
  if (!isObject(meta) || typeof meta['versionId'] !== 'string') fail('.meta.versionId is not a string');
  if (!isObject(label) || label['system'] !== CONFIDENTIALITY_SYSTEM || !['U', 'R', 'V'].includes(String(label['code']))) {
    fail('.meta.security[0] is not a v3-Confidentiality U, R or V label');
  }

  eachAt(patient, 'name', at, problems, (name, path) => {
    elementBasics(name, path, NAME_USES, problems);
    if (typeof name['family'] !== 'string') problems.push(`${path}.family is not a string`);
    optionalStrings(name, 'given', path, problems);
    optionalStrings(name, 'prefix', path, problems);
  });
  if (patient['gender'] !== undefined && !['male', 'female', 'other', 'unknown'].includes(String(patient['gender'])))
    fail('.gender is not a FHIR gender');
  if (patient['birthDate'] !== undefined && !DATE.test(String(patient['birthDate']))) fail('.birthDate is not YYYY-MM-DD');
  if (patient['deceasedDateTime'] !== undefined && !DATE_TIME.test(String(patient['deceasedDateTime'])))
    fail('.deceasedDateTime is not a dateTime');
  if (patient['multipleBirthInteger'] !== undefined && !Number.isInteger(patient['multipleBirthInteger']))
    fail('.multipleBirthInteger is not an integer');
  eachAt(patient, 'extension', at, problems, (extension, path) => {
    if (typeof extension['url'] !== 'string') problems.push(`${path}.url is not a string`);
  });
  eachAt(patient, 'address', at, problems, (address, path) => {
    elementBasics(address, path, ADDRESS_USES, problems);
    optionalStrings(address, 'line', path, problems);
    if (!Array.isArray(address['line'])) problems.push(`${path}.line is missing`);
    if (address['postalCode'] !== undefined && typeof address['postalCode'] !== 'string')
      problems.push(`${path}.postalCode is not a string`);
  });
  eachAt(patient, 'telecom', at, problems, (telecom, path) => {
    if (typeof telecom['id'] !== 'string') problems.push(`${path}.id is not a string`);
    periodProblems(telecom['period'], `${path}.period`, problems);
    if (!TELECOM_SYSTEMS.includes(String(telecom['system']))) problems.push(`${path}.system is not a contact point system`);
    if (typeof telecom['value'] !== 'string') problems.push(`${path}.value is not a string`);
  });
  eachAt(patient, 'generalPractitioner', at, problems, (practice, path) => {
    const practiceId = practice['identifier'];
    if (practice['type'] !== 'Organization') problems.push(`${path}.type is not Organization`);
    if (!isObject(practiceId) || practiceId['system'] !== ODS_ORGANISATION_SYSTEM || typeof practiceId['value'] !== 'string') {
      problems.push(`${path}.identifier is not an ODS organisation code`);
    } else if (practiceId['period'] !== undefined) periodProblems(practiceId['period'], `${path}.identifier.period`, problems);
  });
  // A restricted record shows nothing that locates the patient.
  if (isObject(label) && label['code'] === 'R') {
    for (const key of ['address', 'telecom', 'generalPractitioner', 'contact'])
      if (key in patient) fail(`: restricted record shows ${key}`);
  }
  return problems;
}

export function searchsetShapeProblems(bundle: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(bundle)) return ['Bundle: not an object'];
  for (const key of Object.keys(bundle)) if (!SEARCHSET_KEYS.includes(key)) problems.push(`Bundle: unexpected key ${key}`);
  if (bundle['resourceType'] !== 'Bundle' || bundle['type'] !== 'searchset') problems.push('Bundle: not a searchset Bundle');
  if (bundle['timestamp'] !== undefined && !DATE_TIME.test(String(bundle['timestamp'])))
    problems.push('Bundle.timestamp is not a dateTime');
  const entries = bundle['entry'] === undefined ? [] : bundle['entry'];
  if (!Array.isArray(entries)) return [...problems, 'Bundle.entry is not an array'];
  if (bundle['total'] !== entries.length) problems.push(`Bundle.total ${String(bundle['total'])} differs from ${entries.length} entries`);
  entries.forEach((entry: unknown, index) => {
    const at = `Bundle.entry[${index}]`;
    if (!isObject(entry)) {
      problems.push(`${at}: not an object`);
      return;
    }
    for (const key of Object.keys(entry)) if (!ENTRY_KEYS.includes(key)) problems.push(`${at}: unexpected key ${key}`);
    const search = entry['search'];
    const score = isObject(search) ? search['score'] : undefined;
    if (typeof score !== 'number' || score < 0 || score > 1) problems.push(`${at}.search.score is not a number in [0, 1]`);
    const resource = entry['resource'];
    const id = isObject(resource) ? resource['id'] : undefined;
    if (typeof entry['fullUrl'] !== 'string' || !entry['fullUrl'].endsWith(`/Patient/${String(id)}`))
      problems.push(`${at}.fullUrl does not end in /Patient/<id>`);
    problems.push(...patientShapeProblems(resource, `${at}.resource`));
  });
  return problems;
}

export function outcomeShapeProblems(outcome: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(outcome) || outcome['resourceType'] !== 'OperationOutcome') return ['OperationOutcome: not an OperationOutcome'];
  const issues = arrayAt(outcome, 'issue');
  if (!issues || issues.length === 0) return ['OperationOutcome.issue is empty'];
  issues.forEach((issue, index) => {
    const at = `OperationOutcome.issue[${index}]`;
    if (!isObject(issue)) {
      problems.push(`${at}: not an object`);
      return;
    }
    if (!['fatal', 'error', 'warning', 'information'].includes(String(issue['severity'])))
      problems.push(`${at}.severity is not an issue severity`);
    if (typeof issue['code'] !== 'string') problems.push(`${at}.code is not a string`);
    const coding = firstCoding(issue['details']);
    if (
      !coding ||
      coding['system'] !== SPINE_ERROR_SYSTEM ||
      coding['version'] !== '1' ||
      typeof coding['code'] !== 'string' ||
      typeof coding['display'] !== 'string'
    ) {
      problems.push(`${at}.details.coding[0] is not a Spine-ErrorOrWarningCode coding`);
    }
    if (issue['diagnostics'] !== undefined && typeof issue['diagnostics'] !== 'string') problems.push(`${at}.diagnostics is not a string`);
  });
  return problems;
}

/** The Spine error code of an OperationOutcome, e.g. RESOURCE_NOT_FOUND. */
export function spineCodeOf(outcome: unknown): string | undefined {
  const issue = isObject(outcome) ? arrayAt(outcome, 'issue')?.[0] : undefined;
  const coding = isObject(issue) ? firstCoding(issue['details']) : undefined;
  return typeof coding?.['code'] === 'string' ? coding['code'] : undefined;
}

function elementBasics(element: Json, path: string, uses: string[], problems: string[]): void {
  if (typeof element['id'] !== 'string') problems.push(`${path}.id is not a string`);
  if (!uses.includes(String(element['use']))) problems.push(`${path}.use ${String(element['use'])} is not one of ${uses.join(', ')}`);
  periodProblems(element['period'], `${path}.period`, problems);
}

function periodProblems(period: unknown, path: string, problems: string[]): void {
  if (!isObject(period)) {
    problems.push(`${path} is missing`);
    return;
  }
  for (const key of Object.keys(period)) if (key !== 'start' && key !== 'end') problems.push(`${path}: unexpected key ${key}`);
  if (!DATE.test(String(period['start']))) problems.push(`${path}.start is not YYYY-MM-DD`);
  if (period['end'] !== undefined && !DATE.test(String(period['end']))) problems.push(`${path}.end is not YYYY-MM-DD`);
  if (typeof period['end'] === 'string' && String(period['end']) < String(period['start'])) problems.push(`${path} ends before it starts`);
}

function optionalStrings(element: Json, key: string, path: string, problems: string[]): void {
  const value = element[key];
  if (value !== undefined && (!Array.isArray(value) || !value.every((item) => typeof item === 'string')))
    problems.push(`${path}.${key} is not a list of strings`);
}

function eachAt(parent: Json, key: string, at: string, problems: string[], check: (element: Json, path: string) => void): void {
  const value = parent[key];
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    problems.push(`${at}.${key} is not an array`);
    return;
  }
  value.forEach((element: unknown, index) => {
    const path = `${at}.${key}[${index}]`;
    if (isObject(element)) check(element, path);
    else problems.push(`${path}: not an object`);
  });
}

function firstCoding(concept: unknown): Json | undefined {
  const coding = isObject(concept) ? arrayAt(concept, 'coding')?.[0] : undefined;
  return isObject(coding) ? coding : undefined;
}

function arrayAt(parent: Json, key: string): unknown[] | undefined {
  const value = parent[key];
  return Array.isArray(value) ? value : undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
