import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

import pg from 'pg';
import { DataSource } from 'typeorm';

import {
  AuditTrail,
  AuditVerifier,
  type AuditEventInput,
  type AuditEventRecord,
  type R4AuditEvent,
  toFhirAuditEvent,
} from '../../../src/modules/governance/index.js';
import { auditEventHash } from '../../../src/modules/governance/audit/domain/audit-chain.js';
import { buildDataSourceOptions, dropDatabase, ensureDatabaseExists, migrateUp } from '../../../src/platform/database/index.js';
import { r4Errors } from '../../setup/r4-validation.js';
import { fileRedisPrefix, freshDatabaseUrl, redisUrl } from '../../setup/test-run.js';

// The audit trail on a database of its own: these tests break the chain on purpose (and mend
// it), which would fail any other file's verification in the run's shared database.

const databaseUrl = freshDatabaseUrl('audit');

function appDataSource(poolSize = 4): DataSource {
  return new DataSource({ ...buildDataSourceOptions({ url: databaseUrl, poolSize }), migrations: [] });
}

/** An allowed read of one person's record by a professional; override what a test is about. */
function access(
  overrides: { agent?: Partial<AuditEventInput['agent']>; entity?: Partial<AuditEventInput['entity']> } & Partial<
    Omit<AuditEventInput, 'agent' | 'entity'>
  > = {},
): AuditEventInput {
  const { agent, entity, ...rest } = overrides;
  return {
    requestId: randomUUID(),
    action: 'read',
    outcome: 'allowed',
    purpose: 'TREAT',
    ...rest,
    agent: {
      principalKind: 'professional',
      subject: 'staff-1',
      issuer: 'http://127.0.0.1:4010/idp/staff',
      name: 'Dr Asha Patel',
      roleCode: 'S8000:G8000:R8000',
      hubRole: 'clinician',
      organisationCode: 'A81001',
      ...agent,
    },
    entity: {
      personId: randomUUID(),
      nhsNumber: '9434765919',
      sections: ['allergies', 'medicines'],
      sources: [randomUUID()],
      queryKind: 'person.record',
      detail: { items: 3 },
      ...entity,
    },
  };
}

/** Runs statements as the database superuser with triggers off: what an attacker with DBA access does. */
async function asSuperuserWithoutTriggers(statements: Array<[string, unknown[]?]>): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    for (const [sql, params] of statements) await client.query(sql, params);
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}

async function rowById(dataSource: DataSource, id: string): Promise<Record<string, unknown>> {
  const [row] = await dataSource.query<Array<Record<string, unknown>>>(`SELECT * FROM audit_event WHERE id = $1`, [id]);
  return row!;
}

/** Puts a row back exactly as it was (the test mends what it broke). */
async function reinsert(row: Record<string, unknown>): Promise<void> {
  const columns = Object.keys(row);
  const values = columns.map((column) => (column === 'detail' ? JSON.stringify(row[column]) : row[column]));
  await asSuperuserWithoutTriggers([
    [`INSERT INTO audit_event (${columns.join(', ')}) VALUES (${columns.map((_, index) => `$${index + 1}`).join(', ')})`, values],
  ]);
}

