// What every benchmark needs: a database and Redis prefix of its own for the run (dropped
// afterwards, whatever happened), and the order statistics the figures are quoted in.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';

const sortedCopy = (values) => [...values].sort((a, b) => a - b);
export const median = (values) => sortedCopy(values)[Math.floor(values.length / 2)];
export const percentile = (values, p) => sortedCopy(values)[Math.min(values.length - 1, Math.floor(values.length * p))];

/** A run's own database URL and Redis prefix, read from BENCH_DATABASE_URL and BENCH_REDIS_URL. */
export function benchRun() {
  const baseDatabaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const databaseName = `tessera_bench_${suffix}`;
  const databaseUrl = Object.assign(new URL(baseDatabaseUrl), { pathname: `/${databaseName}` }).toString();
  const prefix = `tessera-bench-${suffix}`;

  /** Stops the hub process, drops the run's database and deletes its Redis keys. */
  async function cleanUp(child) {
    child?.kill('SIGTERM');
    if (child) await new Promise((resolve) => child.once('exit', resolve));
    const client = new pg.Client({ connectionString: baseDatabaseUrl });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
    await client.end();
    const redis = new Redis(redisUrl);
    let cursor = '0';
    do {
      const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = nextCursor;
    } while (cursor !== '0');
    redis.disconnect();
  }

  return { suffix, databaseUrl, redisUrl, prefix, cleanUp };
}
