import { isValidNhsNumber, normaliseNhsNumber, type R4Patient, type R4Resource } from '../../../fhir/index.js';
import { sourceUri } from './fhir-r4.connector.js';
import type { FetchFunction } from './gp-connect.connector.js';
import { SourceHttpError } from './http-client.js';
import type { SourceGuard } from './source-guard.js';
import {
  SourceError,
  type ChangePage,
  type DemographicQuery,
  type RecordSection,
  type SourceConnector,
  type SourceEndpoint,
} from './source-connector.js';
import {
  assessmentToEncounter,
  clientToPatient,
  councilDate,
  namespaceFor,
  packagesToCarePlan,
  workerToCareTeam,
  type SocialCareAssessment,
  type SocialCareClient,
  type SocialCareNamespace,
  type SocialCarePackage,
  type SocialCareWorker,
} from './social-care.mapping.js';

// The council's adult social care JSON API (`<base>/clients`, `/changes`) as a source. The
// localId is the council's client id (SC-…). Mapping in social-care.mapping.ts.

export interface SocialCareConnectorOptions {
  fetch?: FetchFunction;
  guard?: SourceGuard;
  /** Clients asked for per page (the API allows at most 100). */
  pageSize?: number;
  /** A search matching more clients than this is cut here. */
  maxSearchResults?: number;
  /** Changes returned per listChanges page, before the clients sharing the last timestamp are added. */
  changesPerPage?: number;
}

interface ClientPage {
  totalCount: number;
  page: number;
  pageSize: number;
  clients: SocialCareClient[];
}

interface ChangeList {
  totalCount: number;
  changes: Array<{ clientId: string; lastUpdated: string }>;
}

const EPOCH = '1970-01-01T00:00:00.000Z';
const CLIENT_ID = /^[A-Za-z0-9-]{1,32}$/;

export class SocialCareConnector implements SourceConnector {
  private readonly fetch: FetchFunction;
  private readonly ns: SocialCareNamespace;
  private readonly pageSize: number;

  constructor(
    readonly endpoint: SourceEndpoint,
    private readonly options: SocialCareConnectorOptions = {},
  ) {
    this.fetch = options.fetch ?? ((url, init) => fetch(url, init));
    this.ns = namespaceFor(endpoint.baseUrl, sourceUri(endpoint.id));
    this.pageSize = Math.min(options.pageSize ?? 100, 100);
  }

  /** By NHS number, or surname and date of birth, or postcode (each narrowed by the other fields given). */
  async findPatients(query: DemographicQuery, signal?: AbortSignal): Promise<R4Patient[]> {
    const params = new URLSearchParams();
    if (query.nhsNumber) {
      if (!isValidNhsNumber(query.nhsNumber)) return [];
      params.set('nhsNumber', normaliseNhsNumber(query.nhsNumber));
    }
    if (query.family) params.set('surname', query.family);
    if (query.given) params.set('forename', query.given);
    if (query.birthDate) params.set('dob', councilDate(query.birthDate));
    if (query.postcode) params.set('postcode', query.postcode);
    const searchable = params.has('nhsNumber') || (params.has('surname') && params.has('dob')) || params.has('postcode');
    if (!searchable) return [];

    const limit = this.options.maxSearchResults ?? 200;
    const patients: R4Patient[] = [];
    for (let page = 1; patients.length < limit; page++) {
      params.set('page', String(page));
      params.set('pageSize', String(this.pageSize));
      const body = await this.get<ClientPage>('search-clients', `/clients?${params.toString()}`, signal);
      if (!Array.isArray(body.clients)) throw this.malformed('a client search without clients');
      patients.push(...body.clients.map((client) => this.patient(client)));
      if (body.clients.length < this.pageSize || page * this.pageSize >= body.totalCount) break;
    }
    return patients.slice(0, limit);
  }

  async readPatient(clientId: string, signal?: AbortSignal): Promise<R4Patient> {
    return this.patient(await this.get<SocialCareClient>('read-client', `/clients/${this.clientPath(clientId)}`, signal));
  }

  /** carePlans: the care and support plan (from the packages) and the allocated worker's team; encounters: assessments. */
  async readSection(clientId: string, section: RecordSection, signal?: AbortSignal): Promise<R4Resource[]> {
    const path = `/clients/${this.clientPath(clientId)}`;
    if (section === 'carePlans') {
      const [packages, worker] = await Promise.all([
        this.get<{ packages: SocialCarePackage[] }>('read-packages', `${path}/packages`, signal),
        this.get<{ worker: SocialCareWorker | null }>('read-worker', `${path}/worker`, signal),
      ]);
      if (!Array.isArray(packages.packages)) throw this.malformed('packages without a list');
      const team = worker.worker ? workerToCareTeam(clientId, worker.worker, this.ns) : undefined;
      const plan = packagesToCarePlan(clientId, packages.packages, this.ns, team?.id);
      return [...(plan ? [plan] : []), ...(team ? [team] : [])];
    }
    if (section === 'encounters') {
      const body = await this.get<{ assessments: SocialCareAssessment[] }>('read-assessments', `${path}/assessments`, signal);
      if (!Array.isArray(body.assessments)) throw this.malformed('assessments without a list');
      return body.assessments.map((assessment) => assessmentToEncounter(clientId, assessment, this.ns));
    }
    throw new SourceError('unsupported', this.endpoint.id, `social care source ${this.endpoint.id} holds no ${section} section`);
  }

