import { randomBytes } from 'node:crypto';

/**
 * Names that make this test run's data its own: one database per run, one Redis key prefix per
 * test file, so parallel runs (two developers, CI) never see each other's data.
 */
export const baseDatabaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A database of the test server, named uniquely (for tests that need an empty one). */
export function freshDatabaseUrl(label: string): string {
  const url = new URL(baseDatabaseUrl);
  url.pathname = `/tessera_test_${label}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  return url.toString();
}

/** Set by global-setup for the test workers. */
export const runEnv = {
  databaseUrl: 'TESSERA_TEST_DATABASE_URL',
  redisPrefix: 'TESSERA_TEST_REDIS_PREFIX',
} as const;

export function runDatabaseUrl(): string {
  const url = process.env[runEnv.databaseUrl];
  if (!url) throw new Error('integration tests run through jest, whose global setup creates their database');
  return url;
}

/** A Redis prefix owned by one test file (under the run's prefix, which teardown clears). */
export function fileRedisPrefix(): string {
  const runPrefix = process.env[runEnv.redisPrefix];
  if (!runPrefix) throw new Error('integration tests run through jest, whose global setup sets the Redis prefix');
  return `${runPrefix}-${randomBytes(4).toString('hex')}`;
}
