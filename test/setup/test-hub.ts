import type { ModuleMetadata } from '@nestjs/common';
import { type RunningHub, startHub } from '../../src/bootstrap.js';
import { AppConfig } from '../../src/platform/config/index.js';
import { testIssuer } from './test-issuer.js';
import { fileRedisPrefix, redisUrl, runDatabaseUrl } from './test-run.js';

type Settings = Parameters<typeof AppConfig.fromEnvironment>[1];

/**
 * Settings for a hub under test: this run's database, this file's Redis prefix, a free port, and
 * trust in this file's test issuer (test-issuer.ts: operatorToken() and friends sign for it).
 */
export function testConfig(overrides: Settings = {}): AppConfig {
  return AppConfig.fromEnvironment(
    {},
    {
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: runDatabaseUrl(),
      REDIS_URL: redisUrl,
      REDIS_PREFIX: fileRedisPrefix(),
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      SHUTDOWN_TIMEOUT_MS: '5000',
      // Each test hub's MLLP listener takes a free port.
      MLLP_PORT: '0',
      AUTH_ISSUERS: testIssuer().authIssuers,
      ...overrides,
    },
  );
}

/** The real app, wired as `npm run demo` wires it, listening on a free port. */
export function startTestHub(overrides: Settings = {}, extraModules: ModuleMetadata['imports'] = []): Promise<RunningHub> {
  return startHub(testConfig(overrides), { extraModules });
}

/** Polls until `probe` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