function runNode(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const verifyCommand = (url = databaseUrl) => runNode('dist/audit-verify.js', [], { DATABASE_URL: url, REDIS_URL: redisUrl });

describe('the audit trail', () => {
  let dataSource: DataSource;
  let trail: AuditTrail;
  let verifier: AuditVerifier;

  beforeAll(async () => {
    await ensureDatabaseExists(databaseUrl);
    await migrateUp({ url: databaseUrl, poolSize: 1 });
    dataSource = await appDataSource().initialize();
    trail = new AuditTrail(dataSource);
    verifier = new AuditVerifier(dataSource);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await dropDatabase(databaseUrl);
  });

  it('writes N events as N consecutive rows whose chain verifies, a large batch included', async () => {
    const before = await verifier.verify();
    const ids = await trail.record(Array.from({ length: 2_500 }, () => access()));
    expect(ids).toHaveLength(2_500);
    expect(ids.map(BigInt)).toEqual(Array.from({ length: 2_500 }, (_, index) => BigInt(before.checked + 1 + index)));
    const [{ count }] = await dataSource.query<[{ count: string }]>(`SELECT count(*) FROM audit_event`);
    expect(Number(count)).toBe(before.checked + 2_500);
    expect(await verifier.verify({ pageSize: 700 })).toMatchObject({ ok: true, checked: before.checked + 2_500, head: { id: ids[2_499] } });
  });

  it('writes inside the caller’s transaction: rolled back with it, leaving no gap', async () => {
    const before = await verifier.verify();
    await expect(
      dataSource.transaction(async (manager) => {
        await trail.record([access(), access()], manager);
        throw new Error('the request failed after auditing');
      }),
    ).rejects.toThrow('the request failed after auditing');
    const [committed] = await dataSource.transaction((manager) => trail.record([access()], manager));
    expect(committed).toBe(String(before.checked + 1));
    expect(await verifier.verify()).toMatchObject({ ok: true, checked: before.checked + 1 });
  });

  it('refuses UPDATE, DELETE and TRUNCATE through the application’s connection', async () => {
    const [id] = await trail.record([access()]);
    await expect(dataSource.query(`UPDATE audit_event SET outcome = 'denied' WHERE id = $1`, [id])).rejects.toThrow(
      'audit_event is append-only: UPDATE is not allowed',
    );
    await expect(dataSource.query(`DELETE FROM audit_event WHERE id = $1`, [id])).rejects.toThrow(
      'audit_event is append-only: DELETE is not allowed',
    );
    await expect(dataSource.query(`TRUNCATE audit_event`)).rejects.toThrow('audit_event is append-only: TRUNCATE is not allowed');
    expect((await rowById(dataSource, id!)).outcome).toBe('allowed');
  });

  it('finds a changed row at its position, and is whole again once it is put back', async () => {
    const ids = await trail.record([access(), access(), access()]);
    const target = ids[1]!;
    await asSuperuserWithoutTriggers([[`UPDATE audit_event SET outcome = 'denied' WHERE id = $1`, [target]]]);
    expect(await verifier.verify({ pageSize: 2 })).toMatchObject({
      ok: false,
      firstBroken: { id: target, reason: 'hash-mismatch' },
      checked: Number(target) - 1,
    });

    const broken = await verifyCommand();
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(new RegExp(`^audit trail BROKEN at position ${target} \\(hash-mismatch\\)`));

    await asSuperuserWithoutTriggers([[`UPDATE audit_event SET outcome = 'allowed' WHERE id = $1`, [target]]]);
    expect((await verifier.verify()).ok).toBe(true);
    const intact = await verifyCommand();
    expect(intact).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^audit trail intact: \d+ events checked, head \d+ [0-9a-f]{64}\n$/),
    });
  });

  it('finds a changed row whose hash was recomputed at the link to the next row', async () => {
    const ids = await trail.record([access(), access(), access()]);
    const target = ids[0]!;
    const original = await rowById(dataSource, target);
    // An attacker who knows the scheme changes a row and recomputes its hash: the row itself
    // checks out, the next row's link to it does not.
    const [stored] = (await trail.search({ subject: 'staff-1', limit: 500 })).events.filter((event) => event.id === target);
    const rehashed = auditEventHash({ ...stored!, subject: 'someone-else' });
    await asSuperuserWithoutTriggers([[`UPDATE audit_event SET subject = 'someone-else', hash = $2 WHERE id = $1`, [target, rehashed]]]);
    expect(await verifier.verify()).toMatchObject({ ok: false, firstBroken: { id: ids[1], reason: 'previous-hash-mismatch' } });
    await asSuperuserWithoutTriggers([
      [`UPDATE audit_event SET subject = $2, hash = $3 WHERE id = $1`, [target, original.subject, original.hash]],
    ]);
    expect((await verifier.verify()).ok).toBe(true);
  });

  it('finds a deleted row as a gap at its position, in the middle or at the end', async () => {
    const ids = await trail.record([access(), access(), access()]);
    const middle = await rowById(dataSource, ids[1]!);
    await asSuperuserWithoutTriggers([[`DELETE FROM audit_event WHERE id = $1`, [ids[1]]]]);
    expect(await verifier.verify()).toMatchObject({ ok: false, firstBroken: { id: ids[1], reason: 'gap' } });
    await reinsert(middle);

    const last = await rowById(dataSource, ids[2]!);
    await asSuperuserWithoutTriggers([[`DELETE FROM audit_event WHERE id = $1`, [ids[2]]]]);
    expect(await verifier.verify()).toMatchObject({ ok: false, firstBroken: { id: ids[2], reason: 'gap' } });
    const command = await verifyCommand();
    expect(command.code).toBe(1);
    expect(command.stdout).toContain(`BROKEN at position ${ids[2]} (gap)`);
    await reinsert(last);
    expect((await verifier.verify()).ok).toBe(true);
  });

  it('keeps one linear chain when several connections append at once', async () => {
    const before = await verifier.verify();
    const writers = await Promise.all(Array.from({ length: 4 }, () => appDataSource(3).initialize()));
    try {
      const written = await Promise.all(
        writers.flatMap((writer) =>
          Array.from({ length: 15 }, (_, index) => new AuditTrail(writer).record(index % 3 === 0 ? [access(), access()] : [access()])),
        ),
      );
      const ids = written
        .flat()
        .map(Number)
        .sort((a, b) => a - b);
      expect(ids).toEqual(Array.from({ length: 80 }, (_, index) => before.checked + 1 + index));
    } finally {
      await Promise.all(writers.map((writer) => writer.destroy()));
    }
    expect(await verifier.verify()).toMatchObject({ ok: true, checked: before.checked + 80 });
  });

  it('groups concurrent requests of one process into shared commits, each request getting its own rows', async () => {
    const before = await verifier.verify();
    const requests = Array.from({ length: 40 }, (_, index) =>
      Array.from({ length: (index % 3) + 1 }, () => access({ requestId: `group-${index}` })),
    );
    const answers = await Promise.all(requests.map((events) => trail.record(events)));
    for (const [index, ids] of answers.entries()) {
      expect(ids).toHaveLength(requests[index]!.length);
      const rows = await dataSource.query<Array<{ request_id: string }>>(
        `SELECT request_id FROM audit_event WHERE id = ANY($1::bigint[])`,
        [ids],
      );
      expect(rows.map((row) => row.request_id)).toEqual(ids.map(() => `group-${index}`));
    }
    expect(await verifier.verify()).toMatchObject({ ok: true, checked: before.checked + requests.flat().length });
  });

  it('searches by person, user, organisation, outcome and date, newest first, in keyset pages', async () => {
    const personId = randomUUID();
    const subject = `staff-${randomUUID()}`;
    const organisationCode = `T${randomUUID().slice(0, 6).toUpperCase()}`;
    const early = new Date('2026-01-10T09:00:00Z');
    const late = new Date('2026-02-10T09:00:00Z');
    const ids = await trail.record([
      ...Array.from({ length: 5 }, () => access({ recordedAt: early, agent: { subject, organisationCode }, entity: { personId } })),
      access({
        recordedAt: late,
        outcome: 'denied',
        outcomeReason: 'no-relationship',
        agent: { subject, organisationCode },
        entity: { personId },
      }),
      access({ recordedAt: late, outcome: 'break-glass', purpose: 'ETREAT', agent: { organisationCode }, entity: { personId } }),
      access({ recordedAt: late, outcome: 'self-declared', agent: { subject } }),
    ]);

    const pages: AuditEventRecord[][] = [];
    let after: string | undefined;
    do {
      const page = await trail.search({ personId, limit: 3, ...(after ? { after } : {}) });
      pages.push(page.events);
      after = page.next;
    } while (after);
    expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(pages.flat().map((event) => event.id)).toEqual(ids.slice(0, 7).reverse());

    expect((await trail.search({ subject })).events.map((event) => event.id)).toEqual([
      ids[7],
      ids[5],
      ids[4],
      ids[3],
      ids[2],
      ids[1],
      ids[0],
    ]);
    expect((await trail.search({ organisationCode, outcome: ['break-glass', 'self-declared'] })).events.map((event) => event.id)).toEqual([
      ids[6],
    ]);
    expect((await trail.search({ subject, outcome: 'denied' })).events).toEqual([
      expect.objectContaining({ id: ids[5], outcomeReason: 'no-relationship', personId, recordedAt: late }),
    ]);
    expect(
      (await trail.search({ personId, from: new Date('2026-02-01T00:00:00Z'), to: new Date('2026-03-01T00:00:00Z') })).events.map(
        (event) => event.id,
      ),
    ).toEqual([ids[6], ids[5]]);
    await expect(trail.search({ limit: 501 })).rejects.toThrow('limit must be a whole number from 1 to 500');
  });

  it('exports as FHIR R4 AuditEvent NDJSON that validates, filtered by person and date', async () => {
    const personId = randomUUID();
    const ids = await trail.record([
      access({ entity: { personId }, recordedAt: new Date('2026-04-01T08:00:00Z') }),
      access({ entity: { personId }, outcome: 'denied', outcomeReason: 'opted-out', recordedAt: new Date('2026-04-02T08:00:00Z') }),
      access({
        entity: { personId: null, nhsNumber: null, queryKind: 'searchPeople' },
        action: 'search',
        agent: { principalKind: 'carer', onBehalfOf: '9434765919' },
      }),
      access({ entity: { personId }, recordedAt: new Date('2026-05-01T08:00:00Z') }),
    ]);

    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (chunk: Buffer) => chunks.push(chunk));
    const count = await trail.exportNdjson({ personId, to: new Date('2026-04-30T00:00:00Z') }, sink);
    const events = Buffer.concat(chunks)
      .toString()
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as R4AuditEvent);
    expect(count).toBe(2);
    expect(events.map((event) => [event.id, event.outcome])).toEqual([
      [ids[0], '0'],
      [ids[1], '4'],
    ]);
    for (const event of events) expect(r4Errors(event)).toEqual([]);

    const [search] = (await trail.search({ subject: 'staff-1', limit: 500 })).events.filter((event) => event.id === ids[2]);
    expect(search).toBeDefined();
    expect(r4Errors(toFhirAuditEvent(search!))).toEqual([]);
  });

  it('exports from the CLI to a file, and refuses a malformed option', async () => {
    const personId = randomUUID();
    const ids = await trail.record([access({ entity: { personId } }), access({ entity: { personId } })]);
    const dir = await mkdtemp(join(tmpdir(), 'tessera-audit-'));
    try {
      const out = join(dir, 'audit.ndjson');
      const env = { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, REDIS_PREFIX: fileRedisPrefix() };
      const result = await runNode('dist/cli.js', ['audit', 'export', '--person', personId, '--out', out], env);
      expect(result).toMatchObject({ code: 0, stderr: `exported 2 audit event(s) to ${out}\n` });
      const lines = (await readFile(out, 'utf8'))
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as R4AuditEvent);
      expect(lines.map((event) => event.id)).toEqual(ids);
      expect(lines.every((event) => r4Errors(event).length === 0)).toBe(true);

      const wrong = await runNode('dist/cli.js', ['audit', 'export', '--person', 'Jones'], env);
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toMatch(/^tessera: --person must be a person id \(uuid\) or a 10-digit NHS number/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 from audit:verify when it cannot reach the database', async () => {
    const result = await verifyCommand('postgres://postgres@127.0.0.1:9/tessera');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^audit:verify: cannot reach PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:9\/tessera/);
  });
});
