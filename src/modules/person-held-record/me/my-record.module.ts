import { Module } from '@nestjs/common';

import { GovernanceModule } from '../../governance/index.js';
import { IdentityMatchingModule } from '../../identity-matching/index.js';
import { RecordAggregationModule } from '../../record-aggregation/index.js';
import { SourceConnectorsModule } from '../../source-connectors/index.js';
import { MyAdvice } from './my-advice.service.js';
import { MyRecordResolver } from './my-record.resolver.js';
import { MyRecord } from './my-record.service.js';

/** The resident's own view: `me`, who has looked, emergency access to their record, advice for their conditions, the export. */
@Module({
  imports: [GovernanceModule, IdentityMatchingModule, RecordAggregationModule, SourceConnectorsModule],
  providers: [MyRecord, MyAdvice, MyRecordResolver],
})
export class MyRecordModule {}
