// The master person index: persons, source identities, links, matching, review and merges.
export { IdentityMatchingModule } from './identity-matching.module.js';
export { IdentityMatchingService, type PersonSearchHit } from './identity-matching.service.js';
export { IdentityEvents, type IdentityChanged, type IdentityChangedListener } from './identity-events.js';
export { IdentityMatchingError, IdentityMatchingErrorCode } from './identity-matching.errors.js';
export { StewardPersons } from './stewardship/steward-persons.js';
export { IdentityLinkType, PersonType } from './stewardship/stewardship.graphql.js';
export { IdentityMatchingErrorFilter } from './stewardship/identity-matching-error.filter.js';
export type { RecordOutcome, StoredSourceIdentity } from './repositories/source-identity.repository.js';
export { demographicsOf, type SourceDemographics } from './source-demographics.js';
export { linkRecords } from './domain/bulk-linkage.js';
export type {
  LinkageAssignment,
  LinkageOptions,
  LinkagePair,
  LinkageProgress,
  LinkageRecord,
  LinkageResult,
} from './domain/bulk-linkage.types.js';
export type { IdentityFields } from './domain/identity-fields.js';
export type { FieldComparison, LinkMethod, MatchExplanation } from './domain/match-explanation.js';
export type { MatchOutcome } from './matching/identity-matcher.js';
export type { PersonIdentity, PersonRecord, PersonLink } from './repositories/identity-index.repository.js';
export * from './extracts/index.js';
