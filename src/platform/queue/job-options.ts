import type { JobsOptions } from 'bullmq';

/**
 * Options every job gets unless its definition says otherwise: a bounded number of attempts,
 * exponential backoff with jitter (so a source coming back is not hit by every retry at once),
 * and bounded retention so Redis does not grow without limit. A job that fails its last
 * attempt is also written to the dead_letter table, where it is kept until re-driven.
 */
export const defaultJobOptions: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000, jitter: 0.5 },
  removeOnComplete: { age: 24 * 3600, count: 1_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 5_000 },
};
