import { defineJob, QueueName } from '../../../platform/queue/index.js';

export type TraceIdentityData = {
  sourceIdentityId: string;
};

/** Traces an identity without a valid NHS number through PDS; a confident trace supplies one. */
export const traceIdentity = defineJob<TraceIdentityData>({
  name: 'identity-matching.trace-identity',
  queue: QueueName.SourceSync,
  options: { attempts: 5 },
});
