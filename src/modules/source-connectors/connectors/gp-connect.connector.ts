import { isValidNhsNumber, NHS_NUMBER_SYSTEM, normaliseNhsNumber, type R4Patient, type R4Resource } from '../../../fhir/index.js';
import {
  gpConnectHeaders,
  GET_STRUCTURED_RECORD_INTERACTION,
  SEARCH_PATIENT_APPOINTMENTS_INTERACTION,
  SEARCH_PATIENTS_INTERACTION,
  STRUCTURED_RECORD_SECTIONS,
  structuredRecordParameters,
  type GpConnectConsumer,
} from './gp-connect.request.js';
import { sourceUri } from './fhir-r4.connector.js';
import { outcomeCodeOf, SourceHttpError } from './http-client.js';
import type { SourceGuard } from './source-guard.js';
import { SourceError, type DemographicQuery, type RecordSection, type SourceConnector, type SourceEndpoint } from './source-connector.js';
import { convertStu3Bundle, Stu3ConversionError } from './stu3-to-r4.js';

// GP Connect (Access Record: Structured 1.6 and Appointment Management) for one practice. The
// localId is the NHS number: GP Connect has no other key a consumer may use. Everything comes
// back in STU3 and is converted to R4 (stu3-to-r4.ts).

/** fetch, or anything that behaves like it (tests put a recording proxy in front instead). */
export type FetchFunction = (url: string, init: RequestInit) => Promise<Response>;

export interface GpConnectConnectorOptions {
  consumer: GpConnectConsumer;
  /** The practice's Spine ASID (Ssp-To). The registry holds none yet, so it defaults to the ODS code. */
  providerAsid?: string;
  fetch?: FetchFunction;
  /** Runs each call under the source's deadline, retries, circuit breaker and concurrency limit. */
  guard?: SourceGuard;
  /** Appointments searched: this many days back and ahead of today. */
  appointmentWindowDays?: { past: number; future: number };
  now?: () => Date;
}

/** Resource types the hub keeps from each section's answer (the rest is the record's scaffolding). */
const SECTION_TYPES: Partial<Record<RecordSection, readonly string[]>> = {
  allergies: ['AllergyIntolerance'],
  medications: ['MedicationStatement', 'MedicationRequest', 'Medication'],
  conditions: ['Condition'],
  encounters: ['Encounter'],
  observations: ['Observation', 'DiagnosticReport'],
};

/** Spine codes that mean "no such patient here" (GP Connect error table). */
const NOT_FOUND_CODES = new Set(['PATIENT_NOT_FOUND', 'NO_RECORD_FOUND']);
/** Spine codes that refuse the caller rather than the request. */
const REFUSED_CODES = new Set(['ACCESS_DENIED', 'NO_PATIENT_CONSENT', 'INVALID_PATIENT_DEMOGRAPHICS', 'NO_RELATIONSHIP']);
const DAY_MS = 86_400_000;

export class GpConnectConnector implements SourceConnector {
  private readonly fetch: FetchFunction;
  private readonly now: () => Date;

  constructor(
    readonly endpoint: SourceEndpoint,
    private readonly options: GpConnectConnectorOptions,
  ) {
    this.fetch = options.fetch ?? ((url, init) => fetch(url, init));
    this.now = options.now ?? (() => new Date());
  }

  /** GP Connect finds patients by NHS number only; a query without one finds nobody (there is no demographic search). */
  async findPatients(query: DemographicQuery, signal?: AbortSignal): Promise<R4Patient[]> {
    if (!query.nhsNumber || !isValidNhsNumber(query.nhsNumber)) return [];
    try {
      return [await this.readPatient(query.nhsNumber, signal)];
    } catch (error) {
      if (error instanceof SourceError && error.kind === 'not-found') return [];
      throw error;
    }
  }

  /** The patient as the practice holds them, from a structured record request with no clinical area. */
  async readPatient(nhsNumber: string, signal?: AbortSignal): Promise<R4Patient> {
    const resources = await this.structuredRecord(this.nhsNumberOf(nhsNumber), undefined, signal);
    const patient = resources.find((resource): resource is R4Patient => resource.resourceType === 'Patient');
    if (!patient)
      throw new SourceError('malformed', this.endpoint.id, `source ${this.endpoint.id} answered a structured record without a Patient`);
    return patient;
  }

  async readSection(nhsNumber: string, section: RecordSection, signal?: AbortSignal): Promise<R4Resource[]> {
    const digits = this.nhsNumberOf(nhsNumber);
    if (section === 'appointments') return this.appointments(digits, signal);
    const types = SECTION_TYPES[section];
    if (!types || !STRUCTURED_RECORD_SECTIONS.includes(section)) {
      throw new SourceError('unsupported', this.endpoint.id, `GP Connect source ${this.endpoint.id} holds no ${section} section`);
    }
    const resources = await this.structuredRecord(digits, section, signal);
    return resources.filter((resource) => types.includes(resource.resourceType));
  }

  // ---- interactions

