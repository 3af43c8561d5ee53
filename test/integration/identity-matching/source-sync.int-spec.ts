import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DataSource } from 'typeorm';

import type { RunningHub } from '../../../src/bootstrap.js';
import request from 'supertest';

import { isValidNhsNumber } from '../../../src/fhir/index.js';

import { SourceConnectors, SourceError, SourceRegistry } from '../../../src/modules/source-connectors/index.js';
import { syncSource } from '../../../src/modules/identity-matching/sync/sync-source.job.js';
import { dropDatabase, ensureDatabaseExists, migrateUp } from '../../../src/platform/database/index.js';
import { JobDispatcher } from '../../../src/platform/queue/index.js';
import { generatePopulation } from '../../../src/sandbox/population/generate-population.js';
import { startSandbox, type RunningSandbox } from '../../../src/sandbox/server/sandbox-server.js';
import { Hl7Feed } from '../../../src/sandbox/systems/acute/hl7-feed.js';
import { Hl7Listener } from '../../../src/modules/source-connectors/hl7/hl7-listener.js';
import { eventually, startTestHub } from '../../setup/test-hub.js';
import { bearer, operatorToken } from '../../setup/test-issuer.js';
import { freshDatabaseUrl } from '../../setup/test-run.js';

// Background sync as it runs in the demo: the hub registers the sandbox's sources from its
// manifest, schedules a sync for each source that can list changes, and a worker records each
// source record's demographics in the identity index, once, however often it runs.

