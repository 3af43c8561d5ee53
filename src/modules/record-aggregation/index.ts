// Assembles a person's record from every linked source, in parallel, under one deadline.
// Today: relationship evidence for access decisions; the assembler arrives with issue 7.
export { RecordAggregationModule } from './record-aggregation.module.js';
export * from './relationships/index.js';
