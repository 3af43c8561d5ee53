import { hostname } from 'node:os';
import { Injectable, Logger } from '@nestjs/common';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { Counter, Histogram } from 'prom-client';
import { AppConfig } from '../config/index.js';
import { MetricsService } from '../observability/metrics.service.js';
import { DeadLetters } from './dead-letters.js';
import type { JobEnvelope, JobPayload } from './job-definition.js';
import { JobRegistry } from './job-registry.js';
import { RedisConnections } from './redis-connections.js';

/**
 * Runs a BullMQ worker for every queue that has jobs, in the `worker` and `all` roles. A job's
 * last failed attempt is written to the dead letters before BullMQ marks it failed.
 */
@Injectable()
export class WorkerHost {
  private readonly logger = new Logger(WorkerHost.name);
  private readonly workers: Worker[] = [];
  private readonly processed: Counter<'queue' | 'job' | 'outcome'>;
  private readonly duration: Histogram<'queue' | 'job'>;
  readonly workerId = `${hostname()}:${process.pid}`;

  constructor(
    private readonly config: AppConfig,
    private readonly connections: RedisConnections,
    private readonly registry: JobRegistry,
    private readonly deadLetters: DeadLetters,
    metrics: MetricsService,
  ) {
    this.processed = new Counter({
      name: 'tessera_jobs_processed_total',
      help: 'Job attempts by queue, job name and outcome (completed, retrying, dead-lettered)',
      labelNames: ['queue', 'job', 'outcome'],
      registers: [metrics.registry],
    });
    this.duration = new Histogram({
      name: 'tessera_job_duration_seconds',
      help: 'Time spent in job handlers, by queue and job name',
      labelNames: ['queue', 'job'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers: [metrics.registry],
    });
  }

  start(): void {
    for (const queue of this.registry.activeQueues()) {
      const worker = new Worker(queue, (job) => this.process(queue, job), {
        connection: this.connections.open(`worker-${queue}`),
        prefix: this.connections.keyPrefix,
        concurrency: this.config.worker.concurrency,
        name: this.workerId,
      });
      worker.on('error', (error) => this.logger.warn(`worker for queue ${queue}: ${error.message}`));
      this.workers.push(worker);
    }
    this.logger.log(`processing queues: ${this.registry.activeQueues().join(', ') || '(none)'}`);
  }

  /** Waits for jobs in progress, up to the shutdown timeout; unfinished ones are retried elsewhere. */
  async stop(): Promise<void> {
    const graceful = Promise.all(this.workers.map((worker) => worker.close()));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.config.shutdownTimeoutMs);
    });
    if ((await Promise.race([graceful, timedOut])) === 'timeout') {
      this.logger.warn('jobs still running at the shutdown timeout; they will be retried as stalled');
      await Promise.all(this.workers.map((worker) => worker.close(true)));
    }
    clearTimeout(timer);
    this.workers.length = 0;
  }

  private async process(queue: string, job: Job): Promise<void> {
    const { handler } = this.registry.require(job.name);
    const data = job.data as JobEnvelope<JobPayload>;
    const context = {
      jobId: job.id!,
      queue,
      attemptsMade: job.attemptsMade,
      dueAt: new Date(job.timestamp + (job.delay ?? 0)),
    };
    const stopTimer = this.duration.startTimer({ queue, job: job.name });
    try {
      await handler(data, context);
      this.processed.inc({ queue, job: job.name, outcome: 'completed' });
    } catch (error) {
      const attempts = job.opts.attempts ?? 1;
      const final = error instanceof UnrecoverableError || job.attemptsMade + 1 >= attempts;
      // The message only: payload and stack may describe a person.
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : 'non-error thrown';
      this.logger.warn(
        `job ${job.name} ${job.id} (request ${data.requestId ?? 'none'}) failed attempt ${job.attemptsMade + 1} of ${attempts}: ${reason}`,
      );
      this.processed.inc({ queue, job: job.name, outcome: final ? 'dead-lettered' : 'retrying' });
      if (final) await this.deadLetters.record(job, queue, error);
      throw error;
    } finally {
      stopTimer();
    }
  }
}
