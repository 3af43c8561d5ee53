import type { R4Patient, R4Resource } from '../../../fhir/index.js';
import { withSource } from './fhir-r4.connector.js';
import { SourceError, type DemographicQuery, type RecordSection, type SourceConnector, type SourceEndpoint } from './source-connector.js';

// Records the hub keeps itself for every organisation (shared care plans), reached like any other
// source so that the assembler, the policy and the audit treat them alike. The data lives in the
// hub's own database, owned by the module that edits it: that module hands its reader to
// SourceConnectors at start, so this module never imports it. Local ids are NHS numbers.

/** What a module hosting records gives the hub-hosted connector: a section of one person's, by NHS number. */
export interface HostedSectionReader {
  /** The sections it holds; any other is `unsupported`. */
  readonly sections: readonly RecordSection[];
  /** Current R4 resources of a section for the NHS number; empty when it holds none. */
  readSection(nhsNumber: string, section: RecordSection): Promise<R4Resource[]>;
}

const NHS_NUMBER = /^\d{10}$/;

export class HubHostedConnector implements SourceConnector {
  constructor(
    readonly endpoint: SourceEndpoint,
    private readonly reader: () => HostedSectionReader | undefined,
  ) {}

  /** Nobody is found by demographics here: the hub's own records are reached by NHS number. */
  findPatients(_query: DemographicQuery): Promise<R4Patient[]> {
    return Promise.reject(new SourceError('unsupported', this.endpoint.id, `source ${this.endpoint.id} holds no patients of its own`));
  }

  readPatient(_localId: string): Promise<R4Patient> {
    return Promise.reject(new SourceError('unsupported', this.endpoint.id, `source ${this.endpoint.id} holds no patients of its own`));
  }

  async readSection(localId: string, section: RecordSection): Promise<R4Resource[]> {
    const reader = this.reader();
    // Only when the hosting module is not loaded in this process (a worker-only role).
    if (!reader) throw new SourceError('unsupported', this.endpoint.id, `source ${this.endpoint.id} is not served by this process`);
    if (!reader.sections.includes(section))
      throw new SourceError('unsupported', this.endpoint.id, `source ${this.endpoint.id} holds no ${section}`);
    if (!NHS_NUMBER.test(localId))
      throw new SourceError('not-found', this.endpoint.id, `source ${this.endpoint.id} keeps records by NHS number only`);
    try {
      return (await reader.readSection(localId, section)).map((resource) => withSource(resource, this.endpoint.id));
    } catch (error) {
      // The database failing is this source failing: the record shows its status, the read goes on.
      if (error instanceof SourceError) throw error;
      throw new SourceError('unreachable', this.endpoint.id, `source ${this.endpoint.id} could not read the hub's database`);
    }
  }
}
