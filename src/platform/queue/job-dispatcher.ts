import { Injectable } from '@nestjs/common';
import type { JobDefinition, JobEnvelope, JobPayload } from './job-definition.js';
import { payloadProblems } from './job-definition.js';
import { JobRegistry } from './job-registry.js';
import { Queues } from './queues.js';
import { QueueError, QueueErrorCode } from './queue.errors.js';

export interface EnqueueOptions {
  /** A deterministic id de-duplicates: a job with the same id is not enqueued twice. No ':'. */
  jobId?: string;
  /** The request (or job) that caused this one, carried for tracing. */
  requestId?: string | null;
  delayMs?: number;
}

/**
 * The only way jobs enter a queue. Enqueue after the database transaction that makes the job
 * necessary has committed, so a worker never looks for rows that are not there yet.
 */
@Injectable()
export class JobDispatcher {
  constructor(
    private readonly registry: JobRegistry,
    private readonly queues: Queues,
  ) {}

  /** Returns the id of the job in the queue. */
  async enqueue<TData extends JobPayload>(definition: JobDefinition<TData>, data: TData, options: EnqueueOptions = {}): Promise<string> {
    const { definition: registered } = this.registry.require(definition.name);
    const envelope = this.envelope(definition, data, options.requestId ?? null);
    if (options.jobId?.includes(':')) {
      throw new QueueError(QueueErrorCode.InvalidPayload, `job id '${options.jobId}' must not contain ':'`);
    }
    const job = await this.queues.get(registered.queue).add(registered.name, envelope, {
      ...registered.options,
      jobId: options.jobId,
      delay: options.delayMs,
    });
    return job.id!;
  }

  /**
   * Runs a job every `everyMs`; calling it again with another interval replaces the schedule.
   * `schedulerId` tells apart several schedules of one job (one per source, say).
   */
  async schedule<TData extends JobPayload>(
    definition: JobDefinition<TData>,
    data: TData,
    everyMs: number,
    schedulerId?: string,
  ): Promise<void> {
    const { definition: registered } = this.registry.require(definition.name);
    const envelope = this.envelope(definition, data, null);
    await this.queues
      .get(registered.queue)
      .upsertJobScheduler(
        schedulerId ?? registered.name,
        { every: everyMs },
        { name: registered.name, data: envelope, opts: registered.options ?? {} },
      );
  }

  /** Removes a schedule made with `schedule`; true when there was one. */
  async unschedule<TData extends JobPayload>(definition: JobDefinition<TData>, schedulerId?: string): Promise<boolean> {
    const { definition: registered } = this.registry.require(definition.name);
    return this.queues.get(registered.queue).removeJobScheduler(schedulerId ?? registered.name);
  }

  /** Ids of the schedules of a job's queue, for reconciling them with what should run. */
  async schedulerIds<TData extends JobPayload>(definition: JobDefinition<TData>): Promise<string[]> {
    const { definition: registered } = this.registry.require(definition.name);
    const schedulers = await this.queues.get(registered.queue).getJobSchedulers();
    return schedulers.filter((scheduler) => scheduler.name === registered.name).map((scheduler) => scheduler.key);
  }

  private envelope<TData extends JobPayload>(definition: JobDefinition<TData>, data: TData, requestId: string | null): JobEnvelope<TData> {
    const problems = payloadProblems(data);
    if (problems.length) throw new QueueError(QueueErrorCode.InvalidPayload, `payload of ${definition.name} refused`, problems);
    return { ...data, requestId };
  }
}
