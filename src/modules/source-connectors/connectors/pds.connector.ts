import { randomUUID } from 'node:crypto';

import type { R4Bundle, R4OperationOutcome, R4Patient, R4Resource } from '../../../fhir/index.js';
import { withSource } from './fhir-r4.connector.js';
import { outcomeCodeOf, SourceHttpClient, SourceHttpError } from './http-client.js';
import { SourceError, type DemographicQuery, type RecordSection, type SourceConnector, type SourceEndpoint } from './source-connector.js';
import type { SourceGuard } from './source-guard.js';

// The Personal Demographics Service, the authority on who a person is: trace by demographics
// (fuzzy, scored) and read by NHS number, for identity matching. It holds no clinical record.
// The "local id" is the NHS number.

/** One person PDS offers for a trace, with how well PDS says they match (0 to 1; 1: every item matched current data). */
export interface PdsCandidate {
  patient: R4Patient;
  score: number;
}

export type PdsTraceResult =
  /** Best first; empty when nobody matched. */
  | { outcome: 'matched'; candidates: PdsCandidate[] }
  /** More people matched than the trace allows: PDS names none of them; the search needs more detail. */
  | { outcome: 'too-many-matches' };

export interface PdsConnectorOptions {
  guard: SourceGuard;
  http?: SourceHttpClient;
  /** `_max-results` of a trace: 1 to 50, PDS's own limit. */
  maxResults?: number;
}

const DEFAULT_MAX_RESULTS = 10;

export class PdsConnector implements SourceConnector {
  private readonly guard: SourceGuard;
  private readonly http: SourceHttpClient;
  private readonly maxResults: number;

  constructor(
    readonly endpoint: SourceEndpoint,
    options: PdsConnectorOptions,
  ) {
    this.guard = options.guard;
    // PDS wants a fresh UUID X-Request-ID on every request; it echoes it, which ties our logs to theirs.
    this.http = options.http ?? new SourceHttpClient(endpoint, { requestHeaders: () => ({ 'x-request-id': randomUUID() }) });
    this.maxResults = Math.min(50, Math.max(1, options.maxResults ?? DEFAULT_MAX_RESULTS));
  }

  /** A fuzzy demographic trace. PDS needs at least a family name and a birth date. */
  async trace(query: DemographicQuery, signal?: AbortSignal): Promise<PdsTraceResult> {
    if (!query.family || !query.birthDate) {
      throw new SourceError('unsupported', this.endpoint.id, 'a PDS trace needs a family name and a birth date');
    }
    const parameters = new URLSearchParams({ family: query.family });
    if (query.given) parameters.set('given', query.given);
    parameters.set('birthdate', `eq${query.birthDate}`);
    if (query.gender) parameters.set('gender', query.gender);
    if (query.postcode) parameters.set('address-postalcode', query.postcode);
    parameters.set('_fuzzy-match', 'true');
    parameters.set('_max-results', String(this.maxResults));

    const answer = await this.call(
      'trace',
      `${this.endpoint.baseUrl}/Patient?${parameters.toString()}`,
      ['Bundle', 'OperationOutcome'],
      signal,
    );
    if (answer.resourceType === 'OperationOutcome') {
      const code = outcomeCodeOf(answer as unknown as Record<string, unknown>);
      // PDS answers 200 with this outcome, not an error status.
      if (code === 'TOO_MANY_MATCHES') return { outcome: 'too-many-matches' };
      throw new SourceHttpError(
        'malformed',
        this.endpoint.id,
        `PDS answered a trace with an unexpected outcome${code ? ` (${code})` : ''}`,
        200,
        code,
      );
    }
    const candidates = ((answer as R4Bundle).entry ?? [])
      .filter((entry) => entry.resource?.resourceType === 'Patient')
      .map((entry) => ({ patient: withSource(entry.resource as R4Patient, this.endpoint.id), score: scoreOf(entry.search?.score) }))
      .sort((a, b) => b.score - a.score);
    return { outcome: 'matched', candidates };
  }

  /** By NHS number: one read. By demographics: the trace's candidates, best first; none when PDS finds too many. */
  async findPatients(query: DemographicQuery, signal?: AbortSignal): Promise<R4Patient[]> {
    if (query.nhsNumber) {
      try {
        return [await this.readPatient(query.nhsNumber, signal)];
      } catch (error) {
        if (error instanceof SourceError && error.kind === 'not-found') return [];
        throw error;
      }
    }
    const result = await this.trace(query, signal);
    return result.outcome === 'matched' ? result.candidates.map((candidate) => candidate.patient) : [];
  }

  /**
   * The PDS record for an NHS number. `not-found` (RESOURCE_NOT_FOUND) when PDS has none;
   * `http-error` 400 with outcomeCode INVALID_RESOURCE_ID when PDS refuses the number as malformed.
   */
  async readPatient(nhsNumber: string, signal?: AbortSignal): Promise<R4Patient> {
    const patient = (await this.call(
      'read-patient',
      `${this.endpoint.baseUrl}/Patient/${encodeURIComponent(nhsNumber)}`,
      ['Patient'],
      signal,
    )) as R4Patient;
    return withSource(patient, this.endpoint.id);
  }

  readSection(_localId: string, section: RecordSection): Promise<R4Resource[]> {
    return Promise.reject(new SourceError('unsupported', this.endpoint.id, `PDS holds demographics only, no ${section}`));
  }

  private async call(
    operation: string,
    url: string,
    expectedTypes: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<R4Patient | R4Bundle | R4OperationOutcome> {
    try {
      return await this.guard.run(
        operation,
        (attemptSignal) => this.http.getResource<R4Patient | R4Bundle | R4OperationOutcome>(url, expectedTypes, attemptSignal),
        {
          idempotent: true,
          signal,
        },
      );
    } catch (error) {
      throw this.precise(error);
    }
  }

  /** PDS's Spine codes, said in words an operator can act on; the kind and code stay as the source gave them. */
  private precise(error: unknown): unknown {
    if (!(error instanceof SourceHttpError) || !error.outcomeCode) return error;
    const explanation = PDS_CODE_EXPLANATIONS[error.outcomeCode];
    if (!explanation) return error;
    return new SourceHttpError(error.kind, error.sourceId, `PDS: ${explanation} (${error.outcomeCode})`, error.status, error.outcomeCode);
  }
}

const PDS_CODE_EXPLANATIONS: Record<string, string> = {
  INVALID_RESOURCE_ID: 'not a valid NHS number',
  RESOURCE_NOT_FOUND: 'no record for that NHS number',
  INVALID_SEARCH_DATA: 'the search is missing data PDS needs or has data in a form it refuses',
  INVALID_VALUE: 'a value in the request is invalid',
  UNSUPPORTED_SERVICE: 'that search is not offered',
  ADDITIONAL_PROPERTIES: 'the request has parameters PDS does not accept',
  ACCESS_DENIED: 'access denied',
};

function scoreOf(value: unknown): number {
  return typeof value === 'number' && value >= 0 && value <= 1 ? value : 0;
}
