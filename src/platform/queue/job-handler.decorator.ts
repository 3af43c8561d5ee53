import { SetMetadata } from '@nestjs/common';
import type { JobDefinition, JobEnvelope, JobPayload } from './job-definition.js';

export const JOB_HANDLER_METADATA = 'tessera:job-handler';

export interface JobContext {
  readonly jobId: string;
  readonly queue: string;
  /** Attempts that failed before this one. */
  readonly attemptsMade: number;
  /** When the job was meant to run (creation time plus any delay). */
  readonly dueAt: Date;
}

export type JobHandlerFunction<TData extends JobPayload> = (data: JobEnvelope<TData>, context: JobContext) => Promise<void>;

/**
 * Marks a provider method as the handler of a job. Each job has exactly one handler; the app
 * refuses to start otherwise. Handlers re-read state and skip work already done, because a job
 * may run more than once (a retry, a worker killed mid-job).
 */
export const JobHandler = <TData extends JobPayload>(definition: JobDefinition<TData>): MethodDecorator =>
  SetMetadata(JOB_HANDLER_METADATA, definition);
