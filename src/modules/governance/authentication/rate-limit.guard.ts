import { type CanActivate, type ExecutionContext, HttpException, HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { GraphQLError } from 'graphql';

import { type RateVerdict, RequestRateLimiter } from '../../../platform/http/index.js';

import type { Principal } from '../domain/principal.js';
import { type CachedAuthentication, PRINCIPAL_ON_REQUEST, PUBLIC_ROUTE, requestOf } from './authentication.decorators.js';
import type { HubRequest } from './authentication.guard.js';

/** The request's verdict, so that a GraphQL query's root fields count as one request. */
const RATE_VERDICT = Symbol.for('tessera.governance.rate-verdict');

const RATE_LIMITED = 'RATE_LIMITED';

/**
 * The per-principal rate limit (RATE_LIMIT_POINTS per RATE_LIMIT_WINDOW_S), after the
 * AuthenticationGuard (APP_GUARD order): it counts each authenticated HTTP or GraphQL request
 * once, keyed by the principal's issuer and subject, and refuses the rest with 429 and
 * Retry-After (GraphQL: HTTP 429 and code RATE_LIMITED). @Public routes are not counted. A
 * refusal touches no data, so it is logged and counted in a metric, not audited.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly logger = new Logger(RateLimitGuard.name);

  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(RequestRateLimiter) private readonly limiter: RequestRateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    const request = requestOf(context) as HubRequest | undefined;
    // The AuthenticationGuard ran first and let the request through: its principal is cached, settled.
    const cached = request?.[PRINCIPAL_ON_REQUEST] as CachedAuthentication | undefined;
    if (!request || !cached || !('principal' in cached)) return true;

    let verdict = request[RATE_VERDICT] as Promise<RateVerdict> | undefined;
    if (!verdict) {
      verdict = this.limiter.take(rateKey(cached.principal)).then((outcome) => {
        if (!outcome.allowed) this.logger.warn(`rate limit: refused request ${String(request.id)} of a ${cached.principal.kind}`);
        return outcome;
      });
      request[RATE_VERDICT] = verdict;
    }
    const outcome = await verdict;
    if (outcome.allowed) return true;
    throw refusal(context, outcome.retryAfterSeconds);
  }
}

/** One allowance per identity: the same subject at two issuers is two people. */
function rateKey(principal: Principal): string {
  return `${principal.issuer} ${principal.subject}`;
}

function refusal(context: ExecutionContext, retryAfterSeconds: number): Error {
  const message = `too many requests: try again in ${retryAfterSeconds} s`;
  const retryAfter = String(retryAfterSeconds);
  if (context.getType<string>() === 'graphql') {
    // Apollo takes the status and headers from extensions.http (and drops it from the body).
    return new GraphQLError(message, {
      extensions: {
        code: RATE_LIMITED,
        retryAfterSeconds,
        http: { status: HttpStatus.TOO_MANY_REQUESTS, headers: new Map([['retry-after', retryAfter]]) },
      },
    });
  }
  context.switchToHttp().getResponse<Response>().setHeader('retry-after', retryAfter);
  return new HttpException({ statusCode: HttpStatus.TOO_MANY_REQUESTS, error: RATE_LIMITED, message }, HttpStatus.TOO_MANY_REQUESTS);
}
