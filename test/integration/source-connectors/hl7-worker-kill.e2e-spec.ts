import { type HubProcess, spawnHub } from '../../setup/hub-process.js';
import { eventually } from '../../setup/test-hub.js';
import { fileRedisPrefix, redisUrl } from '../../setup/test-run.js';
import { createHl7TestDatabase } from './hl7-test-database.js';
import { adtMessage, MllpTestClient, readAck } from './mllp-test-client.js';

/**
 * The built hub as operators run it: one api process (the MLLP listener) and one worker. The
 * worker is killed with SIGKILL while it is working through the feed; after a restart every
 * acknowledged message has taken effect exactly once.
 */
describe('HL7 v2 feed: a worker killed mid-processing', () => {
  jest.setTimeout(120_000);
  let database: Awaited<ReturnType<typeof createHl7TestDatabase>>;
  const processes: HubProcess[] = [];
  const redisPrefix = fileRedisPrefix();

  const start = (role: 'api' | 'worker') => {
    const hub = spawnHub({
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: redisPrefix,
      TESSERA_ROLE: role,
      WORKER_CONCURRENCY: '2',
      SHUTDOWN_TIMEOUT_MS: '2000',
    });
    processes.push(hub);
    return hub;
  };

  beforeAll(async () => {
    database = await createHl7TestDatabase('hl7_kill');
  });

  afterAll(async () => {
    for (const hub of processes) {
      if (hub.child.exitCode === null && hub.child.signalCode === null) {
        hub.child.kill('SIGTERM');
        await hub.exited;
      }
    }
    await database?.drop();
  });

  it('applies every acknowledged message exactly once after the worker is killed and restarted', async () => {
    const api = start('api');
    await api.listening;
    const mllpPort = await eventually(async () => {
      const match = /MLLP listener on [\d.]+:(\d+)/.exec(api.stdout());
      return match ? Number(match[1]) : undefined;
    });
    const worker = start('worker');
    await worker.listening;

    const patients = 40;
    const perPatient = ['A01', 'A02', 'A08', 'A03'];
    const acknowledged: string[] = [];
    const senders = Array.from({ length: 4 }, async (_, connection) => {
      const client = await MllpTestClient.connect(mllpPort);
      for (let round = 0; round < 6; round++) {
        for (let p = connection; p < patients; p += 4) {
          for (const trigger of perPatient) {
            const controlId = `KILL-${round}-${p}-${trigger}`;
            const ack = readAck(await client.send(adtMessage({ trigger, controlId, mrn: `K${p}`, visit: `V${round}` })));
            expect(ack.code).toBe('AA');
            acknowledged.push(controlId);
          }
        }
      }
      client.close();
    });

    // Kill the worker as soon as it has processed some, while the feed is still arriving.
    const processedAtKill = await eventually(async () => {
      const { rows } = await database.db.query(`SELECT count(*)::int AS n FROM hl7_inbox WHERE status = 'processed'`);
      return rows[0].n >= 20 ? (rows[0].n as number) : undefined;
    }, 30_000);
    worker.child.kill('SIGKILL');
    await worker.exited;
    await Promise.all(senders);
    expect(processedAtKill).toBeLessThan(acknowledged.length);

    const restarted = start('worker');
    await restarted.listening;
    // Jobs the killed worker held come back once their lock expires (BullMQ's stalled check).
    await eventually(
      async () => {
        const { rows } = await database.db.query(`SELECT count(*)::int AS n FROM hl7_inbox WHERE status = 'processed'`);
        return rows[0].n === acknowledged.length ? true : undefined;
      },
      90_000,
      'every acknowledged message processed',
    );

    const inbox = await database.db.query(`SELECT control_id, status FROM hl7_inbox ORDER BY id`);
    expect(inbox.rows.map((row) => row.control_id).sort()).toEqual([...acknowledged].sort());
    const events = await database.db.query(
      `SELECT i.control_id, count(e.id)::int AS events FROM hl7_inbox i LEFT JOIN care_event e ON e.inbox_id = i.id GROUP BY i.control_id`,
    );
    const expectedEvents = (controlId: string) => (controlId.endsWith('A08') ? 0 : 1);
    for (const row of events.rows) expect(row.events).toBe(expectedEvents(row.control_id));
    // Per patient, the events are in the order the messages were received.
    const order = await database.db.query(
      `SELECT e.patient_local_id, array_agg(e.inbox_id ORDER BY e.id) AS by_event, array_agg(e.inbox_id ORDER BY e.inbox_id) AS by_receipt
       FROM care_event e GROUP BY e.patient_local_id`,
    );
    for (const row of order.rows) expect(row.by_event).toEqual(row.by_receipt);
  });
});
