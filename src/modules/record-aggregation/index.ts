// Assembles one real-time view of a person from every linked source, in parallel, under one
// deadline, as the access policy lets the caller see it (docs/AGGREGATION.md); and the evidence
// of which organisations care for a person, which access decisions are made on.
export { RecordAggregationModule } from './record-aggregation.module.js';
export { RecordReads, type GovernedRecord, type RecordReadContext, type RecordReadOptions } from './record-reads.service.js';
export type { AssembledRecord } from './assembler/record-assembler.js';
export { RecordAggregationError, RecordAggregationErrorCode } from './record-aggregation.errors.js';
export * from './domain/record.types.js';
export * from './relationships/index.js';