  private async structuredRecord(nhsNumber: string, section: RecordSection | undefined, signal?: AbortSignal): Promise<R4Resource[]> {
    const base = `${this.endpoint.baseUrl}/structured/fhir`;
    const body = await this.call(
      'gpc.getstructuredrecord',
      `${base}/Patient/$gpc.getstructuredrecord`,
      { method: 'POST', body: JSON.stringify(structuredRecordParameters(nhsNumber, section)) },
      GET_STRUCTURED_RECORD_INTERACTION,
      base,
      signal,
    );
    return this.convert(body);
  }

  /** Appointment Management: the patient's logical id by NHS number, then their appointments in a window around today. */
  private async appointments(nhsNumber: string, signal?: AbortSignal): Promise<R4Resource[]> {
    const base = `${this.endpoint.baseUrl}/fhir`;
    const identifier = encodeURIComponent(`${NHS_NUMBER_SYSTEM}|${nhsNumber}`);
    const search = await this.call(
      'search-patient',
      `${base}/Patient?identifier=${identifier}`,
      { method: 'GET' },
      SEARCH_PATIENTS_INTERACTION,
      base,
      signal,
    );
    const patient = this.convert(search).find((resource) => resource.resourceType === 'Patient');
    if (!patient?.id)
      throw new SourceError('not-found', this.endpoint.id, `source ${this.endpoint.id} has no such patient (PATIENT_NOT_FOUND)`);
    const window = this.options.appointmentWindowDays ?? { past: 730, future: 365 };
    const today = this.now().getTime();
    const from = new Date(today - window.past * DAY_MS).toISOString().slice(0, 10);
    const to = new Date(today + window.future * DAY_MS).toISOString().slice(0, 10);
    const url = `${base}/Patient/${encodeURIComponent(patient.id)}/Appointment?start=ge${from}&start=le${to}`;
    const bundle = await this.call('search-appointments', url, { method: 'GET' }, SEARCH_PATIENT_APPOINTMENTS_INTERACTION, base, signal);
    return this.convert(bundle).filter((resource) => resource.resourceType === 'Appointment');
  }

  private convert(body: unknown): R4Resource[] {
    try {
      return convertStu3Bundle(body, sourceUri(this.endpoint.id)).resources;
    } catch (error) {
      if (error instanceof Stu3ConversionError) {
        throw new SourceError('malformed', this.endpoint.id, `source ${this.endpoint.id} answered with something other than a FHIR Bundle`);
      }
      throw error;
    }
  }

  private nhsNumberOf(localId: string): string {
    const digits = normaliseNhsNumber(localId);
    if (!isValidNhsNumber(digits))
      throw new SourceError('not-found', this.endpoint.id, `a GP Connect patient is found by a valid NHS number only`);
    return digits;
  }

  // ---- HTTP

  private async call(
    operation: string,
    url: string,
    init: { method: 'GET' | 'POST'; body?: string },
    interactionId: string,
    audience: string,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const attempt = async (attemptSignal: AbortSignal): Promise<unknown> => {
      const headers = await gpConnectHeaders(
        this.options.consumer,
        this.options.providerAsid ?? this.endpoint.organisationCode,
        interactionId,
        audience,
      );
      if (init.body !== undefined) headers['Content-Type'] = 'application/fhir+json';
      const deadline = AbortSignal.any([attemptSignal, AbortSignal.timeout(this.endpoint.timeoutMs)]);
      let response: Response;
      let text: string;
      try {
        response = await this.fetch(url, { ...init, headers, signal: deadline, redirect: 'manual' });
        text = await response.text();
      } catch (error) {
        throw this.networkError(error, deadline);
      }
      const json = parseJson(text);
      if (response.ok) {
        if (json === undefined) {
          throw new SourceHttpError(
            'malformed',
            this.endpoint.id,
            `source ${this.endpoint.id} answered ${response.status} with a body that is not JSON`,
            response.status,
          );
        }
        return json;
      }
      throw this.statusError(response.status, outcomeCodeOf(isObject(json) ? json : undefined));
    };
    const guard = this.options.guard;
    if (guard) return guard.run(operation, attempt, { idempotent: true, ...(signal ? { signal } : {}) });
    return attempt(signal ?? new AbortController().signal);
  }

  private statusError(status: number, code: string | undefined): SourceError {
    const id = this.endpoint.id;
    const reason = code ? ` (${code})` : '';
    if ((code && NOT_FOUND_CODES.has(code)) || (status === 404 && !code)) {
      return new SourceHttpError('not-found', id, `source ${id} has no such patient${reason}`, status, code);
    }
    if (status === 401 || status === 403 || (code && REFUSED_CODES.has(code))) {
      return new SourceHttpError('unauthorised', id, `source ${id} refused the request: ${status}${reason}`, status, code);
    }
    if (status === 501 || code === 'NOT_IMPLEMENTED') {
      return new SourceHttpError('unsupported', id, `source ${id} does not implement this interaction${reason}`, status, code);
    }
    return new SourceHttpError('http-error', id, `source ${id} answered ${status}${reason}`, status, code);
  }

  private networkError(error: unknown, signal: AbortSignal): SourceError {
    const id = this.endpoint.id;
    if (signal.aborted || (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError'))) {
      return new SourceError('timeout', id, `source ${id} did not answer within ${this.endpoint.timeoutMs} ms`);
    }
    return new SourceError('unreachable', id, `source ${id} could not be reached`);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
