import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

// Jest loads this file outside its module map, so it imports nothing of ours; test-run.ts reads
// the same variables in the test workers.
const baseDatabaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Creates this run's database and migrates it once, through the real `migrate` command (which
 * creates a missing database). Test files share the database but own their rows.
 */
export default function globalSetup(): void {
  if (!existsSync('dist/cli.js')) throw new Error('dist/ is missing: run the tests with npm test, which builds first');
  const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const url = new URL(baseDatabaseUrl);
  url.pathname = `/tessera_test_${suffix}`;
  const databaseUrl = url.toString();
  execFileSync(process.execPath, ['dist/cli.js', 'migrate'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  process.env.TESSERA_TEST_DATABASE_URL = databaseUrl;
  process.env.TESSERA_TEST_REDIS_PREFIX = `tessera-test-${suffix}`;
}
