import { createServer as createTcpServer, type AddressInfo } from 'node:net';

import { Hl7Message, type AckCode } from '@medplum/core';
import { Hl7Server, type Hl7MessageEvent } from '@medplum/hl7';

import { generatePopulation } from '../../population/generate-population.js';
import type { Population } from '../../population/population.types.js';
import type { SystemRecord } from '../../records/system-record.types.js';
import type { SandboxEvent } from '../../server/sandbox-context.js';
import { startSandbox, type RunningSandbox } from '../../server/sandbox-server.js';
import { Hl7Feed, parseHl7Target, type Hl7FeedStatus } from './hl7-feed.js';
import type { LiveEventOutcome } from './live-events.js';

/** The hub's MLLP listener, played by a real Hl7Server that ACKs as each test tells it to. */
class HubStandIn {
  /** Messages it accepted (answered AA), in arrival order. */
  readonly accepted: Hl7Message[] = [];
  /** Every delivery, refused ones included. */
  deliveries = 0;
  answer: (delivery: number) => AckCode = () => 'AA';
  private server?: Hl7Server;

  async start(port = 0): Promise<number> {
    const server = new Hl7Server((connection) => {
      connection.addEventListener('message', ({ message }: Hl7MessageEvent) => {
        this.deliveries += 1;
        const ackCode = this.answer(this.deliveries);
        if (ackCode === 'AA') this.accepted.push(message);
        connection.send(message.buildAck({ ackCode }));
      });
    });
    server.start(port);
    await new Promise((resolve) => server.server?.once('listening', resolve));
    this.server = server;
    return (server.server?.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await this.server?.stop({ forceDrainTimeoutMs: 50 });
  }

  async waitForAccepted(count: number, timeoutMs = 10_000): Promise<Hl7Message[]> {
    await waitUntil(() => this.accepted.length >= count, timeoutMs, `${count} accepted messages (have ${this.accepted.length})`);
    return this.accepted;
  }
}

/** What POST /sandbox/events answers: the outcome on 201, an error code and message otherwise. */
type EventReply = Omit<LiveEventOutcome, 'event'> & {
  event: SandboxEvent & { encounterId?: string; reportId?: string };
  error?: string;
  message?: string;
};

const population: Population = generatePopulation({ seed: 3_011, size: 300, referenceDate: '2025-06-01' });
const running: Array<{ stop(): Promise<void> }> = [];

afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.stop();
});

async function startHub(port?: number): Promise<{ hub: HubStandIn; port: number }> {
  const hub = new HubStandIn();
  const bound = await hub.start(port);
  running.push(hub);
  return { hub, port: bound };
}

async function startTrust(hl7Target?: string): Promise<RunningSandbox> {
  const sandbox = await startSandbox({ population, host: '127.0.0.1', port: 0, hl7Target });
  running.push(sandbox);
  return sandbox;
}

