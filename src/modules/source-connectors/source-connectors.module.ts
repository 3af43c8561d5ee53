import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { SourceConnectors } from './connectors/source-connectors.service.js';
import { CareEvents } from './hl7/care-events.js';
import { FeedPatients } from './hl7/feed-patients.js';
import { Hl7FeedModule } from './hl7/hl7-feed.module.js';
import { SourceEntity } from './registry/source.entity.js';
import { SourceResolver } from './registry/source.resolver.js';
import { SourceRegistry } from './registry/source-registry.service.js';
import { SourcesSeeder } from './registry/sources-seeder.js';

/** Source registry, the connector interface and its protocol implementations, resilience and feeds. */
@Module({
  imports: [TypeOrmModule.forFeature([SourceEntity]), Hl7FeedModule],
  providers: [SourceRegistry, SourceResolver, SourcesSeeder, SourceConnectors, FeedPatients, CareEvents],
  exports: [SourceRegistry, SourceConnectors, FeedPatients, CareEvents, Hl7FeedModule],
})
export class SourceConnectorsModule {}
