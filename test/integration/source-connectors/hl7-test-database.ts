import pg from 'pg';
import { dropDatabase, ensureDatabaseExists, migrateUp } from '../../../src/platform/database/index.js';
import { freshDatabaseUrl } from '../../setup/test-run.js';

/**
 * A database of this file's own, migrated from the source tree, so the HL7 tables exist even
 * before dist/ (which the run's shared database is migrated from) is rebuilt.
 */
export async function createHl7TestDatabase(label: string): Promise<{ url: string; db: pg.Pool; drop: () => Promise<void> }> {
  const url = freshDatabaseUrl(label);
  await ensureDatabaseExists(url);
  await migrateUp({ url, poolSize: 1 });
  const db = new pg.Pool({ connectionString: url, max: 2 });
  // An idle connection the server ends (the database being dropped at teardown) is not a test
  // failure; without a listener the pool would throw it into whichever test is running.
  db.on('error', () => undefined);
  return {
    url,
    db,
    drop: async () => {
      await db.end();
      await dropDatabase(url);
    },
  };
}
