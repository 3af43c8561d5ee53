import { NHS_NUMBER_SYSTEM, type R4Bundle, type R4Patient, type R4Resource } from '../../../fhir/index.js';
import { SourceHttpClient } from './http-client.js';
import { R4_PATIENT_SEARCH_PARAMETER, R4_SECTION_RESOURCE_TYPES } from './r4-sections.js';
import {
  SourceError,
  type ChangePage,
  type DemographicQuery,
  type RecordSection,
  type SourceConnector,
  type SourceEndpoint,
} from './source-connector.js';
import type { SourceGuard } from './source-guard.js';

// A generic FHIR R4 REST source (the trusts' EPRs, any standards-speaking system): standard
// search parameters, paging through Bundle next links, and a change list by _lastUpdated where
// the source's CapabilityStatement offers it.

export interface FhirR4ConnectorOptions {
  guard: SourceGuard;
  http?: SourceHttpClient;
  /** `_count` on searches; the source's default when absent. */
  pageSize?: number;
  /** Pages followed in one search before giving up: a guard against endless or looping next links. */
  maxPages?: number;
}

const DEFAULT_MAX_PAGES = 50;
/** Types whose patient reference is `patient`, not `subject` (R4). */
const SUBJECT_IS_PATIENT_FIELD = new Set(['AllergyIntolerance']);
/** FHIR's id datatype. */
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** The meta.source the hub puts on every resource it reads: the registry's id, stable when a base URL moves. */
export function sourceUri(sourceId: string): string {
  return `urn:tessera:source:${sourceId}`;
}

/** The resource with meta.source set to the source it came from, its other meta kept. */
export function withSource<T extends R4Resource>(resource: T, sourceId: string): T {
  return { ...resource, meta: { ...resource.meta, source: sourceUri(sourceId) } };
}

interface R4Capabilities {
  /** Resource type → its search parameters (empty when the statement lists none, read as "not said"). */
  resources: Map<string, Set<string>>;
  /** Search parameters the statement declares for every type. */
  common: Set<string>;
}

export class FhirR4Connector implements SourceConnector {
  private readonly guard: SourceGuard;
  private readonly http: SourceHttpClient;
  private readonly maxPages: number;
  private capabilities?: Promise<R4Capabilities>;

  constructor(
    readonly endpoint: SourceEndpoint,
    private readonly options: FhirR4ConnectorOptions,
  ) {
    this.guard = options.guard;
    this.http = options.http ?? new SourceHttpClient(endpoint);
    this.maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  }

  async findPatients(query: DemographicQuery, signal?: AbortSignal): Promise<R4Patient[]> {
    const parameters = patientSearchParameters(query);
    if (!parameters) {
      throw new SourceError('unsupported', this.endpoint.id, 'a patient search needs an NHS number, or a family name and a birth date');
    }
    const capabilities = await this.readCapabilities(signal);
    this.requireSearchParameters(capabilities, 'Patient', [...parameters.keys()]);
    return this.searchAll<R4Patient>('Patient', parameters, ['Patient'], 'find-patients', signal);
  }

  async readPatient(localId: string, signal?: AbortSignal): Promise<R4Patient> {
    // An id FHIR could not hold names nobody: say so without asking.
    if (!FHIR_ID.test(localId))
      throw new SourceError('not-found', this.endpoint.id, `source ${this.endpoint.id} cannot hold a patient id of that form`);
    const patient = await this.guard.run(
      'read-patient',
      (attemptSignal) =>
        this.http.getResource<R4Patient>(`${this.endpoint.baseUrl}/Patient/${encodeURIComponent(localId)}`, ['Patient'], attemptSignal),
      { idempotent: true, signal },
    );
    return withSource(patient, this.endpoint.id);
  }

  async readSection(localId: string, section: RecordSection, signal?: AbortSignal): Promise<R4Resource[]> {
    if (!FHIR_ID.test(localId))
      throw new SourceError('not-found', this.endpoint.id, `source ${this.endpoint.id} cannot hold a patient id of that form`);
    const capabilities = await this.readCapabilities(signal);
    const types = R4_SECTION_RESOURCE_TYPES[section].filter((type) => capabilities.resources.has(type));
    if (types.length === 0) throw new SourceError('unsupported', this.endpoint.id, `source ${this.endpoint.id} holds no ${section}`);
    const resources: R4Resource[] = [];
    // One type after another: the guard limits concurrency per source anyway, and order stays stable.
    for (const type of types) {
      const parameters = new URLSearchParams({ [R4_PATIENT_SEARCH_PARAMETER]: localId });
      resources.push(...(await this.searchAll(type, parameters, [type], `read-${section}`, signal)));
    }
    return resources;
  }

