import { Redis } from 'ioredis';
import pg from 'pg';

// Jest loads this file outside its module map, so it imports nothing of ours.
const baseDatabaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Drops the run's database and every Redis key under the run's prefix. */
export default async function globalTeardown(): Promise<void> {
  const databaseUrl = process.env.TESSERA_TEST_DATABASE_URL;
  const prefix = process.env.TESSERA_TEST_REDIS_PREFIX;
  if (databaseUrl) {
    const client = new pg.Client({ connectionString: baseDatabaseUrl });
    await client.connect();
    try {
      const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
      await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  }
  if (prefix) {
    const redis = new Redis(redisUrl);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  }
}
