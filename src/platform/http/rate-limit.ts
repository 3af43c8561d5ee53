import { Injectable, Logger } from '@nestjs/common';
import { Counter } from 'prom-client';
import { type RateLimiterAbstract, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

import { AppConfig } from '../config/index.js';
// The files themselves, not the indexes: observability's index holds controllers that import this folder's index.
import { MetricsService } from '../observability/metrics.service.js';
import { withTimeout } from '../observability/with-timeout.js';
import { RedisConnections } from '../queue/redis-connections.js';

/** Whether a request may go on, and when a refused caller may try again. */
export type RateVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** The count could not be taken (Redis down or slow): the caller decides what that means. */
export interface RateUncounted {
  uncounted: Error;
}

const ALLOWED: RateVerdict = { allowed: true };

/** Redis answers in well under a millisecond; longer than this and a request waits on the limiter rather than on care. */
const COUNT_TIMEOUT_MS = 200;

/**
 * Takes one point from `key`'s allowance. A refusal tells how long until the window frees a
 * point (at least a second, as Retry-After counts whole seconds); a store that fails or does
 * not answer within `timeoutMs` gives `uncounted`.
 */
export async function countRequest(limiter: RateLimiterAbstract, key: string, timeoutMs: number): Promise<RateVerdict | RateUncounted> {
  try {
    await withTimeout(limiter.consume(key, 1), timeoutMs, 'the rate limit store');
    return ALLOWED;
  } catch (outcome) {
    // rate-limiter-flexible rejects with a RateLimiterRes when the allowance is spent, with an Error when the store fails.
    if (outcome instanceof RateLimiterRes)
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(outcome.msBeforeNext / 1000)) };
    return { uncounted: outcome instanceof Error ? outcome : new Error(String(outcome)) };
  }
}

/**
 * Requests per key in a fixed window (RATE_LIMIT_POINTS per RATE_LIMIT_WINDOW_S), counted in
 * Redis under the deployment's key prefix so that every api process shares one count. It knows
 * keys, not callers: governance's RateLimitGuard keys it by principal. When Redis cannot count,
 * requests go through (a limiter must never block care): logged once per outage and counted.
 */
@Injectable()
export class RequestRateLimiter {
  private readonly logger = new Logger(RequestRateLimiter.name);
  private readonly limiter: RateLimiterAbstract | undefined;
  private readonly refused: Counter;
  private readonly uncounted: Counter;
  private storeHealthy = true;

  constructor(config: AppConfig, connections: RedisConnections, metrics: MetricsService) {
    const { points, windowSeconds } = config.rateLimit;
    // Zero points turns the limit off (benchmarks, a deployment behind its own gateway).
    this.limiter =
      points > 0
        ? new RateLimiterRedis({
            storeClient: connections.shared,
            keyPrefix: `${connections.keyPrefix}:rate-limit`,
            points,
            duration: windowSeconds,
            // Fail at once while Redis reconnects, instead of queueing behind the reconnection.
            rejectIfRedisNotReady: true,
          })
        : undefined;
    this.refused = new Counter({
      name: 'tessera_rate_limited_requests_total',
      help: 'Requests refused with 429 because their principal was over RATE_LIMIT_POINTS in the window',
      registers: [metrics.registry],
    });
    this.uncounted = new Counter({
      name: 'tessera_rate_limit_uncounted_requests_total',
      help: 'Requests let through without counting because Redis could not count them',
      registers: [metrics.registry],
    });
  }

  async take(key: string): Promise<RateVerdict> {
    if (!this.limiter) return ALLOWED;
    const outcome = await countRequest(this.limiter, key, COUNT_TIMEOUT_MS);
    if ('uncounted' in outcome) {
      this.uncounted.inc();
      if (this.storeHealthy) this.logger.warn(`rate limit not enforced while Redis cannot count requests: ${outcome.uncounted.message}`);
      this.storeHealthy = false;
      return ALLOWED;
    }
    if (!this.storeHealthy) this.logger.log('rate limit enforced again: Redis counts requests');
    this.storeHealthy = true;
    if (!outcome.allowed) this.refused.inc();
    return outcome;
  }
}
