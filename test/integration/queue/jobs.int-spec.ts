import request from 'supertest';
import { Injectable, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { RunningHub } from '../../../src/bootstrap.js';
import {
  DeadLetters,
  defineJob,
  JobDispatcher,
  JobHandler,
  type JobContext,
  type JobEnvelope,
  QueueError,
  QueueModule,
  QueueName,
} from '../../../src/platform/queue/index.js';
import { eventually, startTestHub } from '../../setup/test-hub.js';
import { bearer, operatorToken } from '../../setup/test-issuer.js';

// A job of the tests' own, failing on demand, to drive retries and dead letters through the
// real worker, Redis and PostgreSQL.
type FlakyData = { widgetId: string };
const flakyJob = defineJob<FlakyData>({
  name: 'testing.process-widget',
  queue: QueueName.Maintenance,
  options: { attempts: 2, backoff: { type: 'fixed', delay: 10 } },
});

@Injectable()
class FlakyWidgetHandler {
  readonly failingWidgets = new Set<string>();
  readonly runs: { widgetId: string; requestId: string | null; attemptsMade: number }[] = [];

  @JobHandler(flakyJob)
  async run(data: JobEnvelope<FlakyData>, context: JobContext): Promise<void> {
    this.runs.push({ widgetId: data.widgetId, requestId: data.requestId, attemptsMade: context.attemptsMade });
    if (this.failingWidgets.has(data.widgetId)) throw new Error(`widget ${data.widgetId} is not ready`);
  }
}

@Module({ imports: [QueueModule.forJobs([flakyJob])], providers: [FlakyWidgetHandler] })
class FlakyJobsModule {}

describe('jobs, retries and dead letters', () => {
  let hub: RunningHub;
  let handler: FlakyWidgetHandler;
  let dispatcher: JobDispatcher;
  let deadLetters: DeadLetters;

  beforeAll(async () => {
    hub = await startTestHub({ TESSERA_ROLE: 'all' }, [FlakyJobsModule]);
    handler = hub.app.get(FlakyWidgetHandler);
    dispatcher = hub.app.get(JobDispatcher);
    deadLetters = hub.app.get(DeadLetters);
  });

  afterAll(() => hub.stop());

  it('runs a job once, with its payload and the request id that caused it', async () => {
    await dispatcher.enqueue(flakyJob, { widgetId: 'w-ok' }, { requestId: 'req-ok-1234' });
    const run = await eventually(async () => handler.runs.find((r) => r.widgetId === 'w-ok'), 10_000, 'the job to run');
    expect(run).toEqual({ widgetId: 'w-ok', requestId: 'req-ok-1234', attemptsMade: 0 });
  });

  it('does not enqueue a second job with the same deterministic id', async () => {
    const first = await dispatcher.enqueue(flakyJob, { widgetId: 'w-dedup' }, { jobId: 'widget-w-dedup' });
    const second = await dispatcher.enqueue(flakyJob, { widgetId: 'w-dedup' }, { jobId: 'widget-w-dedup' });
    expect(second).toBe(first);
    await eventually(async () => handler.runs.find((r) => r.widgetId === 'w-dedup'), 10_000, 'the job to run');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(handler.runs.filter((r) => r.widgetId === 'w-dedup')).toHaveLength(1);
  });

  it('retries a failing job, then keeps it as a dead letter that can be re-driven once', async () => {
    handler.failingWidgets.add('w-bad');
    const jobId = await dispatcher.enqueue(flakyJob, { widgetId: 'w-bad' }, { requestId: 'req-bad-1234' });

    const letter = await eventually(async () => (await deadLetters.list()).find((l) => l.jobId === jobId), 10_000, 'the dead letter');
    expect(handler.runs.filter((r) => r.widgetId === 'w-bad').map((r) => r.attemptsMade)).toEqual([0, 1]);
    expect(letter).toMatchObject({
      queue: 'maintenance',
      jobName: 'testing.process-widget',
      payload: { widgetId: 'w-bad', requestId: 'req-bad-1234' },
      failureReason: 'Error: widget w-bad is not ready',
      attemptsMade: 2,
      redrivenAt: null,
    });

    handler.failingWidgets.delete('w-bad');
    const redriveJobId = await deadLetters.redrive(letter.id);
    await eventually(
      async () => (handler.runs.filter((r) => r.widgetId === 'w-bad').length === 3 ? true : undefined),
      10_000,
      'the re-driven job',
    );
    expect(handler.runs.at(-1)).toEqual({ widgetId: 'w-bad', requestId: 'req-bad-1234', attemptsMade: 0 });

    expect(await deadLetters.list()).not.toContainEqual(expect.objectContaining({ id: letter.id }));
    const all = await deadLetters.list({ includeRedriven: true });
    expect(all.find((l) => l.id === letter.id)).toMatchObject({ redriveJobId });
    await expect(deadLetters.redrive(letter.id)).rejects.toThrow(/was re-driven at .* as job/);
    const [{ rows }] = await hub.app
      .get(DataSource)
      .query<{ rows: string }[]>(`SELECT count(*) AS rows FROM dead_letter WHERE payload->>'widgetId' = 'w-bad'`);
    expect(Number(rows)).toBe(1);
  });

  it('lists and re-drives dead letters through operator GraphQL', async () => {
    const operator = bearer(await operatorToken());
    handler.failingWidgets.add('w-gql');
    const jobId = await dispatcher.enqueue(flakyJob, { widgetId: 'w-gql' });
    const listQuery = '{ deadLetters { id jobId jobName payload failureReason attemptsMade } }';
    const letter = await eventually(async () => {
      const listed = await request(hub.url).post('/graphql').set('authorization', operator).send({ query: listQuery });
      return (listed.body.data.deadLetters as Array<{ id: string; jobId: string; payload: string }>).find(
        (candidate) => candidate.jobId === jobId,
      );
    }, 10_000);
    expect(JSON.parse(letter.payload)).toMatchObject({ widgetId: 'w-gql' });
    handler.failingWidgets.delete('w-gql');
    const redrive = 'mutation R($id: ID!) { redriveDeadLetter(id: $id) }';
    const redriven = await request(hub.url)
      .post('/graphql')
      .set('authorization', operator)
      .send({ query: redrive, variables: { id: letter.id } });
    expect(redriven.body.data.redriveDeadLetter).toBeTruthy();
    await eventually(async () => (handler.runs.filter((run) => run.widgetId === 'w-gql').length === 3 ? true : undefined), 10_000);
    const again = await request(hub.url)
      .post('/graphql')
      .set('authorization', operator)
      .send({ query: redrive, variables: { id: letter.id } });
    expect(again.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(again.body.errors[0].message).toMatch(/was re-driven/);
    const missing = await request(hub.url)
      .post('/graphql')
      .set('authorization', operator)
      .send({ query: redrive, variables: { id: '00000000-0000-4000-8000-000000000000' } });
    expect(missing.body.errors[0].extensions.code).toBe('NOT_FOUND');
    const tooMany = await request(hub.url)
      .post('/graphql')
      .set('authorization', operator)
      .send({ query: '{ deadLetters(limit: 0) { id } }' });
    expect(tooMany.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('refuses to re-drive a dead letter that does not exist', async () => {
    await expect(deadLetters.redrive('not-a-uuid')).rejects.toThrow('no dead letter with id not-a-uuid');
    await expect(deadLetters.redrive('00000000-0000-4000-8000-000000000000')).rejects.toThrow(/no dead letter/);
  });

  it('refuses payloads that carry content rather than ids, and ids with a colon', async () => {
    await expect(dispatcher.enqueue(flakyJob, { widgetId: 'x'.repeat(500) })).rejects.toThrow(/widgetId is longer than 128/);
    await expect(dispatcher.enqueue(flakyJob, { widgetId: { name: 'Jane' } as unknown as string })).rejects.toThrow(/ids and flags only/);
    await expect(dispatcher.enqueue(flakyJob, { widgetId: 'w' }, { jobId: 'a:b' })).rejects.toThrow(/must not contain ':'/);
  });
});

describe('start-up checks of job handlers', () => {
  const orphan = defineJob<{ id: string }>({ name: 'testing.handle-orphan', queue: QueueName.Maintenance });

  @Injectable()
  class FirstHandler {
    @JobHandler(orphan)
    async run(): Promise<void> {}
  }

  @Injectable()
  class SecondHandler {
    @JobHandler(orphan)
    async run(): Promise<void> {}
  }

  it('refuses to start when a declared job has no handler', async () => {
    @Module({ imports: [QueueModule.forJobs([orphan])] })
    class DeclaredOnly {}
    await expect(startTestHub({}, [DeclaredOnly])).rejects.toThrow('job testing.handle-orphan has no handler');
  });

  it('refuses to start when a job has two handlers', async () => {
    @Module({ imports: [QueueModule.forJobs([orphan])], providers: [FirstHandler, SecondHandler] })
    class TwoHandlers {}
    await expect(startTestHub({}, [TwoHandlers])).rejects.toThrow(
      /job testing.handle-orphan has 2 handlers \(FirstHandler.run, SecondHandler.run\)/,
    );
  });

  it('refuses to start when a handler serves a job no module declares', async () => {
    @Module({ providers: [FirstHandler] })
    class HandlerOnly {}
    const failure = startTestHub({}, [HandlerOnly]);
    await expect(failure).rejects.toBeInstanceOf(QueueError);
    await expect(failure).rejects.toThrow(/testing.handle-orphan has a handler \(FirstHandler.run\) but no module declares it/);
  });
});
