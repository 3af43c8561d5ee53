import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import type { RunningHub } from '../../../src/bootstrap.js';
import { Hl7FeedModule } from '../../../src/modules/source-connectors/hl7/hl7-feed.module.js';
import { Hl7Listener } from '../../../src/modules/source-connectors/hl7/hl7-listener.js';
import { eventually, startTestHub } from '../../setup/test-hub.js';
import { createHl7TestDatabase } from './hl7-test-database.js';
import { MllpTestClient, readAck } from './mllp-test-client.js';

const fixturesDir = path.resolve(process.cwd(), '../shared/fixtures/hl7v2');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : name === 'README.md' ? [] : [full];
  });
}

const accepted: Record<string, string> = {
  'ADT^A01': 'admission',
  'ADT^A02': 'transfer',
  'ADT^A03': 'discharge',
  'ADT^A04': 'attendance',
  'ADT^A05': 'pre-admission',
  'ADT^A08': '',
  'ADT^A11': 'cancel-admission',
  'ADT^A13': 'cancel-discharge',
  'ADT^A28': '',
  'ADT^A31': '',
  'ADT^A34': '',
  'ADT^A40': '',
  'ORU^R01': 'result-available',
};

/** The outcome each fuzz input must get (never a crash or a hang); the reason is asserted too. */
const fuzzOutcomes: Record<string, { code: 'AR'; text: RegExp }> = {
  'LegacyPipeParser/EncodingNotSupportedException/aoor1.hl7': { code: 'AR', text: /does not start with an MSH segment/ },
  'LegacyPipeParser/HL7Exception/hang1.hl7': { code: 'AR', text: /MSH-9|not accepted|control characters|delimiter/ },
  'LegacyPipeParser/HL7Exception/ioor1.hl7': { code: 'AR', text: /./ },
  'LegacyPipeParser/HL7Exception/stackoverflow1.hl7': { code: 'AR', text: /./ },
  'LegacyPipeParser/HL7Exception/sys1.hl7': { code: 'AR', text: /./ },
  'LegacyPipeParser/HL7Exception/sys2.hl7': { code: 'AR', text: /./ },
  'LegacyPipeParser/NoException/regex1.hl7': { code: 'AR', text: /MSH-1 and MSH-2 must hold five distinct delimiter characters/ },
};

/** Non-fuzz files that are malformed on purpose (see the fixtures README). */
const quirkyOutcomes: Record<string, string> = {
  // MSH-2 written Java-escaped as `^~\\\\&`: the encoding characters are not distinct.
  'uclh-emap/Adt/TestForJunit.txt': 'MSH-1 and MSH-2 must hold five distinct delimiter characters',
};

interface Case {
  name: string;
  messages: string[];
}

/** A file holds one message, or several each starting with a line beginning `MSH`. */
function casesFrom(file: string): Case {
  const text = readFileSync(file, 'latin1');
  const messages = text.split(/(?:\r\n|\r|\n)(?=MSH\|)/).filter((part) => part.length > 0);
  return { name: path.relative(fixturesDir, file), messages: messages.length ? messages : [''] };
}

/** MSH-9 and the first PID-3 identifier that is not an NHS number, read independently of the product. */
function expectationOf(message: string): { type: string; mrn: string | undefined; controlId: string; facility: string } {
  const segments = message.split(/\r\n|\r|\n/);
  const [field, component, repetition] = [message.charAt(3), message.charAt(4), message.charAt(5)];
  const msh = segments[0]!.split(field);
  const [type = '', trigger = ''] = (msh[8] ?? '').split(component);
  const pid = segments.find((segment) => segment.startsWith(`PID${field}`))?.split(field) ?? [];
  const mrn = (pid[3] ?? '')
    .split(repetition)
    .map((rep) => rep.split(component))
    .find((parts) => parts[0] && parts[3] !== 'NHS' && parts[4] !== 'NH')?.[0];
  return { type: `${type}^${trigger}`, mrn, controlId: msh[9] ?? '', facility: (msh[3] ?? '').split(component)[0]! };
}

