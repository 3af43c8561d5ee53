import request from 'supertest';
import { DataSource } from 'typeorm';
import type { RunningHub } from '../../src/bootstrap.js';
import { recordQueueHeartbeat } from '../../src/modules/operations/index.js';
import { JobDispatcher } from '../../src/platform/queue/index.js';
import { eventually, startTestHub } from '../setup/test-hub.js';
import { bearer, clinicianToken } from '../setup/test-issuer.js';

describe('the hub in the all role', () => {
  let hub: RunningHub;

  beforeAll(async () => {
    hub = await startTestHub({ TESSERA_ROLE: 'all' });
  });

  afterAll(() => hub.stop());

  it('answers liveness and readiness with the state of PostgreSQL and Redis', async () => {
    await request(hub.url).get('/health/live').expect(200, { status: 'ok' });
    const ready = await request(hub.url).get('/health/ready').expect(200);
    expect(ready.body).toMatchObject({
      status: 'ok',
      role: 'all',
      checks: { database: { status: 'up' }, redis: { status: 'up' } },
    });
  });

  it('answers the GraphQL version query with the package version', async () => {
    const response = await request(hub.url)
      .post('/graphql')
      .set('authorization', bearer(await clinicianToken()))
      .send({ query: '{ version }' })
      .expect(200);
    expect(response.body).toEqual({ data: { version: '0.1.0' } });
  });

  it('reports GraphQL mistakes precisely and hides internal errors', async () => {
    const response = await request(hub.url)
      .post('/graphql')
      .set('authorization', bearer(await clinicianToken()))
      .send({ query: '{ nope }' })
      .expect(400);
    expect(response.body.errors[0].message).toMatch(/Cannot query field "nope"/);
    expect(response.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(response.body)).not.toMatch(/stacktrace/);
  });

  it('gives every response a request id, keeping a safe one the caller sent', async () => {
    const fresh = await request(hub.url).get('/health/live');
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await request(hub.url).get('/health/live').set('x-request-id', 'portal-req-12345678');
    expect(kept.headers['x-request-id']).toBe('portal-req-12345678');
    const replaced = await request(hub.url).get('/health/live').set('x-request-id', 'bad id\twith control');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves Prometheus metrics: process, HTTP by route template and status, queue depth', async () => {
    await request(hub.url)
      .post('/graphql')
      .set('authorization', bearer(await clinicianToken()))
      .send({ query: '{ version }' });
    await request(hub.url).get('/no/such/path/9434765919').expect(404);
    const { text } = await request(hub.url)
      .get('/metrics')
      .expect(200)
      .expect('content-type', /text\/plain/);
    expect(text).toMatch(/^tessera_process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^tessera_http_request_duration_seconds_count\{method="POST",route="\/graphql",status_code="200"\} \d+/m);
    expect(text).toMatch(/^tessera_http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} 1/m);
    // A raw path never becomes a label: identifiers must not reach the metrics.
    expect(text).not.toContain('9434765919');
    expect(text).toMatch(/^tessera_queue_depth\{queue="maintenance"\} \d+/m);
    expect(text).toMatch(/^tessera_queue_jobs\{queue="maintenance",state="failed"\} \d+/m);
  });

  it('enqueues a job and a worker processes it', async () => {
    const jobId = await hub.app
      .get(JobDispatcher)
      .enqueue(recordQueueHeartbeat, {}, { jobId: `e2e-${Date.now()}`, requestId: 'req-e2e-1' });
    const dataSource = hub.app.get(DataSource);
    const row = await eventually(
      async () => {
        const [found] = await dataSource.query<{ job_id: string; lag_ms: number }[]>(
          `SELECT job_id, lag_ms FROM queue_heartbeat WHERE job_id = $1`,
          [jobId],
        );
        return found;
      },
      10_000,
      'the heartbeat job to be processed',
    );
    expect(row.lag_ms).toBeGreaterThanOrEqual(0);
    const { text } = await request(hub.url).get('/metrics');
    expect(text).toMatch(
      /^tessera_jobs_processed_total\{queue="maintenance",job="operations.record-queue-heartbeat",outcome="completed"\} [1-9]/m,
    );
    expect(text).toMatch(/^tessera_queue_heartbeat_lag_seconds\{queue="maintenance"\} /m);
  });
});

describe('roles', () => {
  it('the api role serves GraphQL and enqueues, but processes no jobs', async () => {
    const hub = await startTestHub({ TESSERA_ROLE: 'api' });
    try {
      await request(hub.url)
        .post('/graphql')
        .set('authorization', bearer(await clinicianToken()))
        .send({ query: '{ version }' })
        .expect(200);
      const jobId = await hub.app.get(JobDispatcher).enqueue(recordQueueHeartbeat, {}, { jobId: `api-${Date.now()}` });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const { text } = await request(hub.url).get('/metrics');
      expect(text).toMatch(/^tessera_queue_depth\{queue="maintenance"\} 1$/m);
      expect(text).not.toMatch(/tessera_jobs_processed_total\{/);
      expect(jobId).toMatch(/^api-/);
    } finally {
      await hub.stop();
    }
  });

  it('the worker role serves health and metrics but not GraphQL', async () => {
    const hub = await startTestHub({ TESSERA_ROLE: 'worker' });
    try {
      await request(hub.url).get('/health/ready').expect(200);
      await request(hub.url).get('/metrics').expect(200);
      await request(hub.url)
        .post('/graphql')
        .set('authorization', bearer(await clinicianToken()))
        .send({ query: '{ version }' })
        .expect(404);
    } finally {
      await hub.stop();
    }
  });
});