async function postEvent(sandbox: RunningSandbox, body: unknown): Promise<{ status: number; body: EventReply }> {
  const response = await fetch(`${sandbox.url}/sandbox/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as EventReply };
}

async function feedStatus(sandbox: RunningSandbox): Promise<Hl7FeedStatus & { enabled: boolean }> {
  return (await fetch(`${sandbox.url}/sandbox/feed`)).json() as Promise<Hl7FeedStatus & { enabled: boolean }>;
}

/** A port nothing listens on (bound then released). */
async function freePort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A living trust patient whose trust record spells them differently from the truth and has an NHS number. */
function misspeltPatient(sandbox: RunningSandbox): SystemRecord {
  const record = sandbox.context.directories.acute.records.find((candidate) => {
    const person = sandbox.context.people.get(candidate.personId);
    return (
      !candidate.duplicateOf &&
      candidate.nhsNumber &&
      person &&
      !person.deathDate &&
      (candidate.family !== person.family || candidate.given !== person.given)
    );
  });
  if (!record) throw new Error('the test population has no misspelt trust patient');
  return record;
}

function messageType(message: Hl7Message): string {
  return `${message.getSegment('MSH')?.getComponent(9, 1)}^${message.getSegment('MSH')?.getComponent(9, 2)}`;
}

describe('the acute trust HL7 v2 feed', () => {
  it('sends an admission as ADT^A04 then ADT^A01 carrying the trust MRN and NHS number in PID-3', async () => {
    const { hub, port } = await startHub();
    const sandbox = await startTrust(`127.0.0.1:${port}`);
    const record = misspeltPatient(sandbox);

    const posted = await postEvent(sandbox, { type: 'admission', nhsNumber: record.nhsNumber });
    expect(posted.status).toBe(201);
    const [attendance, admission] = await hub.waitForAccepted(2);

    expect(messageType(attendance as Hl7Message)).toBe('ADT^A04');
    expect(messageType(admission as Hl7Message)).toBe('ADT^A01');
    const parsed = Hl7Message.parse((admission as Hl7Message).toString());
    const pid = parsed.getSegment('PID');
    expect(pid?.getComponent(3, 1, undefined, 0)).toBe(record.localId);
    expect(pid?.getComponent(3, 5, undefined, 0)).toBe('MR');
    expect(pid?.getComponent(3, 1, undefined, 1)).toBe(record.nhsNumber);
    expect(pid?.getComponent(3, 4, undefined, 1)).toBe('NHS');
    // The trust's spelling and date of birth, not the truth's.
    expect(pid?.getComponent(5, 1)).toBe(record.family);
    expect(pid?.getComponent(5, 2)).toBe(record.given);
    expect(pid?.getField(7).toString()).toBe(record.birthDate.replaceAll('-', ''));
    expect(parsed.getSegment('PV1')?.getField(2).toString()).toBe('I');
    expect(parsed.toString()).not.toContain(record.personId);

    await waitUntil(async () => (await feedStatus(sandbox)).acked === 2, 5_000, 'two ACKs counted');
    expect(await feedStatus(sandbox)).toMatchObject({ enabled: true, queued: 0, enqueued: 2, acked: 2, rejected: 0, overflowed: 0 });
  });

  it('sends a discharge as ADT^A03 after the A01, for the same visit', async () => {
    const { hub, port } = await startHub();
    const sandbox = await startTrust(`127.0.0.1:${port}`);
    const record = misspeltPatient(sandbox);

    expect((await postEvent(sandbox, { type: 'admission', personId: record.personId })).status).toBe(201);
    const discharged = await postEvent(sandbox, { type: 'discharge', personId: record.personId });
    expect(discharged.status).toBe(201);
    const messages = await hub.waitForAccepted(3);

    expect(messages.map(messageType)).toEqual(['ADT^A04', 'ADT^A01', 'ADT^A03']);
    const [, admit, discharge] = messages as [Hl7Message, Hl7Message, Hl7Message];
    expect(discharge.getSegment('PV1')?.getComponent(19, 1)).toBe(admit.getSegment('PV1')?.getComponent(19, 1));
    expect(discharge.getSegment('PV1')?.getField(45).toString()).toMatch(/^\d{14}[+-]\d{4}$/);
    expect(discharge.getSegment('PV1')?.getField(36).toString()).toMatch(/^\d{2}$/);
    const controlIds = messages.map((message) => message.getSegment('MSH')?.getField(10).toString());
    expect(new Set(controlIds).size).toBe(3);
  });

  it('sends a laboratory result as ORU^R01 with one OBX per result, values and ranges as recorded', async () => {
    const { hub, port } = await startHub();
    const sandbox = await startTrust(`127.0.0.1:${port}`);
    const record = misspeltPatient(sandbox);

    const posted = await postEvent(sandbox, { type: 'result', mrn: record.localId });
    expect(posted.status).toBe(201);
    const [message] = (await hub.waitForAccepted(1)) as [Hl7Message];

    expect(messageType(message)).toBe('ORU^R01');
    expect(message.getSegment('PID')?.getComponent(3, 1)).toBe(record.localId);
    const history = sandbox.context.histories.forSystem(record.personId, 'acute');
    const report = history?.diagnosticReports.find((item) => item.id === posted.body.event.reportId);
    const results = (report?.resultIds ?? []).map((id) => history?.observations.find((item) => item.id === id));
    const obx = message.getAllSegments('OBX');
    expect(obx).toHaveLength(results.length);
    expect(results.length).toBeGreaterThan(0);
    obx.forEach((segment, index) => {
      const result = results[index];
      expect(segment.getField(2).toString()).toBe('NM');
      expect(segment.getComponent(3, 1)).toBe(result?.code.code);
      expect(Number(segment.getField(5).toString())).toBe(result?.value);
      expect(segment.getField(6).toString()).toBe(result?.unit);
      expect(segment.getField(7).toString()).toMatch(/^(\d+(\.\d+)?-\d+(\.\d+)?|[<>]\d+(\.\d+)?)$/);
      expect(['L', 'N', 'H']).toContain(segment.getField(8).toString());
      expect(segment.getField(11).toString()).toBe('F');
    });
  });

  it('keeps a refused message and retries it until the hub accepts, in order and with none lost', async () => {
    const { hub, port } = await startHub();
    hub.answer = (delivery) => (delivery <= 2 ? 'AE' : 'AA');
    const sandbox = await startTrust(`127.0.0.1:${port}`);
    const record = misspeltPatient(sandbox);

    await postEvent(sandbox, { type: 'admission', personId: record.personId });
    await postEvent(sandbox, { type: 'result', personId: record.personId });
    await postEvent(sandbox, { type: 'discharge', personId: record.personId });
    const messages = await hub.waitForAccepted(4);

    expect(messages.map(messageType)).toEqual(['ADT^A04', 'ADT^A01', 'ORU^R01', 'ADT^A03']);
    expect(hub.deliveries).toBe(6);
    const status = await feedStatus(sandbox);
    expect(status).toMatchObject({ queued: 0, enqueued: 4, acked: 4, rejected: 2, retried: 2 });
    expect(status.lastError).toBe('negative ACK AE');
  });

  it('holds messages while the hub is down and delivers them in order once it listens', async () => {
    const port = await freePort();
    const sandbox = await startTrust(`127.0.0.1:${port}`);
    const record = misspeltPatient(sandbox);

    await postEvent(sandbox, { type: 'admission', personId: record.personId });
    await postEvent(sandbox, { type: 'discharge', personId: record.personId });
    await waitUntil(async () => (await feedStatus(sandbox)).retried >= 2, 5_000, 'two failed attempts');
    const waiting = await feedStatus(sandbox);
    expect(waiting).toMatchObject({ queued: 3, acked: 0 });
    expect(waiting.lastError).toMatch(/ECONNREFUSED/);

    const { hub } = await startHub(port);
    const messages = await hub.waitForAccepted(3, 15_000);
    expect(messages.map(messageType)).toEqual(['ADT^A04', 'ADT^A01', 'ADT^A03']);
    await waitUntil(async () => (await feedStatus(sandbox)).queued === 0, 5_000, 'an empty queue');
  });

  it('stops promptly while the hub is unreachable', async () => {
    const sandbox = await startSandbox({ population, host: '127.0.0.1', port: 0, hl7Target: `127.0.0.1:${await freePort()}` });
    await postEvent(sandbox, { type: 'attendance' });
    const started = Date.now();
    await sandbox.stop();
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('refuses new events once the queue is full rather than dropping queued ones', async () => {
    const sandbox = await startTrust();
    expect(await feedStatus(sandbox)).toMatchObject({ enabled: false });
    const feed = new Hl7Feed(sandbox.context, `127.0.0.1:${await freePort()}`, { maxQueue: 3 });
    running.push(feed);
    feed.start();

    await postEvent(sandbox, { type: 'admission' });
    await postEvent(sandbox, { type: 'admission' });
    await postEvent(sandbox, { type: 'result' });

    expect(await feedStatus(sandbox)).toMatchObject({ enabled: true, queued: 3, enqueued: 3, overflowed: 2, acked: 0 });
  });
});

describe('hl7Target', () => {
  it('accepts host:port, including bracketed IPv6', () => {
    expect(parseHl7Target('127.0.0.1:2575')).toEqual({ host: '127.0.0.1', port: 2575 });
    expect(parseHl7Target('hub.internal:2575')).toEqual({ host: 'hub.internal', port: 2575 });
    expect(parseHl7Target('[::1]:2575')).toEqual({ host: '::1', port: 2575 });
  });

  it.each(['2575', 'localhost', ':2575', 'localhost:0', 'localhost:70000', 'http://localhost:2575'])(
    'rejects %p with a clear error',
    (target) => {
      expect(() => parseHl7Target(target)).toThrow(/hl7Target must be host:port/);
    },
  );
});
