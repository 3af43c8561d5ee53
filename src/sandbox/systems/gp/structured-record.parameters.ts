import { NHS_NUMBER_SYSTEM } from '../../../fhir/index.js';
import { GpConnectError } from './gp-connect.errors.js';
import { requireNhsNumber } from './gp-patients.js';

// The Parameters body of $gpc.getstructuredrecord, read as the GetStructuredRecord
// OperationDefinition and its error table describe (accessrecord_structured_development_retrieve_patient_record).

/** A search period of whole dates (YYYY-MM-DD), either end open. */
export interface DatePeriod {
  start?: string;
  end?: string;
}

export interface ProblemFilter {
  status?: 'active' | 'inactive';
  significance?: 'major' | 'minor';
}

export interface StructuredRecordRequest {
  nhsNumber: string;
  allergies?: { includeResolved: boolean };
  medication?: { includeIssues: boolean; fromDate?: string };
  consultations?: { period?: DatePeriod; mostRecent?: number };
  /** One filter per includeProblems repetition; a problem matching any of them is returned. */
  problems?: ProblemFilter[];
  immunisations?: { includeNotGiven: boolean; includeStatus: boolean };
  uncategorised?: { period?: DatePeriod };
  investigations?: { period?: DatePeriod };
  referrals?: { period?: DatePeriod };
  diaryEntries?: { searchDate?: string };
}

interface RawParameter {
  name: string;
  part?: RawParameter[];
  [value: string]: unknown;
}

/** Part parameters each clinical area accepts. */
const PARTS: Record<string, readonly string[]> = {
  includeAllergies: ['includeResolvedAllergies'],
  includeMedication: ['includePrescriptionIssues', 'medicationSearchFromDate'],
  includeConsultations: ['consultationSearchPeriod', 'includeNumberOfMostRecent'],
  includeProblems: ['filterStatus', 'filterSignificance'],
  includeImmunisations: ['includeNotGiven', 'includeStatus'],
  includeUncategorisedData: ['uncategorisedDataSearchPeriod'],
  includeInvestigations: ['investigationSearchPeriod'],
  includeReferrals: ['referralSearchPeriod'],
  includeDiaryEntries: ['diaryEntriesSearchDate'],
};

/** Part parameters that may not be sent with consultations or problems (clinical risk, per the specification). */
const NOT_WITH_CONSULTATIONS = [
  'medicationSearchFromDate',
  'uncategorisedDataSearchPeriod',
  'filterSignificance',
  'filterStatus',
  'referralSearchPeriod',
  'diaryEntriesSearchDate',
  'includeNotGiven',
  'includeStatus',
];
const NOT_WITH_PROBLEMS = [
  'medicationSearchFromDate',
  'uncategorisedDataSearchPeriod',
  'referralSearchPeriod',
  'diaryEntriesSearchDate',
  'includeNotGiven',
  'includeStatus',
];

const WHOLE_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/**
 * Reads the request body. `today` (YYYY-MM-DD) bounds the search dates, which the
 * specification requires to be in the past (or, for diary entries, the future).
 */
