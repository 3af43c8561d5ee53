import { Module } from '@nestjs/common';

import { RecordAggregationModule } from '../record-aggregation/index.js';
import { RecordResolver } from './record/record.resolver.js';

/** The professionals' GraphQL API (and, with issue 8, the read-only FHIR facade). */
@Module({
  imports: [RecordAggregationModule],
  providers: [RecordResolver],
})
export class PortalModule {}
