import type { JobsOptions } from 'bullmq';
import type { QueueName } from './queue-names.js';

/**
 * What a job carries: ids and small flags only, never names, NHS numbers or clinical content,
 * because Redis is not where patient data may live and job payloads are logged on failure.
 */
export type JobPayload = Record<string, string | number | boolean | null>;

/** Every job is enqueued with the id of the request (or job) that caused it, for tracing. */
export type JobEnvelope<TData extends JobPayload> = TData & { requestId: string | null };

export interface JobDefinition<TData extends JobPayload = JobPayload> {
  /** `<module>.<verb-noun>`, for example `identity-matching.match-source-identity`. */
  readonly name: string;
  readonly queue: QueueName;
  /** Overrides of the default options (attempts, backoff, retention) for this job only. */
  readonly options?: Partial<Pick<JobsOptions, 'attempts' | 'backoff' | 'removeOnComplete' | 'removeOnFail' | 'priority'>>;
  /** Present only to carry TData through the type system. */
  readonly __data?: TData;
}

const jobNamePattern = /^[a-z]+(?:-[a-z]+)*\.[a-z]+(?:-[a-z]+)+$/;

export function defineJob<TData extends JobPayload>(definition: Omit<JobDefinition<TData>, '__data'>): JobDefinition<TData> {
  if (!jobNamePattern.test(definition.name)) {
    throw new Error(`job name '${definition.name}' must read <module>.<verb-noun>, in lower-case kebab-case`);
  }
  return Object.freeze({ ...definition });
}

const maxPayloadStringLength = 128;

/**
 * Refuses payloads that look like content rather than ids: nested objects, arrays and long
 * strings. Cheap, and it stops the easy mistake of enqueuing a whole resource.
 */
export function payloadProblems(payload: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(payload)) {
    if (value === null || typeof value === 'number' || typeof value === 'boolean') continue;
    if (typeof value === 'string') {
      if (value.length > maxPayloadStringLength) problems.push(`${key} is longer than ${maxPayloadStringLength} characters`);
      continue;
    }
    problems.push(`${key} is ${Array.isArray(value) ? 'an array' : typeof value}; payloads hold ids and flags only`);
  }
  return problems;
}
