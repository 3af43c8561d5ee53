import { Injectable } from '@nestjs/common';

import { withTimeout } from './with-timeout.js';

/**
 * Information modules add to the readiness report without deciding it: a source that is down
 * shows here, but the hub stays ready, because one source's bad day must not take the hub out
 * of its load balancer.
 */
@Injectable()
export class HealthDetails {
  private readonly providers = new Map<string, () => Promise<unknown>>();

  register(name: string, provider: () => Promise<unknown>): void {
    this.providers.set(name, provider);
  }

  /** Each provider's answer, or `{ error }` when it fails or is slow; never throws. */
  async collect(timeoutMs: number): Promise<Record<string, unknown>> {
    const entries = await Promise.all(
      [...this.providers].map(async ([name, provider]) => {
        try {
          return [name, await withTimeout(provider(), timeoutMs, name)] as const;
        } catch (error) {
          return [name, { error: error instanceof Error && error.name === 'TimeoutError' ? 'timeout' : 'unavailable' }] as const;
        }
      }),
    );
    return Object.fromEntries(entries);
  }
}
