import request from 'supertest';
import type { RunningHub } from '../../src/bootstrap.js';
import { TcpProxy } from '../setup/tcp-proxy.js';
import { eventually, startTestHub } from '../setup/test-hub.js';
import { redisUrl, runDatabaseUrl } from '../setup/test-run.js';

function through(proxy: TcpProxy, url: string): string {
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  return proxied.toString();
}

async function readiness(
  hub: RunningHub,
): Promise<{ status: number; body: { status: string; checks: Record<string, { status: string; error?: string }> } }> {
  const response = await request(hub.url).get('/health/ready');
  return { status: response.status, body: response.body };
}

describe('readiness follows the dependencies and recovers without a restart', () => {
  it('goes 503 while PostgreSQL is away and 200 once it is back', async () => {
    const database = new URL(runDatabaseUrl());
    const proxy = new TcpProxy(database.hostname, Number(database.port || 5432));
    await proxy.start();
    const hub = await startTestHub({ DATABASE_URL: through(proxy, runDatabaseUrl()), HEALTH_CHECK_TIMEOUT_MS: '1000' });
    try {
      expect((await readiness(hub)).status).toBe(200);

      await proxy.stop();
      const down = await readiness(hub);
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ status: 'unavailable', checks: { database: { status: 'down' }, redis: { status: 'up' } } });
      expect(down.body.checks.database!.error).toMatch(/^(ECONNREFUSED|ECONNRESET|timeout|error)$/);
      // Liveness is about the process, not its dependencies.
      await request(hub.url).get('/health/live').expect(200);

      await proxy.start();
      await eventually(async () => ((await readiness(hub)).status === 200 ? true : undefined), 15_000, 'readiness to recover');
    } finally {
      await hub.stop();
      await proxy.stop();
    }
  });

  it('goes 503 while Redis is away and 200 once it is back', async () => {
    const redis = new URL(redisUrl);
    const proxy = new TcpProxy(redis.hostname, Number(redis.port || 6379));
    await proxy.start();
    const hub = await startTestHub({ REDIS_URL: through(proxy, redisUrl), HEALTH_CHECK_TIMEOUT_MS: '500', TESSERA_ROLE: 'api' });
    try {
      expect((await readiness(hub)).status).toBe(200);

      await proxy.stop();
      const down = await readiness(hub);
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ status: 'unavailable', checks: { database: { status: 'up' }, redis: { status: 'down' } } });

      await proxy.start();
      await eventually(async () => ((await readiness(hub)).status === 200 ? true : undefined), 15_000, 'readiness to recover');
    } finally {
      await hub.stop();
      await proxy.stop();
    }
  });
});
