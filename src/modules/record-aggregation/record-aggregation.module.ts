import { Module } from '@nestjs/common';

import { GovernanceModule } from '../governance/index.js';
import { IdentityMatchingModule } from '../identity-matching/index.js';
import { SourceConnectorsModule } from '../source-connectors/index.js';
import { RecordAssembler } from './assembler/record-assembler.js';
import { RecordChangeFeed } from './changes/record-change-feed.service.js';
import { RecordAccess } from './record-access.service.js';
import { RecordReads } from './record-reads.service.js';
import { RecordWrites } from './record-writes.service.js';
import { RelationshipEvidence } from './relationships/relationship-evidence.service.js';
import { SharedCarePlanRepository } from './shared-care-plans/shared-care-plan.repository.js';
import { SharedCarePlans } from './shared-care-plans/shared-care-plans.service.js';

/**
 * Assembles a person's record from every linked source, in parallel, under one deadline, as the
 * access policy lets the caller see it; and the evidence of who cares for a person, which access
 * decisions are made on.
 */
@Module({
  imports: [GovernanceModule, IdentityMatchingModule, SourceConnectorsModule],
  providers: [
    RelationshipEvidence,
    RecordAssembler,
    RecordAccess,
    RecordReads,
    RecordWrites,
    RecordChangeFeed,
    SharedCarePlanRepository,
    SharedCarePlans,
  ],
  exports: [RelationshipEvidence, RecordReads, RecordWrites, RecordChangeFeed, SharedCarePlans],
})
export class RecordAggregationModule {}
