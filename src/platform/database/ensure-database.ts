import pg from 'pg';
import { escapeIdentifier } from 'pg';

/** The database named in a postgres:// URL, and the same server's maintenance database. */
export function splitDatabaseUrl(url: string): { databaseName: string; maintenanceUrl: string } {
  const parsed = new URL(url);
  const databaseName = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!databaseName) throw new Error('DATABASE_URL names no database (add /tessera to the URL)');
  parsed.pathname = '/postgres';
  return { databaseName, maintenanceUrl: parsed.toString() };
}

/**
 * Creates the database named in `url` when it does not exist yet, so a fresh machine needs no
 * manual step. Returns whether it had to create it.
 */
export async function ensureDatabaseExists(url: string): Promise<boolean> {
  const { databaseName, maintenanceUrl } = splitDatabaseUrl(url);
  const client = new pg.Client({ connectionString: maintenanceUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [databaseName]);
    if (found.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${escapeIdentifier(databaseName)}`);
    } catch (error) {
      // Another process (an api and a worker starting together) may have created it first.
      if ((error as { code?: string }).code === '42P04') return false;
      throw error;
    }
    return true;
  } finally {
    await client.end();
  }
}

/** Drops a database, closing its other sessions first. Used by tests and benchmarks only. */
export async function dropDatabase(url: string): Promise<void> {
  const { databaseName, maintenanceUrl } = splitDatabaseUrl(url);
  const client = new pg.Client({ connectionString: maintenanceUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${escapeIdentifier(databaseName)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
