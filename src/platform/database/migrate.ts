import { DataSource } from 'typeorm';
import { buildDataSourceOptions, type DatabaseSettings } from './data-source-options.js';

export interface MigrationOutcome {
  applied: string[];
}

async function withDataSource<T>(settings: DatabaseSettings, work: (dataSource: DataSource) => Promise<T>): Promise<T> {
  const dataSource = new DataSource({ ...buildDataSourceOptions(settings), extra: { max: 1 } });
  await dataSource.initialize();
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

/** Applies every pending migration, each in its own transaction. */
export function migrateUp(settings: DatabaseSettings): Promise<MigrationOutcome> {
  return withDataSource(settings, async (dataSource) => {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return { applied: applied.map((migration) => migration.name) };
  });
}

/** Reverts the last `steps` applied migrations, newest first. */
export function migrateDown(settings: DatabaseSettings, steps: number): Promise<MigrationOutcome> {
  return withDataSource(settings, async (dataSource) => {
    const reverted: string[] = [];
    for (let i = 0; i < steps; i++) {
      const [last] = await dataSource.query<{ name: string }[]>(
        `SELECT name FROM schema_migration ORDER BY timestamp DESC, id DESC LIMIT 1`,
      );
      if (!last) break;
      await dataSource.undoLastMigration({ transaction: 'each' });
      reverted.push(last.name);
    }
    return { applied: reverted };
  });
}

/** Names of migrations known to the code but not yet applied. */
export function pendingMigrations(settings: DatabaseSettings): Promise<string[]> {
  return withDataSource(settings, async (dataSource) => {
    const rows = await dataSource.query<{ name: string }[]>(`SELECT name FROM schema_migration`).catch((error: { code?: string }) => {
      // A database never migrated has no schema_migration table yet: everything is pending.
      if (error.code === '42P01') return [];
      throw error;
    });
    const applied = new Set(rows.map((row) => row.name));
    return dataSource.migrations.map((migration) => migration.name ?? migration.constructor.name).filter((name) => !applied.has(name));
  });
}
