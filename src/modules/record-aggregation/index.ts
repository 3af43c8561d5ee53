// Assembles a person's record from every linked source, in parallel, under one deadline.
// Not built yet (issue 7): the module is wired into the app so its place and boundaries exist.
export { RecordAggregationModule } from './record-aggregation.module.js';
