import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';

import { countRequest } from './rate-limit.js';

describe('countRequest', () => {
  it('lets a key make its allowance of requests in the window and refuses the next, saying when to retry', async () => {
    const limiter = new RateLimiterMemory({ points: 3, duration: 60 });
    for (let n = 0; n < 3; n++) expect(await countRequest(limiter, 'issuer-a alice', 1_000)).toEqual({ allowed: true });
    const refused = await countRequest(limiter, 'issuer-a alice', 1_000);
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: expect.any(Number) });
    const { retryAfterSeconds } = refused as { retryAfterSeconds: number };
    expect(retryAfterSeconds).toBeGreaterThanOrEqual(59);
    expect(retryAfterSeconds).toBeLessThanOrEqual(60);
  });

  it('counts each key on its own', async () => {
    const limiter = new RateLimiterMemory({ points: 1, duration: 60 });
    expect(await countRequest(limiter, 'issuer-a alice', 1_000)).toEqual({ allowed: true });
    expect(await countRequest(limiter, 'issuer-a alice', 1_000)).toMatchObject({ allowed: false });
    expect(await countRequest(limiter, 'issuer-a bob', 1_000)).toEqual({ allowed: true });
    expect(await countRequest(limiter, 'issuer-b alice', 1_000)).toEqual({ allowed: true });
  });

  it('rounds the wait up to whole seconds, as Retry-After counts them, and never below one', async () => {
    const refusingFor = (ms: number) => ({ consume: () => Promise.reject(new RateLimiterRes(0, ms, 4)) }) as unknown as RateLimiterAbstract;
    expect(await countRequest(refusingFor(3), 'k', 1_000)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(await countRequest(refusingFor(0), 'k', 1_000)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(await countRequest(refusingFor(1_001), 'k', 1_000)).toEqual({ allowed: false, retryAfterSeconds: 2 });
  });

  it('reports a store that fails or hangs as uncounted rather than refusing the request', async () => {
    const failing = { consume: () => Promise.reject(new Error('Redis connection is not ready')) } as unknown as RateLimiterAbstract;
    expect(await countRequest(failing, 'k', 1_000)).toEqual({ uncounted: new Error('Redis connection is not ready') });

    const hanging = { consume: () => new Promise(() => undefined) } as unknown as RateLimiterAbstract;
    const started = Date.now();
    const outcome = await countRequest(hanging, 'k', 50);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(outcome).toEqual({ uncounted: expect.objectContaining({ name: 'TimeoutError' }) });
  });
});
