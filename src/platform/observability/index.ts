// Structured logs with request ids, Prometheus metrics, liveness and readiness.
export { LoggingModule } from './logging.module.js';
export { MetricsModule } from './metrics.module.js';
export { MetricsService } from './metrics.service.js';
export { HealthModule } from './health.module.js';
export { HealthDetails } from './health-details.js';
export { LifecycleState } from './lifecycle-state.js';
export { withTimeout, TimeoutError } from './with-timeout.js';
export { sharedScrape } from './shared-scrape.js';
export { REQUEST_ID_HEADER } from './request-id.js';
