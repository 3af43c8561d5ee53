import { Module } from '@nestjs/common';

import { SourceConnectorsModule } from '../source-connectors/index.js';
import { QueueModule } from '../../platform/queue/index.js';
import { IdentityMatchingService } from './identity-matching.service.js';
import { SourceIdentityRepository } from './repositories/source-identity.repository.js';
import { RecordFeedPatientJob } from './sync/record-feed-patient.job.js';
import { SourceSyncScheduler } from './sync/source-sync.scheduler.js';
import { syncSource, SyncSourceJob } from './sync/sync-source.job.js';
import { SyncStateRepository } from './sync/sync-state.repository.js';

/** The master person index: persons, source identities, links, matching, review and merges. */
@Module({
  imports: [SourceConnectorsModule, QueueModule.forJobs([syncSource])],
  providers: [
    SourceIdentityRepository,
    SyncStateRepository,
    SyncSourceJob,
    RecordFeedPatientJob,
    SourceSyncScheduler,
    IdentityMatchingService,
  ],
  exports: [IdentityMatchingService],
})
export class IdentityMatchingModule {}
