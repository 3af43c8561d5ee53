import net from 'node:net';
import request from 'supertest';
import { dropDatabase } from '../../src/platform/database/index.js';
import { spawnHub } from '../setup/hub-process.js';
import { clinicianToken } from '../setup/test-issuer.js';
import { fileRedisPrefix, freshDatabaseUrl, redisUrl, runDatabaseUrl } from '../setup/test-run.js';

const noStackTrace = /^\s+at /m;

describe('starting the hub process', () => {
  it('exits with one clear line for a bad DATABASE_URL', async () => {
    const hub = spawnHub({ DATABASE_URL: 'not-a-url' });
    expect(await hub.exited).toBe(1);
    expect(hub.stderr()).toBe(
      'tessera: DATABASE_URL must be a postgres:// or postgresql:// URL, for example postgres://postgres@127.0.0.1:5432/tessera\n',
    );
  });

  it('lists every bad setting, one line each, without a stack trace', async () => {
    const hub = spawnHub({ PORT: 'eighty', TESSERA_ROLE: 'both', REDIS_URL: 'http://127.0.0.1:6379' });
    expect(await hub.exited).toBe(1);
    const lines = hub.stderr().trimEnd().split('\n');
    expect(lines).toEqual([
      'tessera: TESSERA_ROLE must be api, worker or all',
      'tessera: PORT must be a whole number from 0 to 65535',
      'tessera: REDIS_URL must be a redis:// or rediss:// URL, for example redis://127.0.0.1:6379',
    ]);
    expect(hub.stderr()).not.toMatch(noStackTrace);
  });

  it('names the PostgreSQL it cannot reach, hiding the password, and says how to start it', async () => {
    const hub = spawnHub({ DATABASE_URL: 'postgres://postgres:s3cret@127.0.0.1:1/tessera' });
    expect(await hub.exited).toBe(1);
    expect(hub.stderr()).toBe(
      'tessera: cannot reach PostgreSQL at postgres://postgres:***@127.0.0.1:1/tessera (connection refused); start it (Debian: pg_ctlcluster 15 main start) or set DATABASE_URL\n',
    );
  });

  it('names the Redis it cannot reach and says how to start it', async () => {
    const hub = spawnHub({ DATABASE_URL: runDatabaseUrl(), REDIS_URL: 'redis://127.0.0.1:1' });
    expect(await hub.exited).toBe(1);
    expect(hub.stderr()).toBe(
      'tessera: cannot reach Redis at redis://127.0.0.1:1 (connection refused); start it (redis-server --daemonize yes) or set REDIS_URL\n',
    );
  });

  it('creates a missing database, and refuses to run on a schema that is behind', async () => {
    const url = freshDatabaseUrl('behind');
    try {
      const hub = spawnHub({ DATABASE_URL: url, REDIS_URL: redisUrl });
      expect(await hub.exited).toBe(1);
      expect(hub.stdout()).toContain('created the database named in DATABASE_URL');
      expect(hub.stderr()).toMatch(
        /^tessera: the database is \d+ migration\(s\) behind this version \(.+\); run npm run migrate, or set DATABASE_MIGRATE_ON_START=true\n$/,
      );
    } finally {
      await dropDatabase(url);
    }
  });
});

describe('the hub process as the demo runs it', () => {
  const url = freshDatabaseUrl('demo');
  afterAll(() => dropDatabase(url));

  it('migrates at start, becomes ready, and on SIGTERM finishes the request in flight before exiting', async () => {
    const hub = spawnHub({
      DATABASE_URL: url,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: fileRedisPrefix(),
      DATABASE_MIGRATE_ON_START: 'true',
      TESSERA_ROLE: 'all',
    });
    try {
      const base = await hub.listening;
      expect(hub.stdout()).toMatch(/migrations applied: \w+/);
      await request(base).get('/health/ready').expect(200);

      // A request whose body is still arriving when the signal comes.
      const { port } = new URL(base);
      const body = JSON.stringify({ query: '{ version }' });
      const token = await clinicianToken();
      const socket = net.connect(Number(port), '127.0.0.1');
      let response = '';
      socket.on('data', (chunk) => (response += chunk.toString()));
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(
        `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      );
      socket.write(body.slice(0, 5));
      await new Promise((resolve) => setTimeout(resolve, 200));

      hub.child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(hub.stdout()).toContain('SIGTERM received');
      // No longer accepting: a new connection is refused while the old request is served.
      await expect(request(base).get('/health/live')).rejects.toThrow(/ECONNREFUSED/);

      socket.write(body.slice(5));
      const exitCode = await hub.exited;
      expect(response).toMatch(/^HTTP\/1\.1 200 OK/);
      expect(response).toContain('{"data":{"version":"0.1.0"}}');
      expect(exitCode).toBe(0);
    } finally {
      hub.child.kill('SIGKILL');
    }
  });
});
