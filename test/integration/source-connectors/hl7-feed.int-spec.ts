import type pg from 'pg';
import type { RunningHub } from '../../../src/bootstrap.js';
import { generatePopulation } from '../../../src/sandbox/population/generate-population.js';
import { startSandbox } from '../../../src/sandbox/server/sandbox-server.js';
import { Hl7FeedModule } from '../../../src/modules/source-connectors/hl7/hl7-feed.module.js';
import { Hl7Listener } from '../../../src/modules/source-connectors/hl7/hl7-listener.js';
import { eventually, startTestHub } from '../../setup/test-hub.js';
import { createHl7TestDatabase } from './hl7-test-database.js';
import { adtMessage, MllpTestClient, readAck } from './mllp-test-client.js';

describe('HL7 v2 feed: ACKs, inbox, duplicates, order', () => {
  let database: Awaited<ReturnType<typeof createHl7TestDatabase>>;
  let db: pg.Pool;
  let hub: RunningHub;
  let port: number;

  beforeAll(async () => {
    database = await createHl7TestDatabase('hl7_feed');
    db = database.db;
    hub = await startTestHub({ DATABASE_URL: database.url, WORKER_CONCURRENCY: '4' }, [Hl7FeedModule]);
    port = hub.app.get(Hl7Listener).port;
  });

  afterAll(async () => {
    await hub?.stop();
    await database?.drop();
  });

  const careEvents = async (mrn: string) =>
    (
      await db.query(
        `SELECT kind, message_type, patient_local_id, nhs_number, visit_number FROM care_event WHERE patient_local_id = $1 ORDER BY id`,
        [mrn],
      )
    ).rows;

  it('listens on the port it was given (0 picks a free one) and says which', () => {
    expect(port).toBeGreaterThan(0);
  });

  it('answers AA only once the message is in the inbox, then processes it', async () => {
    const client = await MllpTestClient.connect(port);
    const ack = readAck(await client.send(adtMessage({ trigger: 'A01', controlId: 'AA-1', mrn: 'M100', nhsNumber: '9434765919' })));
    client.close();
    expect(ack).toMatchObject({ code: 'AA', controlId: 'AA-1', err: undefined });
    const { rows } = await db.query(`SELECT status, message_type, trigger_event, patient_key FROM hl7_inbox WHERE control_id = 'AA-1'`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ message_type: 'ADT', trigger_event: 'A01', patient_key: 'R9A|M100' });
    await eventually(async () => ((await careEvents('M100')).length ? true : undefined), 10_000, 'care event');
    expect(await careEvents('M100')).toEqual([
      { kind: 'admission', message_type: 'ADT^A01', patient_local_id: 'M100', nhs_number: '9434765919', visit_number: 'V1' },
    ]);
    const demographics = await db.query(
      `SELECT nhs_number, birth_date::text, sex, postcode FROM hl7_patient_demographics WHERE local_id = 'M100'`,
    );
    expect(demographics.rows).toEqual([{ nhs_number: '9434765919', birth_date: '1980-01-01', sex: 'F', postcode: 'N1 1AA' }]);
  });

  it('accepts CR, LF and CRLF segment endings', async () => {
    const client = await MllpTestClient.connect(port);
    for (const [ending, mrn] of [
      ['\r', 'M201'],
      ['\n', 'M202'],
      ['\r\n', 'M203'],
    ] as const) {
      const message = adtMessage({ trigger: 'A04', controlId: `END-${mrn}`, mrn })
        .split('\r')
        .join(ending);
      expect(readAck(await client.send(message)).code).toBe('AA');
    }
    client.close();
    for (const mrn of ['M201', 'M202', 'M203']) {
      await eventually(async () => ((await careEvents(mrn)).length ? true : undefined), 10_000, `event of ${mrn}`);
      expect((await careEvents(mrn)).map((event) => event.kind)).toEqual(['attendance']);
    }
  });

  it('acknowledges a duplicate (same facility and MSH-10) with AA again and applies it once', async () => {
    const client = await MllpTestClient.connect(port);
    const message = adtMessage({ trigger: 'A01', controlId: 'DUP-1', mrn: 'M300' });
    expect(readAck(await client.send(message)).code).toBe('AA');
    expect(readAck(await client.send(message)).code).toBe('AA');
    // Same control id from another facility is another message.
    expect(readAck(await client.send(adtMessage({ trigger: 'A01', controlId: 'DUP-1', mrn: 'M300', facility: 'RAL' }))).code).toBe('AA');
    client.close();
    await eventually(async () => ((await careEvents('M300')).length === 2 ? true : undefined), 10_000, 'two events');
    const { rows } = await db.query(`SELECT sending_facility, status FROM hl7_inbox WHERE control_id = 'DUP-1' ORDER BY id`);
    expect(rows.map((row) => `${row.sending_facility}:${row.status}`)).toEqual(['R9A:processed', 'R9A:duplicate', 'RAL:processed']);
    expect(await careEvents('M300')).toHaveLength(2);
  });

  it('answers AR with MSA-3 and ERR for unsupported types and missing MSH-9 or MSH-10, storing nothing', async () => {
    const client = await MllpTestClient.connect(port);
    const unsupported = readAck(await client.send(adtMessage({ trigger: 'A12', controlId: 'AR-1', mrn: 'M400' })));
    expect(unsupported).toMatchObject({ code: 'AR', controlId: 'AR-1', text: 'trigger event ADT\\S\\A12 is not accepted' });
    expect(unsupported.err).toBe('ERR||MSH^1^9|201^trigger event ADT\\S\\A12 is not accepted^HL70357|E');
    const orm = readAck(await client.send('MSH|^~\\&|LAB|R9A|TESSERA|HUB|20250101||ORM^O01|AR-2|P|2.4\rPID|1||X1^^^R9A^MR'));
    expect(orm).toMatchObject({ code: 'AR', controlId: 'AR-2', text: 'message type ORM is not accepted' });
    expect(orm.err).toContain('|200^');
    const noControlId = readAck(await client.send('MSH|^~\\&|EPR|R9A|TESSERA|HUB|20250101||ADT^A01||P|2.4\rPID|1||X2^^^R9A^MR'));
    expect(noControlId).toMatchObject({ code: 'AR', text: 'MSH-10 (message control id) is missing' });
    expect(noControlId.err).toContain('MSH^1^10|101^');
    const noType = readAck(await client.send('MSH|^~\\&|EPR|R9A|TESSERA|HUB|20250101|||AR-4|P|2.4\rPID|1||X3^^^R9A^MR'));
    expect(noType).toMatchObject({ code: 'AR', controlId: 'AR-4', text: 'MSH-9 (message type and trigger event) is missing' });
    const notHl7 = readAck(await client.send('hello'));
    expect(notHl7).toMatchObject({ code: 'AR', text: 'message does not start with an MSH segment' });
    client.close();
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM hl7_inbox WHERE control_id LIKE 'AR-%'`);
    expect(rows[0].n).toBe(0);
  });

  it('keeps one patient’s order: an admission then a discharge sent back to back', async () => {
    const client = await MllpTestClient.connect(port);
    for (let round = 0; round < 5; round++) {
      expect(readAck(await client.send(adtMessage({ trigger: 'A01', mrn: `ORD${round}`, visit: `V${round}` }))).code).toBe('AA');
      expect(readAck(await client.send(adtMessage({ trigger: 'A02', mrn: `ORD${round}`, visit: `V${round}` }))).code).toBe('AA');
      expect(readAck(await client.send(adtMessage({ trigger: 'A03', mrn: `ORD${round}`, visit: `V${round}` }))).code).toBe('AA');
    }
    client.close();
    for (let round = 0; round < 5; round++) {
      await eventually(async () => ((await careEvents(`ORD${round}`)).length === 3 ? true : undefined), 10_000, 'three events');
      expect((await careEvents(`ORD${round}`)).map((event) => event.kind)).toEqual(['admission', 'transfer', 'discharge']);
    }
  });

  it('answers ACKs in order for messages pipelined on one connection', async () => {
    const frames = ['PIPE-1', 'PIPE-2'].map((controlId) =>
      Buffer.concat([Buffer.from([0x0b]), Buffer.from(adtMessage({ trigger: 'A08', controlId, mrn: 'M500' })), Buffer.from([0x1c, 0x0d])]),
    );
    // One write holding two frames: both are read, both acknowledged in order.
    const raw = await new Promise<string>((resolve, reject) => {
      void import('node:net').then(({ default: net }) => {
        const socket = net.connect(port, '127.0.0.1', () => socket.write(Buffer.concat(frames)));
        let text = '';
        socket.on('data', (chunk) => {
          text += chunk.toString();
          if (text.split('\x1c\r').length === 3) {
            socket.destroy();
            resolve(text);
          }
        });
        socket.on('error', reject);
      });
    });
    expect([...raw.matchAll(/MSA\|(\w+)\|([\w-]+)/g)].map((match) => `${match[1]} ${match[2]}`)).toEqual(['AA PIPE-1', 'AA PIPE-2']);
  });

  it('merges on A40: records prior id to surviving id and moves the care events', async () => {
    const client = await MllpTestClient.connect(port);
    expect(readAck(await client.send(adtMessage({ trigger: 'A01', mrn: 'OLD1' }))).code).toBe('AA');
    const merge = [
      'MSH|^~\\&|TEST_EPR|R9A|TESSERA|TESSERA_HUB|20250302||ADT^A40|MERGE-1|P|2.4',
      'EVN|A40|20250302',
      'PID|1||NEW1^^^R9A^MR',
      'MRG|OLD1^^^R9A^MR',
    ].join('\r');
    expect(readAck(await client.send(merge)).code).toBe('AA');
    client.close();
    await eventually(async () =>
      (await db.query(`SELECT 1 FROM hl7_patient_merge WHERE prior_local_id = 'OLD1'`)).rowCount ? true : undefined,
    );
    const { rows } = await db.query(
      `SELECT prior_local_id, surviving_local_id, care_events_moved FROM hl7_patient_merge WHERE prior_local_id = 'OLD1'`,
    );
    expect(rows).toEqual([{ prior_local_id: 'OLD1', surviving_local_id: 'NEW1', care_events_moved: 1 }]);
    expect(await careEvents('OLD1')).toEqual([]);
    expect((await careEvents('NEW1')).map((event) => event.kind)).toEqual(['admission']);
  });

  it('receives and processes the sandbox hospital’s own feed', async () => {
    const sandbox = await startSandbox({
      population: generatePopulation({ seed: 7, size: 200, referenceDate: '2026-11-23' }),
      host: '127.0.0.1',
      port: 0,
      hl7Target: `127.0.0.1:${port}`,
    });
    try {
      const response = await fetch(`${sandbox.url}/sandbox/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'admission' }),
      });
      expect(response.status).toBe(201);
      const events = await eventually(
        async () => {
          const { rows } =
            await db.query(`SELECT e.kind, e.message_type, e.patient_local_id FROM care_event e JOIN hl7_inbox i ON i.id = e.inbox_id
             WHERE i.sending_application = 'ISLPARK_EPR' ORDER BY e.id`);
          return rows.some((row) => row.kind === 'admission') ? rows : undefined;
        },
        15_000,
        'the sandbox admission',
      );
      // An admission comes through A&E: an attendance (A04) then the admission (A01), same patient.
      expect(events.map((event) => event.message_type)).toEqual(['ADT^A04', 'ADT^A01']);
      expect(new Set(events.map((event) => event.patient_local_id)).size).toBe(1);
      // Everything the sandbox saw acknowledged is in the inbox and processed.
      const feed = await eventually(async () => {
        const status = (await (await fetch(`${sandbox.url}/sandbox/feed`)).json()) as { acked: number; rejected: number; queued: number };
        return status.queued === 0 ? status : undefined;
      });
      expect(feed.rejected).toBe(0);
      const rows = await eventually(async () => {
        const { rows } = await db.query(`SELECT status FROM hl7_inbox WHERE sending_application = 'ISLPARK_EPR'`);
        return rows.every((row) => row.status === 'processed') ? rows : undefined;
      });
      expect(rows).toHaveLength(feed.acked);
    } finally {
      await sandbox.stop();
    }
  });
});
