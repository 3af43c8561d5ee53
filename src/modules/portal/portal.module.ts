import { Module } from '@nestjs/common';

/** The professionals' GraphQL API and the read-only FHIR facade. */
@Module({})
export class PortalModule {}
