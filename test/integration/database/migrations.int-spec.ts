import pg from 'pg';
import { dropDatabase, ensureDatabaseExists, migrateDown, migrateUp, pendingMigrations } from '../../../src/platform/database/index.js';
import { migrations } from '../../../src/platform/database/migrations/index.js';
import { freshDatabaseUrl } from '../../setup/test-run.js';

async function tablesOf(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'schema_migration' ORDER BY table_name`,
    );
    return rows.map((row) => row.table_name);
  } finally {
    await client.end();
  }
}

describe('migrations', () => {
  const url = freshDatabaseUrl('migrations');
  const settings = { url, poolSize: 1 };

  afterAll(() => dropDatabase(url));

  it('create the database when it is missing, and only once', async () => {
    expect(await ensureDatabaseExists(url)).toBe(true);
    expect(await ensureDatabaseExists(url)).toBe(false);
  });

  it('migrate an empty database up, then all the way down again', async () => {
    expect(await tablesOf(url)).toEqual([]);
    expect(await pendingMigrations(settings)).toHaveLength(migrations.length);

    const up = await migrateUp(settings);
    expect(up.applied).toEqual(migrations.map((migration) => new migration().name));
    expect(await tablesOf(url)).toEqual([
      'access_grant',
      'access_review',
      'audit_chain_head',
      'audit_event',
      'care_event',
      'carer_delegation',
      'consent_change',
      'consent_setting',
      'dead_letter',
      'hl7_inbox',
      'hl7_patient_demographics',
      'hl7_patient_merge',
      'identity_event',
      'identity_link',
      'match_model',
      'match_review',
      'person',
      'privacy_alert',
      'queue_heartbeat',
      'shared_care_plan',
      'shared_care_plan_version',
      'source',
      'source_identity',
      'source_sync_state',
    ]);
    expect(await pendingMigrations(settings)).toEqual([]);
    expect((await migrateUp(settings)).applied).toEqual([]);

    const down = await migrateDown(settings, migrations.length + 5);
    expect(down.applied).toEqual(up.applied.slice().reverse());
    expect(await tablesOf(url)).toEqual([]);
    expect(await pendingMigrations(settings)).toHaveLength(migrations.length);
  });
});
