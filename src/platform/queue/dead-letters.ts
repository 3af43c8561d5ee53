import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { DeadLetterRepository } from './dead-letter.repository.js';
import type { DeadLetterEntity } from './dead-letter.entity.js';
import type { JobPayload } from './job-definition.js';
import { JobDispatcher } from './job-dispatcher.js';
import { JobRegistry } from './job-registry.js';
import { QueueError, QueueErrorCode } from './queue.errors.js';

export interface DeadLetter {
  id: string;
  queue: string;
  jobName: string;
  jobId: string;
  payload: Record<string, unknown>;
  failureReason: string;
  attemptsMade: number;
  failedAt: Date;
  redrivenAt: Date | null;
  redriveJobId: string | null;
}

const maxReasonLength = 500;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const toDeadLetter = (row: DeadLetterEntity): DeadLetter => ({ ...row });

/**
 * Jobs that failed their last attempt. They are kept in PostgreSQL (Redis may be volatile and
 * trims its failed sets), listed for operators, and re-driven on request as a new job.
 */
@Injectable()
export class DeadLetters {
  constructor(
    private readonly repository: DeadLetterRepository,
    private readonly dispatcher: JobDispatcher,
    private readonly registry: JobRegistry,
  ) {}

  async record(job: Job, queue: string, error: unknown): Promise<void> {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    await this.repository.upsert({
      queue,
      jobName: job.name,
      jobId: job.id!,
      payload: job.data as Record<string, unknown>,
      failureReason: reason.slice(0, maxReasonLength),
      attemptsMade: job.attemptsMade + 1,
      failedAt: new Date(),
    });
  }

  async list(options: { includeRedriven?: boolean; limit?: number } = {}): Promise<DeadLetter[]> {
    const limit = Math.min(Math.max(options.limit ?? 50, 1), 500);
    return (await this.repository.list({ includeRedriven: options.includeRedriven ?? false, limit })).map(toDeadLetter);
  }

  /** Enqueues the job again with its original payload; returns the new job's id. */
  async redrive(id: string): Promise<string> {
    const row = uuidPattern.test(id) ? await this.repository.findById(id) : null;
    if (!row) throw new QueueError(QueueErrorCode.DeadLetterNotFound, `no dead letter with id ${id}`);
    if (row.redrivenAt) {
      throw new QueueError(
        QueueErrorCode.DeadLetterAlreadyRedriven,
        `dead letter ${id} was re-driven at ${row.redrivenAt.toISOString()} as job ${row.redriveJobId}`,
      );
    }
    const { definition } = this.registry.require(row.jobName);
    const { requestId, ...data } = row.payload;
    // Enqueue first, then mark: if marking fails the job still runs (handlers are idempotent),
    // and the deterministic job id stops a second re-drive from enqueuing it twice.
    const jobId = await this.dispatcher.enqueue(definition, data as JobPayload, {
      jobId: `redrive-${row.id}`,
      requestId: typeof requestId === 'string' ? requestId : null,
    });
    await this.repository.markRedriven(row.id, jobId, new Date());
    return jobId;
  }
}
