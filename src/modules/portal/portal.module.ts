import { Module } from '@nestjs/common';

import { GovernanceModule } from '../governance/index.js';
import { RecordAggregationModule } from '../record-aggregation/index.js';
import { EditsResolver } from './edits/edits.resolver.js';
import { FhirController } from './fhir/fhir.controller.js';
import { FhirReads } from './fhir/fhir-reads.service.js';
import { PeopleResolver } from './people/people.resolver.js';
import { RecordResolver } from './record/record.resolver.js';
import { RecordChangesResolver } from './subscriptions/record-changes.resolver.js';

/** The professionals' GraphQL API (and, with issue 8, the read-only FHIR facade). */
@Module({
  // GovernanceModule: AuditTrail, for the FHIR facade's AuditEvent searches and scope refusals.
  imports: [RecordAggregationModule, GovernanceModule],
  controllers: [FhirController],
  providers: [PeopleResolver, RecordResolver, RecordChangesResolver, FhirReads, EditsResolver],
})
export class PortalModule {}
