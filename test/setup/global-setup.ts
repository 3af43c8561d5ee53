import { ensureDatabaseExists, migrateUp } from '../../src/platform/database/index.js';
import { databaseUrlFor, runEnv, uniqueSuffix } from './test-run.js';

/** Creates this run's database and migrates it once; test files share it but own their rows. */
export default async function globalSetup(): Promise<void> {
  const suffix = uniqueSuffix();
  const databaseUrl = databaseUrlFor(`tessera_test_${suffix}`);
  await ensureDatabaseExists(databaseUrl);
  await migrateUp({ url: databaseUrl, poolSize: 1 });
  process.env[runEnv.databaseUrl] = databaseUrl;
  process.env[runEnv.redisPrefix] = `tessera-test-${suffix}`;
}
