import { Module } from '@nestjs/common';

import { GovernanceModule } from '../governance/index.js';
import { SourceConnectorsModule } from '../source-connectors/index.js';
import { QueueModule } from '../../platform/queue/index.js';
import { IdentityEvents } from './identity-events.js';
import { matchIdentity } from './jobs/match-identity.definition.js';
import { MatchIdentityJob } from './jobs/match-identity.job.js';
import { traceIdentity } from './jobs/trace-identity.definition.js';
import { TraceIdentityJob } from './jobs/trace-identity.job.js';
import { trainMatchModel, TrainMatchModelJob } from './jobs/train-model.job.js';
import { IdentityIntake } from './matching/identity-intake.js';
import { IdentityMatcher } from './matching/identity-matcher.js';
import { MatchModels } from './matching/match-models.js';
import { IdentityMatchingService } from './identity-matching.service.js';
import { IdentityIndexRepository } from './repositories/identity-index.repository.js';
import { SourceIdentityRepository } from './repositories/source-identity.repository.js';
import { RecordFeedPatientJob } from './sync/record-feed-patient.job.js';
import { SourceSyncScheduler } from './sync/source-sync.scheduler.js';
import { syncSource, SyncSourceJob } from './sync/sync-source.job.js';
import { SyncStateRepository } from './sync/sync-state.repository.js';
import { StewardshipResolver } from './stewardship/stewardship.resolver.js';
import { StewardPersons } from './stewardship/steward-persons.js';
import { StewardshipService } from './stewardship/stewardship.service.js';

/** The master person index: persons, source identities, links, matching, review and merges. */
@Module({
  // Governance decides and audits the stewards' reads of persons (PersonReads).
  imports: [SourceConnectorsModule, GovernanceModule, QueueModule.forJobs([syncSource, matchIdentity, traceIdentity, trainMatchModel])],
  providers: [
    SourceIdentityRepository,
    SyncStateRepository,
    SyncSourceJob,
    RecordFeedPatientJob,
    SourceSyncScheduler,
    IdentityMatchingService,
    IdentityEvents,
    IdentityIndexRepository,
    StewardshipService,
    StewardshipResolver,
    StewardPersons,
    IdentityIntake,
    MatchModels,
    IdentityMatcher,
    MatchIdentityJob,
    TraceIdentityJob,
    TrainMatchModelJob,
  ],
  exports: [IdentityMatchingService, IdentityEvents, StewardPersons],
})
export class IdentityMatchingModule {}