export function parseStructuredRecordRequest(body: unknown, today: string): StructuredRecordRequest {
  if (!isObject(body) || body.resourceType !== 'Parameters') {
    throw new GpConnectError('INVALID_RESOURCE', 'the request body must be a FHIR Parameters resource');
  }
  if (!Array.isArray(body.parameter)) throw new GpConnectError('INVALID_RESOURCE', 'Parameters.parameter must be an array');
  const parameters = body.parameter.map((parameter, index) => {
    if (!isObject(parameter) || typeof parameter.name !== 'string' || parameter.name === '') {
      throw new GpConnectError('INVALID_RESOURCE', `Parameters.parameter[${index}] must have a name`);
    }
    if (parameter.part !== undefined && !Array.isArray(parameter.part)) {
      throw new GpConnectError('INVALID_RESOURCE', `${parameter.name}.part must be an array`);
    }
    return parameter as RawParameter;
  });

  const seen = new Map<string, RawParameter[]>();
  for (const parameter of parameters) {
    if (parameter.name !== 'patientNHSNumber' && !(parameter.name in PARTS)) {
      throw new GpConnectError('INVALID_PARAMETER', `${parameter.name} is not a parameter of $gpc.getstructuredrecord`);
    }
    seen.set(parameter.name, [...(seen.get(parameter.name) ?? []), parameter]);
  }
  for (const [name, repeats] of seen) {
    if (repeats.length > 1 && name !== 'includeProblems') throw new GpConnectError('INVALID_PARAMETER', `${name} may be given only once`);
  }

  const nhs = seen.get('patientNHSNumber')?.[0];
  if (!nhs) throw new GpConnectError('INVALID_PARAMETER', 'the patientNHSNumber parameter is required');
  const identifier = nhs.valueIdentifier;
  if (!isObject(identifier)) throw new GpConnectError('INVALID_PARAMETER', 'patientNHSNumber must carry a valueIdentifier');
  if (identifier.system !== NHS_NUMBER_SYSTEM) {
    throw new GpConnectError('INVALID_IDENTIFIER_SYSTEM', `patientNHSNumber.valueIdentifier.system must be ${NHS_NUMBER_SYSTEM}`);
  }
  const request: StructuredRecordRequest = { nhsNumber: requireNhsNumber(identifier.value) };

  const partsOf = (name: string): Map<string, RawParameter> | undefined => {
    const parameter = seen.get(name)?.[0];
    return parameter ? readParts(parameter) : undefined;
  };
  const sentParts = new Set(parameters.flatMap((parameter) => (parameter.part ?? []).map((part) => part.name)));

  const allergies = partsOf('includeAllergies');
  if (allergies) {
    const resolved = allergies.get('includeResolvedAllergies');
    if (!resolved) throw new GpConnectError('INVALID_PARAMETER', 'includeAllergies requires the includeResolvedAllergies part parameter');
    request.allergies = { includeResolved: booleanPart(resolved) };
  }

  const medication = partsOf('includeMedication');
  if (medication) {
    const issues = medication.get('includePrescriptionIssues');
    const from = medication.get('medicationSearchFromDate');
    request.medication = { includeIssues: issues ? booleanPart(issues) : true };
    if (from) request.medication.fromDate = pastDatePart(from, 'valueDate', today);
  }

  const consultations = partsOf('includeConsultations');
  if (consultations) {
    const period = consultations.get('consultationSearchPeriod');
    const mostRecent = consultations.get('includeNumberOfMostRecent');
    if (period && mostRecent) {
      throw new GpConnectError('INVALID_RESOURCE', 'consultationSearchPeriod and includeNumberOfMostRecent may not be given together');
    }
    request.consultations = {};
    if (period) request.consultations.period = periodPart(period, today);
    if (mostRecent) request.consultations.mostRecent = positiveIntPart(mostRecent);
    refuseCombination('includeConsultations', NOT_WITH_CONSULTATIONS, sentParts);
  }

  const problems = seen.get('includeProblems');
  if (problems) {
    request.problems = problems.map((parameter) => {
      const parts = readParts(parameter);
      const filter: ProblemFilter = {};
      const status = parts.get('filterStatus');
      const significance = parts.get('filterSignificance');
      if (status) filter.status = codePart(status, ['active', 'inactive'] as const);
      if (significance) filter.significance = codePart(significance, ['major', 'minor'] as const);
      return filter;
    });
    refuseCombination('includeProblems', NOT_WITH_PROBLEMS, sentParts);
  }

  const immunisations = partsOf('includeImmunisations');
  if (immunisations) {
    const notGiven = immunisations.get('includeNotGiven');
    const status = immunisations.get('includeStatus');
    request.immunisations = {
      includeNotGiven: notGiven ? booleanPart(notGiven) : false,
      includeStatus: status ? booleanPart(status) : true,
    };
  }

  const periodSection = (name: string, partName: string): { period?: DatePeriod } | undefined => {
    const parts = partsOf(name);
    if (!parts) return undefined;
    const period = parts.get(partName);
    return period ? { period: periodPart(period, today) } : {};
  };
  const uncategorised = periodSection('includeUncategorisedData', 'uncategorisedDataSearchPeriod');
  if (uncategorised) request.uncategorised = uncategorised;
  const investigations = periodSection('includeInvestigations', 'investigationSearchPeriod');
  if (investigations) request.investigations = investigations;
  const referrals = periodSection('includeReferrals', 'referralSearchPeriod');
  if (referrals) request.referrals = referrals;

  const diary = partsOf('includeDiaryEntries');
  if (diary) {
    const date = diary.get('diaryEntriesSearchDate');
    request.diaryEntries = {};
    if (date) {
      const searchDate = wholeDate(date, 'valueDate');
      if (searchDate < today) throw new GpConnectError('INVALID_PARAMETER', 'diaryEntriesSearchDate must not be before today');
      request.diaryEntries.searchDate = searchDate;
    }
  }
  return request;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readParts(parameter: RawParameter): Map<string, RawParameter> {
  const allowed = PARTS[parameter.name] ?? [];
  const parts = new Map<string, RawParameter>();
  for (const part of parameter.part ?? []) {
    if (!isObject(part) || typeof part.name !== 'string')
      throw new GpConnectError('INVALID_RESOURCE', `${parameter.name}.part entries must have a name`);
    if (!allowed.includes(part.name))
      throw new GpConnectError('INVALID_PARAMETER', `${part.name} is not a part parameter of ${parameter.name}`);
    if (parts.has(part.name)) throw new GpConnectError('INVALID_PARAMETER', `${part.name} may be given only once`);
    parts.set(part.name, part as RawParameter);
  }
  return parts;
}

function refuseCombination(area: string, forbidden: string[], sentParts: Set<string>): void {
  const clash = forbidden.find((name) => sentParts.has(name));
  if (clash) throw new GpConnectError('INVALID_PARAMETER', `${clash} may not be sent together with ${area}`);
}

function valueOf(part: RawParameter, key: string): unknown {
  if (part[key] === undefined) throw new GpConnectError('INVALID_PARAMETER', `${part.name} must have a ${key}`);
  return part[key];
}

function booleanPart(part: RawParameter): boolean {
  const value = valueOf(part, 'valueBoolean');
  if (typeof value !== 'boolean') throw new GpConnectError('INVALID_PARAMETER', `${part.name}.valueBoolean must be true or false`);
  return value;
}

function positiveIntPart(part: RawParameter): number {
  const value = valueOf(part, 'valuePositiveInt');
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new GpConnectError('INVALID_PARAMETER', `${part.name}.valuePositiveInt must be a whole number of at least 1`);
  }
  return value;
}

