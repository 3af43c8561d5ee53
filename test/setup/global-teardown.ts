import { Redis } from 'ioredis';
import { dropDatabase } from '../../src/platform/database/index.js';
import { redisUrl, runEnv } from './test-run.js';

/** Drops the run's database and every Redis key under the run's prefix. */
export default async function globalTeardown(): Promise<void> {
  const databaseUrl = process.env[runEnv.databaseUrl];
  const prefix = process.env[runEnv.redisPrefix];
  if (databaseUrl) await dropDatabase(databaseUrl);
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
