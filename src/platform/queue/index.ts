// BullMQ on Redis: one connection factory, the queue names, job declarations and handlers,
// the dispatcher, default job options and dead letters.
export { QueueModule } from './queue.module.js';
export { QueueName, allQueueNames } from './queue-names.js';
export { defineJob, type JobDefinition, type JobEnvelope, type JobPayload } from './job-definition.js';
export { JobHandler, type JobContext } from './job-handler.decorator.js';
export { JobDispatcher, type EnqueueOptions } from './job-dispatcher.js';
export { DeadLetters, type DeadLetter } from './dead-letters.js';
export { RedisConnections } from './redis-connections.js';
export { PubSubChannel, type ChannelListener } from './pub-sub-channel.js';
export { QueueError, QueueErrorCode } from './queue.errors.js';
export { defaultJobOptions } from './job-options.js';
