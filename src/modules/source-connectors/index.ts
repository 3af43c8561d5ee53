// Source registry, the connector interface and its protocol implementations, resilience and feeds.
// Other modules reach sources only through what is exported here.
export { SourceConnectorsModule } from './source-connectors.module.js';
export { SourceRegistry, REGISTRY_REFRESH_MS, type Source, type SeedResult } from './registry/source-registry.service.js';
export { SourceRegistryError } from './source-connectors.errors.js';
export { SourceConnectors, type SourceHealth } from './connectors/source-connectors.service.js';
export { PdsConnector } from './connectors/pds.connector.js';
export type { HostedSectionReader } from './connectors/hub-hosted.connector.js';
export type { HostedSourceKind } from './connectors/source-connectors.service.js';
export { FeedPatients, feedPatientChanged, type FeedPatient, type FeedPatientChangedData } from './hl7/feed-patients.js';
export { SourceRecordChanges, type SourceRecordChanged, type SourceRecordChangedListener } from './hl7/source-record-changes.js';
export { CareEvents, type CareEventKind, type CareEventRecord } from './hl7/care-events.js';
export type {
  SourceConnector,
  SourceEndpoint,
  SourceAuthentication,
  DemographicQuery,
  RecordSection,
  SourceKind,
  SourceProtocol,
  ChangePage,
} from './connectors/source-connector.js';
export { SourceHttpError } from './connectors/http-client.js';
export { SourceError, RECORD_SECTIONS, SOURCE_KINDS, SOURCE_PROTOCOLS } from './connectors/source-connector.js';