describe('background sync of a source into the identity index', () => {
  let sandbox: RunningSandbox;
  let hub: RunningHub;
  let folder: string;
  const databaseUrl = freshDatabaseUrl('sync');

  beforeAll(async () => {
    sandbox = await startSandbox({
      population: generatePopulation({ seed: 12, size: 4_000, referenceDate: '2026-11-23' }),
      host: '127.0.0.1',
      port: 0,
    });
    folder = await mkdtemp(join(tmpdir(), 'tessera-sync-'));
    const file = join(folder, 'sources.json');
    await writeFile(file, await (await fetch(`${sandbox.url}/sandbox/sources`)).text());
    await ensureDatabaseExists(databaseUrl);
    await migrateUp({ url: databaseUrl, poolSize: 1 });
    hub = await startTestHub({ DATABASE_URL: databaseUrl, SOURCES_FILE: file, TESSERA_ROLE: 'all' });
  });
  afterAll(async () => {
    await hub?.stop();
    await sandbox.stop();
    await rm(folder, { recursive: true, force: true });
    await dropDatabase(databaseUrl);
  });

  const query = async <T>(sql: string, parameters: unknown[] = []): Promise<T[]> => hub.app.get(DataSource).query(sql, parameters);

  it('schedules a sync only for enabled sources that can list their changes', async () => {
    const sources = await hub.app.get(SourceRegistry).list();
    const listing = sources.filter((source) => ['acute', 'mental-health', 'social-care', 'gp'].includes(source.kind));
    const scheduled = await eventually(async () => {
      const ids = await hub.app.get(JobDispatcher).schedulerIds(syncSource);
      return ids.length === listing.length ? ids : undefined;
    });
    expect([...scheduled].sort()).toEqual(listing.map((source) => `sync-${source.id}`).sort());
  });

  it('records every hospital patient from its FHIR API, by change time', async () => {
    const acute = (await hub.app.get(SourceRegistry).list()).find((source) => source.kind === 'acute')!;
    const patients = sandbox.context.directories.acute.records;
    await hub.app.get(JobDispatcher).enqueue(syncSource, { sourceId: acute.id });
    const rows = await eventually(async () => {
      const found = await query<{ local_id: string; nhs_number: string | null; invalid_nhs_number: string | null }>(
        `SELECT local_id, nhs_number, demographics->>'invalidNhsNumber' AS invalid_nhs_number FROM source_identity WHERE source_id = $1`,
        [acute.id],
      );
      return found.length === patients.length ? found : undefined;
    }, 30_000);
    const byId = new Map(rows.map((row) => [row.local_id, row]));
    for (const patient of patients) {
      const row = byId.get(patient.localId)!;
      // Only a number that passes modulus 11 is an NHS number to match on; a mistyped one is kept apart.
      const valid = patient.nhsNumber && isValidNhsNumber(patient.nhsNumber);
      expect(row.nhs_number).toBe(valid ? patient.nhsNumber : null);
      expect(row.invalid_nhs_number).toBe(patient.nhsNumber && !valid ? patient.nhsNumber : null);
    }
    expect(rows.some((row) => row.invalid_nhs_number)).toBe(
      patients.some((patient) => patient.nhsNumber && !isValidNhsNumber(patient.nhsNumber)),
    );
  });

  // A practice scan reads each candidate through GP Connect: on a shared two-core machine it needs room.
  it('scans a GP practice for the patients other sources say are registered there', async () => {
    const sources = await hub.app.get(SourceRegistry).list();
    const acute = sources.find((source) => source.kind === 'acute')!;
    // The hospital's patients name their practice; that is where a scan finds candidates.
    await eventually(async () => {
      const [row] = await query<{ count: string }>(`SELECT count(*) FROM source_identity WHERE source_id = $1`, [acute.id]);
      return Number(row!.count) === sandbox.context.directories.acute.records.length ? true : undefined;
    }, 30_000);
    const [busiest] = await query<{ code: string }>(
      `SELECT demographics->>'gpPracticeCode' AS code FROM source_identity WHERE nhs_number IS NOT NULL AND demographics ? 'gpPracticeCode'
       GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
    );
    const practice = sources.find((source) => source.kind === 'gp' && source.organisationCode === busiest!.code)!;
    const candidates = (
      await query<{ nhs_number: string }>(
        `SELECT DISTINCT nhs_number FROM source_identity WHERE nhs_number IS NOT NULL AND demographics->>'gpPracticeCode' = $1`,
        [practice.organisationCode],
      )
    ).map((row) => row.nhs_number);
    expect(candidates.length).toBeGreaterThan(5);

    // The practice may have been scanned at start, before the hospital was synced: wait for a run of our own
    // (queued behind the start-up scans of every practice, so it may take a while on a busy machine).
    const [previous] = await query<{ runs: number }>(`SELECT runs FROM source_sync_state WHERE source_id = $1`, [practice.id]);
    await hub.app.get(JobDispatcher).enqueue(syncSource, { sourceId: practice.id });
    const found = await eventually(async () => {
      const [state] = await query<{ status: string; runs: number }>(`SELECT status, runs FROM source_sync_state WHERE source_id = $1`, [
        practice.id,
      ]);
      if (!state || state.runs <= (previous?.runs ?? 0) || state.status === 'running') return undefined;
      return query<{ local_id: string; nhs_number: string }>(`SELECT local_id, nhs_number FROM source_identity WHERE source_id = $1`, [
        practice.id,
      ]);
    }, 75_000);
    const gp = sandbox.context.directories.gp;
    const heldThere = (nhsNumber: string) =>
      (gp.byNhsNumber.get(nhsNumber) ?? []).some((record) => record.organisationCode === practice.organisationCode && !record.deathDate);
    // Everything recorded is a candidate the practice really holds, keyed by NHS number…
    for (const row of found) {
      expect(row.local_id).toBe(row.nhs_number);
      expect(candidates).toContain(row.nhs_number);
      expect(heldThere(row.nhs_number)).toBe(true);
    }
    // …and every candidate it plainly holds (one living record, the number its own) was found.
    const plainlyHeld = candidates.filter((nhsNumber) => {
      const records = gp.byNhsNumber.get(nhsNumber) ?? [];
      return (
        records.length === 1 &&
        records[0]!.organisationCode === practice.organisationCode &&
        !records[0]!.deathDate &&
        !records[0]!.errors.includes('wrong-nhs-number')
      );
    });
    expect(plainlyHeld.length).toBeGreaterThan(0);
    expect(found.map((row) => row.nhs_number)).toEqual(expect.arrayContaining(plainlyHeld));
    const [state] = await query<{ cursor: string | null; status: string }>(
      `SELECT cursor, status FROM source_sync_state WHERE source_id = $1`,
      [practice.id],
    );
    // A finished scan starts again from the beginning next time.
    expect(state).toEqual({ cursor: null, status: 'idle' });
  }, 120_000);

  it('takes a hospital patient’s demographics from its ADT feed at once, without waiting for a sync', async () => {
    const acute = (await hub.app.get(SourceRegistry).list()).find((source) => source.kind === 'acute')!;
    const patient = sandbox.context.directories.acute.records.find(
      (record) => !record.duplicateOf && !record.deathDate && record.nhsNumber,
    )!;
    await eventually(
      async () =>
        (await query(`SELECT 1 FROM source_identity WHERE source_id = $1 AND local_id = $2`, [acute.id, patient.localId])).length
          ? true
          : undefined,
      30_000,
    );
    await query(`DELETE FROM source_identity WHERE source_id = $1 AND local_id = $2`, [acute.id, patient.localId]);
    const feed = new Hl7Feed(sandbox.context, `127.0.0.1:${hub.app.get(Hl7Listener).port}`);
    feed.start();
    try {
      const event = await fetch(`${sandbox.url}/sandbox/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'admission', personId: patient.personId }),
      });
      expect(event.status).toBe(201);
      const [row] = await eventually(async () => {
        const rows = await query<{ nhs_number: string; family: string; birth_date: string }>(
          `SELECT nhs_number, family, to_char(birth_date, 'YYYY-MM-DD') AS birth_date FROM source_identity WHERE source_id = $1 AND local_id = $2`,
          [acute.id, patient.localId],
        );
        return rows.length ? rows : undefined;
      }, 20_000);
      expect(row).toEqual({ nhs_number: patient.nhsNumber, family: patient.family, birth_date: patient.birthDate });
    } finally {
      await feed.stop();
    }
  });

  it('records every client of the council once, with their demographics, and a second run changes nothing', async () => {
    const socialCare = (await hub.app.get(SourceRegistry).list()).find((source) => source.kind === 'social-care')!;
    const clients = sandbox.context.directories['social-care'].records;
    const dispatcher = hub.app.get(JobDispatcher);
    // A run may have started with the hub; wait for one of our own to finish.
    const [previous] = await query<{ runs: number }>(`SELECT runs FROM source_sync_state WHERE source_id = $1`, [socialCare.id]);
    await dispatcher.enqueue(syncSource, { sourceId: socialCare.id });
    await eventually(async () => {
      const [state] = await query<{ runs: number; status: string }>(`SELECT runs, status FROM source_sync_state WHERE source_id = $1`, [
        socialCare.id,
      ]);
      return state && state.runs > (previous?.runs ?? 0) && state.status !== 'running' ? true : undefined;
    }, 20_000);
    const rows = await eventually(async () => {
      const found = await query<{ local_id: string; nhs_number: string | null; family: string; birth_date: string }>(
        `SELECT local_id, nhs_number, family, to_char(birth_date, 'YYYY-MM-DD') AS birth_date FROM source_identity WHERE source_id = $1`,
        [socialCare.id],
      );
      return found.length === clients.length ? found : undefined;
    }, 20_000);
    const byId = new Map(rows.map((row) => [row.local_id, row]));
    for (const client of clients) {
      const row = byId.get(client.localId)!;
      expect(row.nhs_number).toBe(client.nhsNumber && isValidNhsNumber(client.nhsNumber) ? client.nhsNumber : null);
      expect(row.birth_date).toBe(client.birthDate);
      expect(row.family.toUpperCase()).toBe(client.family.toUpperCase());
    }
    const [state] = await query<{ status: string; cursor: string; identities_seen: string; runs: number }>(
      `SELECT * FROM source_sync_state WHERE source_id = $1`,
      [socialCare.id],
    );
    expect(state).toMatchObject({ status: 'idle' });
    expect(state!.cursor).toBeTruthy();

    const before = await query<{ changed_at: Date }>(`SELECT max(changed_at) AS changed_at FROM source_identity WHERE source_id = $1`, [
      socialCare.id,
    ]);
    await dispatcher.enqueue(syncSource, { sourceId: socialCare.id });
    await eventually(async () => {
      const [again] = await query<{ runs: number; status: string }>(`SELECT runs, status FROM source_sync_state WHERE source_id = $1`, [
        socialCare.id,
      ]);
      return again!.runs > state!.runs && again!.status === 'idle' ? true : undefined;
    }, 20_000);
    const after = await query<{ count: string; changed_at: Date }>(
      `SELECT count(*) AS count, max(changed_at) AS changed_at FROM source_identity WHERE source_id = $1`,
      [socialCare.id],
    );
    expect(Number(after[0]!.count)).toBe(clients.length);
    expect(after[0]!.changed_at).toEqual(before[0]!.changed_at);
  });

  it('skips a disabled source and marks a source that cannot list changes', async () => {
    const registry = hub.app.get(SourceRegistry);
    // PDS can neither list changes nor be scanned: it traces on demand.
    const pds = (await registry.list()).find((source) => source.kind === 'pds')!;
    await hub.app.get(JobDispatcher).enqueue(syncSource, { sourceId: pds.id });
    const state = await eventually(async () => {
      const [row] = await query<{ status: string }>(`SELECT status FROM source_sync_state WHERE source_id = $1`, [pds.id]);
      return row && row.status !== 'running' ? row : undefined;
    });
    expect(state.status).toBe('unsupported');
    const mentalHealth = (await registry.list()).find((source) => source.kind === 'mental-health')!;
    await registry.setEnabled(mentalHealth.id, false);
    const [before] = await query<{ runs: number }>(`SELECT runs FROM source_sync_state WHERE source_id = $1`, [mentalHealth.id]);
    await hub.app.get(JobDispatcher).enqueue(syncSource, { sourceId: mentalHealth.id });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const [after] = await query<{ runs: number }>(`SELECT runs FROM source_sync_state WHERE source_id = $1`, [mentalHealth.id]);
    expect(after?.runs).toBe(before?.runs);
    await registry.setEnabled(mentalHealth.id, true);
  });

  it('shows a failing source in readiness detail and operator GraphQL, and stays ready', async () => {
    const socialCare = (await hub.app.get(SourceRegistry).list()).find((source) => source.kind === 'social-care')!;
    const connector = (await hub.app.get(SourceConnectors).forSource(socialCare.id))!;
    const clientId = sandbox.context.directories['social-care'].records[0]!.localId;
    await fetch(`${sandbox.url}/sandbox/faults/social-care`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ down: true }),
    });
    try {
      const kinds: string[] = [];
      for (let call = 0; call < 8; call++) {
        kinds.push(
          await connector.readPatient(clientId).then(
            () => 'ok',
            (error: unknown) => (error instanceof SourceError ? error.kind : 'other'),
          ),
        );
      }
      expect(kinds).toContain('unreachable');
      expect(kinds.at(-1)).toBe('circuit-open');
      const ready = await request(hub.url).get('/health/ready').expect(200);
      expect(ready.body.status).toBe('ok');
      const shown = (ready.body.details.sources as Array<{ sourceId: string; circuit: string; lastErrorKind?: string }>).find(
        (source) => source.sourceId === socialCare.id,
      );
      expect(shown).toMatchObject({ circuit: 'open', lastErrorKind: 'unreachable' });
      const graphql = await request(hub.url)
        .post('/graphql')
        .set('authorization', bearer(await operatorToken()))
        .send({
          query: 'query S($id: ID!) { source(id: $id) { connection { circuit lastErrorKind probeAfter } } }',
          variables: { id: socialCare.id },
        });
      expect(graphql.body.data.source.connection).toMatchObject({ circuit: 'open', lastErrorKind: 'unreachable' });
      expect(graphql.body.data.source.connection.probeAfter).toBeTruthy();
    } finally {
      await fetch(`${sandbox.url}/sandbox/faults/social-care`, { method: 'DELETE' });
    }
  });

  it('schedules no syncs with SOURCE_SYNC_INTERVAL_S=0, and removes the schedules already made', async () => {
    expect((await hub.app.get(JobDispatcher).schedulerIds(syncSource)).length).toBeGreaterThan(0);
    // A worker with syncs turned off, sharing the database and queue: its start reconciles the schedules away.
    const quiet = await startTestHub({ DATABASE_URL: databaseUrl, SOURCES_FILE: '', TESSERA_ROLE: 'worker', SOURCE_SYNC_INTERVAL_S: '0' });
    try {
      expect(await quiet.app.get(JobDispatcher).schedulerIds(syncSource)).toEqual([]);
    } finally {
      await quiet.stop();
    }
  });
});
