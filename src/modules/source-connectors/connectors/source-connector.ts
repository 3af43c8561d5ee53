import type { R4Patient, R4Resource } from '../../../fhir/index.js';

// The one shape every source is reached through. Whatever a source speaks (FHIR R4, GP Connect
// STU3, a council's JSON, PDS), a connector answers in FHIR R4 with UK Core conventions and
// says which source each resource came from.

/** The record sections the hub assembles (issue 7 names them the same). */
export const RECORD_SECTIONS = [
  'allergies',
  'medications',
  'conditions',
  'observations',
  'encounters',
  'appointments',
  'carePlans',
] as const;
export type RecordSection = (typeof RECORD_SECTIONS)[number];

// 'shared-care': records the hub itself hosts for every organisation (shared care plans); no organisation's system.
export const SOURCE_KINDS = ['gp', 'acute', 'mental-health', 'community', 'social-care', 'phr', 'pds', 'shared-care'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

// 'hub-hosted': read from the hub's own database, not over HTTP; its local ids are NHS numbers.
export const SOURCE_PROTOCOLS = ['fhir-r4', 'gp-connect', 'social-care-json', 'pds-fhir', 'hub-hosted'] as const;
export type SourceProtocol = (typeof SOURCE_PROTOCOLS)[number];

/** Everything a connector needs to reach one source; built by the registry from a `source` row. */
export interface SourceEndpoint {
  /** The registry's id of the source. */
  id: string;
  /** ODS code of the organisation holding the data. */
  organisationCode: string;
  kind: SourceKind;
  protocol: SourceProtocol;
  /** e.g. http://127.0.0.1:4000/acute; no trailing slash. */
  baseUrl: string;
  authentication: SourceAuthentication;
  /** Deadline of one call, in milliseconds. */
  timeoutMs: number;
}

export type SourceAuthentication =
  | { type: 'none' }
  /** The token itself comes from the environment variable named, never from the database. */
  | { type: 'bearer'; tokenVariable: string }
  | { type: 'client-credentials'; tokenUrl: string; clientId: string; secretVariable: string; scope?: string };

/** Demographics to find a person by; at least family name and birth date, or an NHS number. */
export interface DemographicQuery {
  nhsNumber?: string;
  family?: string;
  given?: string;
  birthDate?: string;
  gender?: 'male' | 'female' | 'other' | 'unknown';
  postcode?: string;
}

/** Where a resource came from: put on every resource a connector returns (meta.source). */
export interface SourcedResource<T extends R4Resource = R4Resource> {
  sourceId: string;
  resource: T;
}

/** A page of changes since a cursor; the next cursor resumes after the last change returned. */
export interface ChangePage {
  patients: R4Patient[];
  nextCursor: string;
  /** True when this page reached the end of what the source has now. */
  complete: boolean;
}

/** Why a call to a source failed, in words safe to show an operator (no clinical content). */
export type SourceErrorKind =
  'timeout' | 'unreachable' | 'http-error' | 'malformed' | 'not-found' | 'circuit-open' | 'unauthorised' | 'unsupported';

export class SourceError extends Error {
  constructor(
    readonly kind: SourceErrorKind,
    readonly sourceId: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'SourceError';
  }
}

export interface SourceConnector {
  readonly endpoint: SourceEndpoint;
  /** Patients matching demographics; empty when none. */
  findPatients(query: DemographicQuery, signal?: AbortSignal): Promise<R4Patient[]>;
  /** One patient by the source's own id; SourceError 'not-found' when unknown. */
  readPatient(localId: string, signal?: AbortSignal): Promise<R4Patient>;
  /** One record section for a patient (by the source's own id), as R4 resources. */
  readSection(localId: string, section: RecordSection, signal?: AbortSignal): Promise<R4Resource[]>;
  /** Patients changed since the cursor (undefined: from the start); absent when the source cannot list changes. */
  listChanges?(cursor: string | undefined, signal?: AbortSignal): Promise<ChangePage>;
  /**
   * Creates a resource in one record section for a patient (by the source's own id), which the
   * connector makes the resource's subject; returns the resource as the source stored it (with
   * its id). Never retried: a create is not idempotent. Absent when the connector cannot write;
   * only sources whose registry capabilities say `acceptsWrites` are asked.
   */
  create?(localId: string, section: RecordSection, resource: R4Resource, signal?: AbortSignal): Promise<R4Resource>;
}
