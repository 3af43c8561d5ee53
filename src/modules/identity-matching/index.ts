// The master person index: persons, source identities, links, matching, review and merges.
// Today: each source's identities kept current for the matching to come (issue 5).
export { IdentityMatchingModule } from './identity-matching.module.js';
export { IdentityMatchingService } from './identity-matching.service.js';
export type { RecordOutcome, StoredSourceIdentity } from './repositories/source-identity.repository.js';
export { demographicsOf, type SourceDemographics } from './source-demographics.js';
