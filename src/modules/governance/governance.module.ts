import { type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';

import { RequestRateLimiter } from '../../platform/http/index.js';

import { AccessGrantRepository } from './access-grants/access-grant.repository.js';
import { AccessGrantsResolver } from './access-grants/access-grants.resolver.js';
import { AccessGrants } from './access-grants/access-grants.service.js';
import { PrivacyAlertEvents } from './access-grants/privacy-alert-events.js';
import { AuditTrail } from './audit/audit-trail.js';
import { AuditVerifier } from './audit/audit-verifier.js';
import { AccessReviewRepository } from './audit-review/access-review.repository.js';
import { AuditExportController } from './audit-review/audit-export.controller.js';
import { AuditReviewResolver } from './audit-review/audit-review.resolver.js';
import { AuditReviewService } from './audit-review/audit-review.service.js';
import { AuthenticationGuard } from './authentication/authentication.guard.js';
import { GovernanceErrorFilter } from './authentication/governance-error.filter.js';
import { GraphqlAuthenticationMiddleware } from './authentication/graphql-authentication.middleware.js';
import { RateLimitGuard } from './authentication/rate-limit.guard.js';
import { TokenVerifier } from './authentication/token-verifier.js';
import { ConsentSettingsRepository } from './consent/consent-settings.repository.js';
import { ConsentSettings } from './consent/consent-settings.service.js';
import { CarerDelegationRepository } from './delegations/carer-delegation.repository.js';
import { CarerDelegationsResolver } from './delegations/carer-delegations.resolver.js';
import { ConsentResolver } from './consent/consent.resolver.js';
import { AccessLog } from './access-log/index.js';
import { CarerDelegations } from './delegations/carer-delegations.service.js';
import { PersonReads } from './governed-reads/person-reads.js';
import { AccessPolicyService } from './policy/access-policy.service.js';

/** Authentication, principals and roles, the access policy, governed reads and the audit trail. */
@Module({
  controllers: [AuditExportController],
  providers: [
    AuditTrail,
    AuditVerifier,
    TokenVerifier,
    AccessPolicyService,
    AccessReviewRepository,
    AuditReviewService,
    AuditReviewResolver,
    PersonReads,
    ConsentSettingsRepository,
    ConsentSettings,
    AccessGrantRepository,
    AccessGrants,
    AccessGrantsResolver,
    PrivacyAlertEvents,
    CarerDelegationRepository,
    CarerDelegations,
    CarerDelegationsResolver,
    ConsentResolver,
    AccessLog,
    AuthenticationGuard,
    // Every HTTP controller and GraphQL resolver needs a valid token unless marked @Public (issue 6).
    { provide: APP_GUARD, useExisting: AuthenticationGuard },
    // After authentication (guards run in the order provided): each principal's requests per window (RATE_LIMIT_*).
    RequestRateLimiter,
    RateLimitGuard,
    { provide: APP_GUARD, useExisting: RateLimitGuard },
    { provide: APP_FILTER, useClass: GovernanceErrorFilter },
  ],
  exports: [
    AuditTrail,
    AuditVerifier,
    TokenVerifier,
    AccessPolicyService,
    PersonReads,
    ConsentSettings,
    AccessGrants,
    PrivacyAlertEvents,
    CarerDelegations,
    AccessLog,
  ],
})
export class GovernanceModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // GraphQL refuses a request without a valid token before parsing it (no schema, no errors to learn from).
    consumer.apply(GraphqlAuthenticationMiddleware).forRoutes({ path: 'graphql', method: RequestMethod.ALL });
  }
}
