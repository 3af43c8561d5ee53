// Usage, audit intelligence, data quality and population indicators, computed in background jobs.
// Not built yet (issue 10): the module is wired into the app so its place and boundaries exist.
export { AnalyticsModule } from './analytics.module.js';