  /**
   * Clients changed after the cursor (the last `lastUpdated` seen, ISO 8601). Changes with the
   * same timestamp are never split across pages: the council's `since` is exclusive, so a
   * cursor in the middle of a tie would lose the rest of it.
   */
  async listChanges(cursor: string | undefined, signal?: AbortSignal): Promise<ChangePage> {
    const since = cursor ?? EPOCH;
    const wanted = this.options.changesPerPage ?? 50;
    const changes: ChangeList['changes'] = [];
    let total: number;
    for (let page = 1; ; page++) {
      const query = new URLSearchParams({ since, page: String(page), pageSize: String(this.pageSize) });
      const body = await this.get<ChangeList>('list-changes', `/changes?${query.toString()}`, signal);
      if (!Array.isArray(body.changes)) throw this.malformed('changes without a list');
      total = body.totalCount;
      changes.push(...body.changes);
      const last = changes[Math.min(wanted, changes.length) - 1]?.lastUpdated;
      const tieClosed = changes.length > wanted && changes[changes.length - 1]?.lastUpdated !== last;
      if (body.changes.length < this.pageSize || page * this.pageSize >= total || tieClosed) break;
    }
    const cut = changes.length > wanted ? changes[wanted - 1]!.lastUpdated : undefined;
    const taken = cut === undefined ? changes : changes.filter((change, index) => index < wanted || change.lastUpdated === cut);
    const patients: R4Patient[] = [];
    for (const change of taken) {
      try {
        patients.push(await this.readPatient(change.clientId, signal));
      } catch (error) {
        // A client removed since the change was listed has nothing left to sync.
        if (!(error instanceof SourceError && error.kind === 'not-found')) throw error;
      }
    }
    return { patients, nextCursor: taken.at(-1)?.lastUpdated ?? since, complete: taken.length >= total };
  }

  // ---- HTTP

  private patient(client: SocialCareClient): R4Patient {
    if (typeof client?.clientId !== 'string') throw this.malformed('a client without a clientId');
    return clientToPatient(client, this.ns);
  }

  private clientPath(clientId: string): string {
    if (!CLIENT_ID.test(clientId))
      throw new SourceError('not-found', this.endpoint.id, `social care client ids are letters, digits and hyphens`);
    return encodeURIComponent(clientId);
  }

  private malformed(what: string): SourceError {
    return new SourceHttpError('malformed', this.endpoint.id, `source ${this.endpoint.id} answered with ${what}`);
  }

  private async get<T>(operation: string, path: string, signal?: AbortSignal): Promise<T> {
    const id = this.endpoint.id;
    const attempt = async (attemptSignal: AbortSignal): Promise<T> => {
      const deadline = AbortSignal.any([attemptSignal, AbortSignal.timeout(this.endpoint.timeoutMs)]);
      let response: Response;
      let text: string;
      try {
        response = await this.fetch(`${this.endpoint.baseUrl}${path}`, {
          method: 'GET',
          headers: { accept: 'application/json' },
          signal: deadline,
          redirect: 'manual',
        });
        text = await response.text();
      } catch (error) {
        if (deadline.aborted || (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError'))) {
          throw new SourceError('timeout', id, `source ${id} did not answer within ${this.endpoint.timeoutMs} ms`);
        }
        throw new SourceError('unreachable', id, `source ${id} could not be reached`);
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new SourceHttpError(
          'malformed',
          id,
          `source ${id} answered ${response.status} with a body that is not JSON`,
          response.status,
        );
      }
      if (response.ok) {
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw this.malformed('JSON that is not an object');
        return body as T;
      }
      const raw = (body as { error?: { code?: unknown } } | null)?.error?.code;
      const code = typeof raw === 'string' && /^[A-Z][A-Z0-9_]{1,63}$/.test(raw) ? raw : undefined;
      const reason = code ? ` (${code})` : '';
      if (response.status === 404) throw new SourceHttpError('not-found', id, `source ${id} has no such client${reason}`, 404, code);
      if (response.status === 401 || response.status === 403)
        throw new SourceHttpError(
          'unauthorised',
          id,
          `source ${id} refused the request: ${response.status}${reason}`,
          response.status,
          code,
        );
      throw new SourceHttpError('http-error', id, `source ${id} answered ${response.status}${reason}`, response.status, code);
    };
    const guard = this.options.guard;
    if (guard) return guard.run(operation, attempt, { idempotent: true, ...(signal ? { signal } : {}) });
    return attempt(signal ?? new AbortController().signal);
  }
}
