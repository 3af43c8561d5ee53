import { Module } from '@nestjs/common';

import { GovernanceModule } from '../governance/index.js';
import { IdentityMatchingModule } from '../identity-matching/index.js';
import { RecordAggregationModule } from '../record-aggregation/index.js';
import { EditsResolver } from './edits/edits.resolver.js';
import { FhirController } from './fhir/fhir.controller.js';
import { FhirReads } from './fhir/fhir-reads.service.js';
import { PeopleResolver } from './people/people.resolver.js';
import { PersonResolver } from './people/person.resolver.js';
import { RecordQueries } from './record/record-queries.js';
import { RecordResolver } from './record/record.resolver.js';
import { RecordChangesResolver } from './subscriptions/record-changes.resolver.js';

/** The professionals' GraphQL API (and, with issue 8, the read-only FHIR facade). */
@Module({
  // GovernanceModule: AuditTrail, for the FHIR facade's AuditEvent searches and scope refusals.
  // IdentityMatchingModule: the steward's view of a person, for `person(id)`.
  imports: [RecordAggregationModule, GovernanceModule, IdentityMatchingModule],
  controllers: [FhirController],
  providers: [PeopleResolver, PersonResolver, RecordQueries, RecordResolver, RecordChangesResolver, FhirReads, EditsResolver],
})
export class PortalModule {}
