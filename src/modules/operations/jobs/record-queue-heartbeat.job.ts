import { hostname } from 'node:os';
import { Injectable } from '@nestjs/common';
import { defineJob, JobHandler, QueueName, type JobContext, type JobEnvelope } from '../../../platform/queue/index.js';
import { QueueHeartbeatRepository } from '../repositories/queue-heartbeat.repository.js';

export type RecordQueueHeartbeatData = Record<string, never>;

/**
 * A tiny job scheduled on the maintenance queue. When it stops being processed, no worker is
 * consuming; its lag (due time to processing) tells how far behind the workers are.
 */
export const recordQueueHeartbeat = defineJob<RecordQueueHeartbeatData>({
  name: 'operations.record-queue-heartbeat',
  queue: QueueName.Maintenance,
  // A missed heartbeat is replaced by the next one: retrying an old one tells nothing.
  options: { attempts: 1, removeOnComplete: { count: 10 }, removeOnFail: { count: 10 } },
});

@Injectable()
export class RecordQueueHeartbeatJob {
  private readonly processedBy = `${hostname()}:${process.pid}`;

  constructor(private readonly heartbeats: QueueHeartbeatRepository) {}

  @JobHandler(recordQueueHeartbeat)
  async run(_data: JobEnvelope<RecordQueueHeartbeatData>, context: JobContext): Promise<void> {
    const processedAt = new Date();
    await this.heartbeats.record({
      queue: context.queue,
      jobId: context.jobId,
      dueAt: context.dueAt,
      processedAt,
      lagMs: Math.max(0, processedAt.getTime() - context.dueAt.getTime()),
      processedBy: this.processedBy,
    });
  }
}
