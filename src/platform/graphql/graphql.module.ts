import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module } from '@nestjs/common';
import { GraphQLModule as NestGraphQLModule } from '@nestjs/graphql';
import { AppConfig } from '../config/index.js';
import { formatGraphqlError } from './format-error.js';
import { VersionResolver } from './version.resolver.js';

/** Code-first GraphQL at /graphql. The schema is built in memory at boot, never written to disk. */
@Module({
  imports: [
    NestGraphQLModule.forRootAsync<ApolloDriverConfig>({
      driver: ApolloDriver,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        path: '/graphql',
        autoSchemaFile: true,
        sortSchema: true,
        // GraphiQL and introspection help developers; in production they only help attackers.
        graphiql: !config.isProduction,
        introspection: !config.isProduction,
        includeStacktraceInErrorResponses: false,
        csrfPrevention: true,
        formatError: formatGraphqlError,
        // A request refused as a whole (no valid token: every field fails) answers 401, or 503 when the
        // identity provider is down, as governance's filter sets in extensions.http. Nest resets
        // such statuses to 200 by default; field-level errors set no status and stay 200.
        preserveHttpStatusForExecutionErrors: false,
      }),
    }),
  ],
  providers: [VersionResolver],
})
export class GraphqlModule {}
