import type { RunningHub } from '../../../src/bootstrap.js';
import { Hl7Listener } from '../../../src/modules/source-connectors/hl7/hl7-listener.js';
import { TcpProxy } from '../../setup/tcp-proxy.js';
import { eventually, startTestHub } from '../../setup/test-hub.js';
import { createHl7TestDatabase } from './hl7-test-database.js';
import { adtMessage, MllpTestClient, readAck } from './mllp-test-client.js';

// The one promise a feed must keep: never AA a message the hub has not stored. With PostgreSQL
// gone the answer is AE (the sender keeps the message and resends), and once it is back the
// resent message is accepted and processed once.

describe('HL7 v2 feed while PostgreSQL is down', () => {
  let database: Awaited<ReturnType<typeof createHl7TestDatabase>>;
  let proxy: TcpProxy;
  let hub: RunningHub;

  beforeAll(async () => {
    database = await createHl7TestDatabase('hl7_down');
    const url = new URL(database.url);
    proxy = new TcpProxy(url.hostname, Number(url.port || 5432));
    await proxy.start();
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    hub = await startTestHub({ DATABASE_URL: url.toString() });
  });
  afterAll(async () => {
    await hub?.stop();
    await proxy?.stop();
    await database?.drop();
  });

  it('answers AE without storing, then AA and one effect when the message is resent after recovery', async () => {
    const port = hub.app.get(Hl7Listener).port;
    const message = adtMessage({ trigger: 'A01', controlId: 'DOWN-1', mrn: 'M-DOWN', nhsNumber: '9434765919' });
    await proxy.stop();
    const whileDown = await MllpTestClient.connect(port);
    const refused = readAck(await whileDown.send(message));
    whileDown.close();
    expect(refused.code).toBe('AE');
    expect(refused.text).not.toMatch(/M-DOWN|9434765919/);

    await proxy.start();
    const accepted = await eventually(async () => {
      const client = await MllpTestClient.connect(port);
      const ack = readAck(await client.send(message));
      client.close();
      return ack.code === 'AA' ? ack : undefined;
    }, 15_000);
    expect(accepted.controlId).toBe('DOWN-1');
    const events = await eventually(async () => {
      const { rows } = await database.db.query(`SELECT kind FROM care_event WHERE patient_local_id = 'M-DOWN'`);
      return rows.length ? rows : undefined;
    }, 10_000);
    expect(events).toEqual([{ kind: 'admission' }]);
    const { rows } = await database.db.query(`SELECT status FROM hl7_inbox WHERE control_id = 'DOWN-1'`);
    expect(rows).toEqual([{ status: 'processed' }]);
  });
});
