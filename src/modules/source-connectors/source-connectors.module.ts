import { Module } from '@nestjs/common';

/** Source registry, the connector interface and its protocol implementations, resilience and feeds. */
@Module({})
export class SourceConnectorsModule {}