  /**
   * A FHIR create (POST `<base>/<type>`) of one resource of the section, about the source's own
   * patient: the resource's subject (or patient) is set to that patient whatever it said, and any
   * id it carried is dropped (the source assigns one). Not idempotent, so never retried: a timeout
   * leaves it unknown whether the source stored it.
   */
  async create(localId: string, section: RecordSection, resource: R4Resource, signal?: AbortSignal): Promise<R4Resource> {
    if (!FHIR_ID.test(localId))
      throw new SourceError('not-found', this.endpoint.id, `source ${this.endpoint.id} cannot hold a patient id of that form`);
    const type = resource.resourceType;
    if (!R4_SECTION_RESOURCE_TYPES[section].includes(type))
      throw new SourceError('unsupported', this.endpoint.id, `a ${type.slice(0, 64)} does not belong in ${section}`);
    const { id: _ignored, ...rest } = resource as R4Resource & Record<string, unknown>;
    const patient = { reference: `Patient/${localId}` };
    const body = (SUBJECT_IS_PATIENT_FIELD.has(type) ? { ...rest, patient } : { ...rest, subject: patient }) as unknown as R4Resource;
    const created = await this.guard.run(
      `create-${section}`,
      (attemptSignal) => this.http.postResource(`${this.endpoint.baseUrl}/${type}`, body, attemptSignal),
      { idempotent: false, signal },
    );
    return withSource(created, this.endpoint.id);
  }

  /** Whether the source can list changes (its CapabilityStatement offers `_lastUpdated` on Patient). */
  async supportsChanges(signal?: AbortSignal): Promise<boolean> {
    return hasSearchParameter(await this.readCapabilities(signal), 'Patient', '_lastUpdated');
  }

  /**
   * Patients updated after the cursor (a FHIR instant; undefined: from the start), oldest first.
   * Follows pages up to the page cap; the next cursor is the latest lastUpdated read. When the cap
   * cuts a run of equal timestamps, the cursor stays before that timestamp so that none is lost
   * (those patients come again: consumers are idempotent).
   */
  async listChanges(cursor: string | undefined, signal?: AbortSignal): Promise<ChangePage> {
    if (!(await this.supportsChanges(signal))) {
      throw new SourceError(
        'unsupported',
        this.endpoint.id,
        `source ${this.endpoint.id} does not offer _lastUpdated searches, so cannot list changes`,
      );
    }
    if (cursor !== undefined && Number.isNaN(Date.parse(cursor))) {
      throw new SourceError('unsupported', this.endpoint.id, 'a change cursor must be a FHIR instant');
    }
    const parameters = new URLSearchParams({ _sort: '_lastUpdated' });
    if (cursor !== undefined) parameters.set('_lastUpdated', `gt${cursor}`);
    const { resources: patients, complete } = await this.search<R4Patient>('Patient', parameters, ['Patient'], 'list-changes', signal, {
      allowPartial: true,
    });

    const stamps = patients.map((patient) => patient.meta?.lastUpdated).filter((stamp): stamp is string => typeof stamp === 'string');
    const latest = maxInstant(stamps);
    let nextCursor = latest ?? cursor ?? '';
    if (!complete && latest) {
      const earlier = maxInstant(stamps.filter((stamp) => Date.parse(stamp) < Date.parse(latest)));
      if (earlier) nextCursor = earlier;
    }
    return { patients, nextCursor, complete };
  }

  private async searchAll<T extends R4Resource>(
    type: string,
    parameters: URLSearchParams,
    expectedTypes: readonly string[],
    operation: string,
    signal: AbortSignal | undefined,
  ): Promise<T[]> {
    return (await this.search<T>(type, parameters, expectedTypes, operation, signal, { allowPartial: false })).resources;
  }

  /** Follows `next` links from the first page, within the page cap and the source's own origin. */
  private async search<T extends R4Resource>(
    type: string,
    parameters: URLSearchParams,
    expectedTypes: readonly string[],
    operation: string,
    signal: AbortSignal | undefined,
    { allowPartial }: { allowPartial: boolean },
  ): Promise<{ resources: T[]; complete: boolean }> {
    if (this.options.pageSize) parameters.set('_count', String(this.options.pageSize));
    const origin = new URL(this.endpoint.baseUrl).origin;
    const visited = new Set<string>();
    const resources: T[] = [];
    let url: string | undefined = `${this.endpoint.baseUrl}/${type}?${parameters.toString()}`;
    for (let page = 0; url; page++) {
      if (page === this.maxPages) {
        if (allowPartial) return { resources, complete: false };
        throw new SourceError(
          'malformed',
          this.endpoint.id,
          `source ${this.endpoint.id} has more than ${this.maxPages} pages of ${type}; the page cap stops there`,
        );
      }
      visited.add(url);
      const pageUrl: string = url;
      const bundle = await this.guard.run(
        operation,
        (attemptSignal) => this.http.getResource<R4Bundle>(pageUrl, ['Bundle'], attemptSignal),
        {
          idempotent: true,
          signal,
        },
      );
      for (const entry of bundle.entry ?? []) {
        // Outcome entries are warnings about the search, not data.
        if (entry.search?.mode === 'outcome' || !entry.resource) continue;
        if (!expectedTypes.includes(entry.resource.resourceType)) continue;
        resources.push(withSource(entry.resource as T, this.endpoint.id));
      }
      url = this.nextLink(bundle, pageUrl, origin, visited);
    }
    return { resources, complete: true };
  }

