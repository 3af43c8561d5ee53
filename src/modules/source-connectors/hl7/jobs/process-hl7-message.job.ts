import { Injectable, Logger } from '@nestjs/common';
import { defineJob, JobDispatcher, JobHandler, QueueName, type JobContext, type JobEnvelope } from '../../../../platform/queue/index.js';
import { feedPatientChanged } from '../feed-patients.js';
import { Hl7MessageProcessor, safeErrorText } from '../hl7-message-processor.js';
import { Hl7InboxRepository } from '../repositories/hl7-inbox.repository.js';
import { SourceRecordChanges } from '../source-record-changes.js';

export type ProcessHl7MessageData = { inboxId: string };

// The platform's job-name pattern has no digits, so 'hl7' cannot appear in the name.
export const processHl7Message = defineJob<ProcessHl7MessageData>({
  name: 'source-connectors.process-feed-message',
  queue: QueueName.ClinicalFeeds,
  options: { attempts: 8, removeOnComplete: { age: 3600, count: 10_000 } },
});

/** The deterministic job id: enqueuing the same message twice runs it once. */
export function processHl7MessageJobId(inboxId: string): string {
  return `hl7-message-${inboxId}`;
}

@Injectable()
export class ProcessHl7MessageJob {
  private readonly logger = new Logger(ProcessHl7MessageJob.name);

  constructor(
    private readonly processor: Hl7MessageProcessor,
    private readonly inbox: Hl7InboxRepository,
    private readonly dispatcher: JobDispatcher,
    private readonly recordChanges: SourceRecordChanges,
  ) {}

  @JobHandler(processHl7Message)
  async run(data: JobEnvelope<ProcessHl7MessageData>, context: JobContext): Promise<void> {
    try {
      const outcome = await this.processor.processInOrder(data.inboxId);
      if (outcome === 'missing') this.logger.warn(`HL7 inbox message ${data.inboxId} not found`);
      // The message has taken effect; a failed announcement must not make it look failed (the periodic sync catches up).
      if (outcome === 'processed') {
        await this.announcePatient(data.inboxId).catch((error: unknown) =>
          this.logger.warn(`HL7 inbox message ${data.inboxId}: patient change not announced (${safeErrorText(error)})`),
        );
      }
    } catch (error) {
      const final = context.attemptsMade + 1 >= (processHl7Message.options?.attempts ?? 1);
      await this.inbox.recordFailure(data.inboxId, safeErrorText(error), final).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Tells whoever keeps identities that this patient's demographics may have changed, and every
   * process that this patient's record at the facility changed (after commit).
   */
  private async announcePatient(inboxId: string): Promise<void> {
    const patientKey = (await this.inbox.find(inboxId))?.patientKey;
    const separator = patientKey?.indexOf('|') ?? -1;
    if (!patientKey || separator < 0) return;
    const facility = patientKey.slice(0, separator);
    const localId = patientKey.slice(separator + 1);
    if (facility.length > 128 || localId.length > 128) return;
    await this.dispatcher.enqueue(feedPatientChanged, { facility, localId });
    await this.recordChanges.publish({ organisationCode: facility, localId });
  }
}
