// The PostgreSQL data source (metadata only), its naming rules and migrations.
export { DatabaseModule } from './database.module.js';
export { buildDataSourceOptions, type DatabaseSettings } from './data-source-options.js';
export { ensureDatabaseExists, dropDatabase, splitDatabaseUrl } from './ensure-database.js';
export { migrateUp, migrateDown, pendingMigrations, type MigrationOutcome } from './migrate.js';
