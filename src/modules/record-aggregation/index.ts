// Assembles one real-time view of a person from every linked source, in parallel, under one
// deadline, as the access policy lets the caller see it (docs/AGGREGATION.md); and the evidence
// of which organisations care for a person, which access decisions are made on.
export { RecordAggregationModule } from './record-aggregation.module.js';
export {
  RecordReads,
  PEOPLE_SEARCH_MAX,
  type GovernedDemographics,
  type GovernedRecord,
  type PeopleQuery,
  type PeopleSearchHit,
  type RecordReadContext,
  type RecordReadOptions,
} from './record-reads.service.js';
export { RecordWrites, type RecordEditContext, type WriteResult } from './record-writes.service.js';
export { WRITABLE_RESOURCE_SECTIONS } from './domain/write-back.js';
export {
  SharedCarePlans,
  SHARED_CARE_PLANS_SOURCE_NAME,
  type SharedCarePlanHistoryEntry,
  type SharedCarePlanView,
} from './shared-care-plans/shared-care-plans.service.js';
export {
  CARE_PLAN_EDITOR_ROLES,
  SHARED_CARE_PLAN_KINDS,
  type SharedCarePlanInput,
  type SharedCarePlanKind,
} from './shared-care-plans/domain/shared-care-plan.js';
export type { IdentityDemographics } from './domain/person-demographics.js';
export type { AssembledRecord } from './assembler/record-assembler.js';
export {
  RecordChangeFeed,
  type FollowDecision,
  type FollowOptions,
  type RecordChange,
  type RecordChangeEvent,
  type RecordChangeKind,
} from './changes/record-change-feed.service.js';
export { RecordAggregationError, RecordAggregationErrorCode } from './record-aggregation.errors.js';
export * from './domain/record.types.js';
export {
  type BundleLinks,
  conflictIssues,
  exportBundle,
  recordEntries,
  REFUSAL_REASON_SYSTEM,
  resourceOfItem,
  type SearchEntry,
  searchsetBundle,
  type ShownItem,
} from './domain/record-bundles.js';
export * from './relationships/index.js';