describe('HL7 v2 feed: every fixture in shared/fixtures/hl7v2', () => {
  let database: Awaited<ReturnType<typeof createHl7TestDatabase>>;
  let db: pg.Pool;
  let hub: RunningHub;
  let client: MllpTestClient;
  const files = filesUnder(fixturesDir).sort();
  const seenKeys = new Set<string>();

  beforeAll(async () => {
    database = await createHl7TestDatabase('hl7_fixtures');
    db = database.db;
    hub = await startTestHub({ DATABASE_URL: database.url }, [Hl7FeedModule]);
    client = await MllpTestClient.connect(hub.app.get(Hl7Listener).port);
  });

  afterAll(async () => {
    client?.close();
    await hub?.stop();
    await database?.drop();
  });

  it('has the 176 files the README lists', () => {
    expect(files).toHaveLength(176);
  });

  describe.each(
    files.filter((file) => file.includes('/nhapi-fuzz/')).map((file) => [path.relative(path.join(fixturesDir, 'nhapi-fuzz'), file)]),
  )('fuzz input %s', (name) => {
    it('is refused cleanly with AR and a reason, nothing stored', async () => {
      const { messages } = casesFrom(path.join(fixturesDir, 'nhapi-fuzz', name));
      for (const message of messages) {
        const ack = readAck(await client.send(Buffer.from(message, 'latin1')));
        const expected = fuzzOutcomes[name] ?? { code: 'AR', text: /./ };
        expect(ack.code).toBe(expected.code);
        expect(ack.text).toMatch(expected.text);
        expect(ack.err).toMatch(/^ERR\|/);
      }
      // The listener is still answering.
      expect(client.closed).toBe(false);
    });
  });

  describe.each(files.filter((file) => !file.includes('/nhapi-fuzz/')).map((file) => [path.relative(fixturesDir, file)]))(
    'fixture %s',
    (name) => {
      it('is processed when its type is accepted, else refused with AR naming the type', async () => {
        const { messages } = casesFrom(path.join(fixturesDir, name));
        for (const message of messages) {
          const expected = expectationOf(message);
          const ack = readAck(await client.send(Buffer.from(message, 'latin1')));
          if (name in quirkyOutcomes) {
            expect(ack).toMatchObject({ code: 'AR', text: quirkyOutcomes[name] });
            expect(ack.err).toMatch(/^ERR\|/);
            continue;
          }
          expect(ack.controlId).toBe(expected.controlId);
          if (!(expected.type in accepted)) {
            expect(ack.code).toBe('AR');
            expect(ack.text).toMatch(/is not accepted/);
            expect(ack.err).toMatch(/\|20[01]\^/);
            continue;
          }
          expect(ack).toMatchObject({ code: 'AA', err: undefined });
          const key = `${expected.facility}|${expected.controlId}`;
          const row = await eventually(
            async () => {
              const { rows } = await db.query(
                `SELECT id, status FROM hl7_inbox WHERE sending_facility = $1 AND control_id = $2 ORDER BY id DESC LIMIT 1`,
                [expected.facility, expected.controlId],
              );
              return rows[0] && rows[0].status !== 'received' ? rows[0] : undefined;
            },
            10_000,
            `${name} processed`,
          );
          // The UCLH set reuses MSH-10 values across files: a repeat per sending facility has one effect.
          if (seenKeys.has(key)) {
            expect(row.status).toBe('duplicate');
            expect((await db.query(`SELECT 1 FROM care_event WHERE inbox_id = $1`, [row.id])).rowCount).toBe(0);
            continue;
          }
          seenKeys.add(key);
          expect(row.status).toBe('processed');
          const demographics = await db.query(
            `SELECT source_inbox_id FROM hl7_patient_demographics WHERE source_facility = $1 AND local_id = $2`,
            [expected.facility, expected.mrn],
          );
          expect(demographics.rowCount).toBe(1);
          const events = await db.query(`SELECT kind, patient_local_id FROM care_event WHERE inbox_id = $1`, [row.id]);
          const kind = accepted[expected.type];
          // Once the UCLH A40 has merged an id away, later events about it are recorded under the surviving id.
          const merged = await db.query(
            `SELECT surviving_local_id FROM hl7_patient_merge WHERE source_facility = $1 AND prior_local_id = $2`,
            [expected.facility, expected.mrn],
          );
          const patient = (merged.rows[0]?.surviving_local_id as string | undefined) ?? expected.mrn;
          expect(events.rows).toEqual(kind ? [{ kind, patient_local_id: patient }] : []);
        }
      });
    },
  );

  it('recorded the UCLH A40 merge of 40800000 into 40800001', async () => {
    const { rows } = await db.query(`SELECT prior_local_id, surviving_local_id FROM hl7_patient_merge WHERE prior_local_id = '40800000'`);
    expect(rows).toContainEqual({ prior_local_id: '40800000', surviving_local_id: '40800001' });
  });
});
