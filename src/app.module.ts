import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { AnalyticsModule } from './modules/analytics/index.js';
import { GovernanceModule } from './modules/governance/index.js';
import { IdentityMatchingModule } from './modules/identity-matching/index.js';
import { OperationsModule } from './modules/operations/index.js';
import { PersonHeldRecordModule } from './modules/person-held-record/index.js';
import { PortalModule } from './modules/portal/index.js';
import { RecordAggregationModule } from './modules/record-aggregation/index.js';
import { SourceConnectorsModule } from './modules/source-connectors/index.js';
import { AppConfig, ConfigModule } from './platform/config/index.js';
import { DatabaseModule } from './platform/database/index.js';
import { GraphqlModule } from './platform/graphql/index.js';
import { HealthModule, LoggingModule, MetricsModule } from './platform/observability/index.js';
import { QueueModule } from './platform/queue/index.js';

export interface AppModuleOptions {
  /** Serve GraphQL; by default only where the role serves the HTTP API. */
  graphql?: boolean;
  /** More modules, for tests that add their own jobs. */
  extraModules?: ModuleMetadata['imports'];
}

@Module({})
export class AppModule {
  static register(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
    const graphql = options.graphql ?? config.servesHttpApi;
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        MetricsModule,
        DatabaseModule,
        QueueModule,
        HealthModule,
        ...(graphql ? [GraphqlModule] : []),
        SourceConnectorsModule,
        IdentityMatchingModule,
        GovernanceModule,
        RecordAggregationModule,
        PortalModule,
        PersonHeldRecordModule,
        AnalyticsModule,
        OperationsModule,
        ...(options.extraModules ?? []),
      ],
    };
  }
}
