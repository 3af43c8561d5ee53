// Source registry, the connector interface and its protocol implementations, resilience and feeds.
// Not built yet (issue 4): the module is wired into the app so its place and boundaries exist.
export { SourceConnectorsModule } from './source-connectors.module.js';
