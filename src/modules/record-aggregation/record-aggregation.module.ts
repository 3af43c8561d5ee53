import { Module } from '@nestjs/common';

import { IdentityMatchingModule } from '../identity-matching/index.js';
import { SourceConnectorsModule } from '../source-connectors/index.js';
import { RelationshipEvidence } from './relationships/relationship-evidence.service.js';

/**
 * Assembles a person's record from every linked source, in parallel, under one deadline (issue
 * 7). Today: the evidence of who cares for a person, which access decisions are made on.
 */
@Module({
  imports: [IdentityMatchingModule, SourceConnectorsModule],
  providers: [RelationshipEvidence],
  exports: [RelationshipEvidence],
})
export class RecordAggregationModule {}
