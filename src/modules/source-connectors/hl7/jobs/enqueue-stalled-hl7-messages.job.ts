import { Injectable, Logger } from '@nestjs/common';
import { defineJob, JobDispatcher, JobHandler, QueueName } from '../../../../platform/queue/index.js';
import { Hl7InboxRepository } from '../repositories/hl7-inbox.repository.js';
import { processHl7Message, processHl7MessageJobId } from './process-hl7-message.job.js';

export type EnqueueStalledHl7MessagesData = Record<string, never>;

/**
 * The listener enqueues each message's job after its commit; if the process died in between, or
 * Redis was away, the message sits in the inbox as 'received'. This sweep enqueues those again
 * (the deterministic job id makes it harmless when the job exists).
 */
export const enqueueStalledHl7Messages = defineJob<EnqueueStalledHl7MessagesData>({
  name: 'source-connectors.enqueue-stalled-feed-messages',
  queue: QueueName.ClinicalFeeds,
  options: { attempts: 1, removeOnComplete: { count: 10 }, removeOnFail: { count: 10 } },
});

export const stalledHl7MessageAgeMs = 60_000;
export const stalledHl7SweepIntervalMs = 60_000;

@Injectable()
export class EnqueueStalledHl7MessagesJob {
  private readonly logger = new Logger(EnqueueStalledHl7MessagesJob.name);

  constructor(
    private readonly inbox: Hl7InboxRepository,
    private readonly dispatcher: JobDispatcher,
  ) {}

  @JobHandler(enqueueStalledHl7Messages)
  async run(): Promise<void> {
    const ids = await this.inbox.stalledIds(stalledHl7MessageAgeMs, 1_000);
    for (const inboxId of ids) {
      await this.dispatcher.enqueue(processHl7Message, { inboxId }, { jobId: processHl7MessageJobId(inboxId) });
    }
    if (ids.length) this.logger.log(`re-enqueued ${ids.length} HL7 messages waiting in the inbox`);
  }
}
