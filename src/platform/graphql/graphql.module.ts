import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { GraphQLModule as NestGraphQLModule } from '@nestjs/graphql';
import { AppConfig } from '../config/index.js';
import { formatGraphqlError } from './format-error.js';
import { GraphqlIdeController, GraphqlIdeRedirect } from './graphql-ide.controller.js';
import { graphqlContext, graphqlWsSubscriptions } from './graphql-ws.config.js';
import { queryLimitRules } from './query-limits.js';
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
        // Nest's GraphiQL loads from a CDN (unreachable here): the hub serves its own at /graphiql outside
        // production (graphql-ide.controller.ts). Introspection and field suggestions help developers;
        // in production they only help attackers.
        graphiql: false,
        introspection: !config.isProduction,
        hideSchemaDetailsFromClientErrors: config.isProduction,
        // Depth, alias, cost, directive and token limits, all checked before any resolver runs; a batch
        // (a JSON array of operations) is refused whole with 400 BAD_REQUEST and nothing executed.
        ...queryLimitRules(config.graphqlLimits),
        allowBatchedHttpRequests: false,
        includeStacktraceInErrorResponses: false,
        csrfPrevention: true,
        formatError: formatGraphqlError,
        // Field resolvers (`person(id) { record }`) refuse with the same codes as root fields; guards
        // stay at the root, where authentication and the rate limit count a request once.
        fieldResolverEnhancers: ['filters'],
        // A request refused as a whole (no valid token: every field fails) answers 401, or 503 when the
        // identity provider is down, as governance's filter sets in extensions.http. Nest resets
        // such statuses to 200 by default; field-level errors set no status and stay 200.
        preserveHttpStatusForExecutionErrors: false,
        // Subscriptions over WebSocket (graphql-ws), authenticated by connection params (graphql-ws.config.ts).
        subscriptions: graphqlWsSubscriptions({ limits: config.graphqlLimits, hideSchemaDetails: config.isProduction }),
        context: graphqlContext,
      }),
    }),
  ],
  controllers: [GraphqlIdeController],
  providers: [VersionResolver],
})
export class GraphqlModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(GraphqlIdeRedirect).forRoutes({ path: 'graphql', method: RequestMethod.GET });
  }
}
