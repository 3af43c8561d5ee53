import { Injectable, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../../../platform/config/index.js';
import { JobDispatcher, QueueModule } from '../../../platform/queue/index.js';
import { feedPatientChanged } from './feed-patients.js';
import { Hl7Listener } from './hl7-listener.js';
import { Hl7MessageProcessor } from './hl7-message-processor.js';
import {
  enqueueStalledHl7Messages,
  EnqueueStalledHl7MessagesJob,
  stalledHl7SweepIntervalMs,
} from './jobs/enqueue-stalled-hl7-messages.job.js';
import { processHl7Message, ProcessHl7MessageJob } from './jobs/process-hl7-message.job.js';
import { CareEventRepository } from './repositories/care-event.repository.js';
import { Hl7InboxRepository } from './repositories/hl7-inbox.repository.js';
import { Hl7PatientDemographicsRepository } from './repositories/hl7-patient-demographics.repository.js';
import { SourceRecordChanges } from './source-record-changes.js';

/** Workers (re)declare the stalled-message sweep at start; the upsert makes this safe from many. */
@Injectable()
export class Hl7SweepScheduler implements OnApplicationBootstrap {
  constructor(
    private readonly config: AppConfig,
    private readonly dispatcher: JobDispatcher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runsWorkers) return;
    await this.dispatcher.schedule(enqueueStalledHl7Messages, {}, stalledHl7SweepIntervalMs);
  }
}

/** The inbound HL7 v2 feed: MLLP listener, durable inbox, and the job that applies each message. */
@Module({
  imports: [QueueModule.forJobs([processHl7Message, enqueueStalledHl7Messages, feedPatientChanged])],
  providers: [
    Hl7InboxRepository,
    CareEventRepository,
    Hl7PatientDemographicsRepository,
    Hl7MessageProcessor,
    ProcessHl7MessageJob,
    EnqueueStalledHl7MessagesJob,
    Hl7SweepScheduler,
    Hl7Listener,
    SourceRecordChanges,
  ],
  exports: [Hl7Listener, SourceRecordChanges],
})
export class Hl7FeedModule {}