  private nextLink(bundle: R4Bundle, pageUrl: string, origin: string, visited: Set<string>): string | undefined {
    const next = bundle.link?.find((link) => link.relation === 'next')?.url;
    if (!next) return undefined;
    let resolved: URL;
    try {
      resolved = new URL(next, pageUrl);
    } catch {
      throw new SourceError('malformed', this.endpoint.id, `source ${this.endpoint.id} gave a next link that is not a URL`);
    }
    // A next link elsewhere would send our credentials, and the patient's id, to another host.
    if (resolved.origin !== origin)
      throw new SourceError('malformed', this.endpoint.id, `source ${this.endpoint.id} gave a next link to another host; not followed`);
    if (visited.has(resolved.href))
      throw new SourceError('malformed', this.endpoint.id, `source ${this.endpoint.id} gave a next link back to a page already read`);
    return resolved.href;
  }

  private requireSearchParameters(capabilities: R4Capabilities, type: string, names: string[]): void {
    const missing = names.filter((name) => !name.startsWith('_') && !hasSearchParameter(capabilities, type, name));
    if (missing.length > 0) {
      throw new SourceError('unsupported', this.endpoint.id, `source ${this.endpoint.id} does not search ${type} by ${missing.join(', ')}`);
    }
  }

  /** The source's CapabilityStatement, read once; a failed read is not kept, so the next call asks again. */
  private readCapabilities(signal?: AbortSignal): Promise<R4Capabilities> {
    this.capabilities ??= this.guard
      .run(
        'capabilities',
        (attemptSignal) =>
          this.http.getResource<fhir4.CapabilityStatement>(`${this.endpoint.baseUrl}/metadata`, ['CapabilityStatement'], attemptSignal),
        {
          idempotent: true,
          signal,
        },
      )
      .then(capabilitiesOf)
      .catch((error: unknown) => {
        this.capabilities = undefined;
        throw error;
      });
    return this.capabilities;
  }
}

function capabilitiesOf(statement: fhir4.CapabilityStatement): R4Capabilities {
  const resources = new Map<string, Set<string>>();
  const common = new Set<string>();
  for (const rest of statement.rest ?? []) {
    if (rest.mode !== 'server') continue;
    for (const parameter of rest.searchParam ?? []) common.add(parameter.name);
    for (const resource of rest.resource ?? []) {
      const searches = resource.interaction?.some((interaction) => interaction.code === 'search-type') ?? true;
      if (!searches) continue;
      resources.set(resource.type, new Set((resource.searchParam ?? []).map((parameter) => parameter.name)));
    }
  }
  return { resources, common };
}

function hasSearchParameter(capabilities: R4Capabilities, type: string, name: string): boolean {
  const declared = capabilities.resources.get(type);
  if (!declared) return false;
  return declared.has(name) || capabilities.common.has(name) || (declared.size === 0 && !name.startsWith('_'));
}

/** Standard Patient search parameters; an NHS number alone when given (other systems' demographics may hold errors). */
function patientSearchParameters(query: DemographicQuery): URLSearchParams | undefined {
  if (query.nhsNumber) return new URLSearchParams({ identifier: `${NHS_NUMBER_SYSTEM}|${query.nhsNumber}` });
  if (!query.family || !query.birthDate) return undefined;
  const parameters = new URLSearchParams({ family: query.family, birthdate: query.birthDate });
  if (query.given) parameters.set('given', query.given);
  if (query.gender) parameters.set('gender', query.gender);
  if (query.postcode) parameters.set('address-postalcode', query.postcode);
  return parameters;
}

function maxInstant(stamps: string[]): string | undefined {
  let latest: string | undefined;
  for (const stamp of stamps) if (latest === undefined || Date.parse(stamp) > Date.parse(latest)) latest = stamp;
  return latest;
}
