// What operators use to run the hub: queue heartbeats and dead letters today; operator GraphQL,
// the review queue and audit verification as the modules they serve land.
export { OperationsModule } from './operations.module.js';
export { OperationsService } from './operations.service.js';
export { recordQueueHeartbeat } from './jobs/record-queue-heartbeat.job.js';
export type { QueueHeartbeat } from './repositories/queue-heartbeat.repository.js';