function codePart<T extends string>(part: RawParameter, allowed: readonly T[]): T {
  const value = valueOf(part, 'valueCode');
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new GpConnectError('INVALID_PARAMETER', `${part.name}.valueCode must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function wholeDate(part: RawParameter, key: string, value: unknown = valueOf(part, key)): string {
  if (typeof value !== 'string' || !WHOLE_DATE.test(value) || Number.isNaN(Date.parse(value))) {
    throw new GpConnectError('INVALID_PARAMETER', `${part.name} must be a whole date (YYYY-MM-DD), without time or offset`);
  }
  return value;
}

function pastDatePart(part: RawParameter, key: string, today: string): string {
  const date = wholeDate(part, key);
  if (date > today) throw new GpConnectError('INVALID_PARAMETER', `${part.name} must not be after today`);
  return date;
}

function periodPart(part: RawParameter, today: string): DatePeriod {
  const value = valueOf(part, 'valuePeriod');
  if (!isObject(value) || (value.start === undefined && value.end === undefined)) {
    throw new GpConnectError('INVALID_PARAMETER', `${part.name}.valuePeriod must have a start or an end`);
  }
  const period: DatePeriod = {};
  for (const end of ['start', 'end'] as const) {
    if (value[end] === undefined) continue;
    const date = wholeDate(part, 'valuePeriod', value[end]);
    if (date > today) throw new GpConnectError('INVALID_PARAMETER', `${part.name}.${end} must not be after today`);
    period[end] = date;
  }
  if (period.start && period.end && period.start > period.end) {
    throw new GpConnectError('INVALID_PARAMETER', `${part.name}.start must not be after its end`);
  }
  return period;
}
