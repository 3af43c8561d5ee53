import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DataSource } from 'typeorm';

import type { RunningHub } from '../../../src/bootstrap.js';
import { pairMetrics } from '../../../src/modules/identity-matching/domain/pair-metrics.js';
import { IdentityMatchingService } from '../../../src/modules/identity-matching/index.js';
import { matchIdentity } from '../../../src/modules/identity-matching/jobs/match-identity.definition.js';
import { syncSource } from '../../../src/modules/identity-matching/sync/sync-source.job.js';
import { SourceRegistry } from '../../../src/modules/source-connectors/index.js';
import { dropDatabase, ensureDatabaseExists, migrateUp } from '../../../src/platform/database/index.js';
import { JobDispatcher, QueueName } from '../../../src/platform/queue/index.js';
import { Queues } from '../../../src/platform/queue/queues.js';
import { generatePopulation } from '../../../src/sandbox/population/generate-population.js';
import type { SystemId } from '../../../src/sandbox/records/system-record.types.js';
import { startSandbox, type RunningSandbox } from '../../../src/sandbox/server/sandbox-server.js';
import { eventually, startTestHub } from '../../setup/test-hub.js';
import { freshDatabaseUrl } from '../../setup/test-run.js';

// The index as the demo builds it: the hub syncs the hospital, the mental health trust and the
// council from the sandbox, every record is matched in its own job as it arrives (council
// clients without an NHS number are traced through the sandbox's PDS), and the persons it
// makes are scored against the sandbox's truth of who is who.

describe('real-time matching of a sandbox population', () => {
  let sandbox: RunningSandbox;
  let hub: RunningHub;
  let folder: string;
  const databaseUrl = freshDatabaseUrl('realtime');
  const systems: SystemId[] = ['acute', 'mental-health', 'social-care'];

  beforeAll(async () => {
    sandbox = await startSandbox({
      population: generatePopulation({ seed: 31, size: 1_500, referenceDate: '2026-11-23' }),
      host: '127.0.0.1',
      port: 0,
    });
    folder = await mkdtemp(join(tmpdir(), 'tessera-realtime-'));
    const file = join(folder, 'sources.json');
    await writeFile(file, await (await fetch(`${sandbox.url}/sandbox/sources`)).text());
    await ensureDatabaseExists(databaseUrl);
    await migrateUp({ url: databaseUrl, poolSize: 1 });
    hub = await startTestHub({ DATABASE_URL: databaseUrl, SOURCES_FILE: file, TESSERA_ROLE: 'all', WORKER_CONCURRENCY: '8' });
    const sources = (await hub.app.get(SourceRegistry).list()).filter((source) => (systems as string[]).includes(source.kind));
    for (const source of sources) await hub.app.get(JobDispatcher).enqueue(syncSource, { sourceId: source.id });
    const expected = systems.reduce((total, system) => total + sandbox.context.directories[system].records.length, 0);
    const queue = hub.app.get(Queues).get(QueueName.SourceSync);
    await eventually(
      async () => {
        // GP practices sync too (by scanning for NHS numbers the others found): counted apart.
        const [{ identities, linked }] = await query<{ identities: number; linked: number }>(
          `SELECT count(*)::int AS identities, count(l.id)::int AS linked FROM source_identity si
           LEFT JOIN identity_link l ON l.source_identity_id = si.id AND l.state = 'active' WHERE si.source_id = ANY($1::uuid[])`,
          [sources.map((source) => source.id)],
        );
        // Scheduled syncs always have a next run waiting as a delayed job: only the work in hand counts.
        const busy = (await queue.getJobCounts('waiting', 'active', 'prioritized')) as Record<string, number>;
        const rechecks = (await queue.getJobs(['delayed'])).filter((job) => job.name === matchIdentity.name).length;
        return identities === expected && linked === expected && rechecks === 0 && Object.values(busy).every((count) => count === 0)
          ? true
          : undefined;
      },
      120_000,
      'every record synced, matched and traced',
    );
  }, 150_000);
  afterAll(async () => {
    await hub?.stop();
    await sandbox?.stop();
    await rm(folder, { recursive: true, force: true });
    await dropDatabase(databaseUrl);
  });

  const query = async <T>(sql: string, parameters: unknown[] = []): Promise<T[]> => hub.app.get(DataSource).query(sql, parameters);

  /** Each source record's person in the index, and in the sandbox's truth. */
  const assignments = async () => {
    const rows = await query<{ kind: SystemId; local_id: string; person_id: string }>(
      `SELECT s.kind, si.local_id, l.person_id FROM identity_link l JOIN source_identity si ON si.id = l.source_identity_id
       JOIN source s ON s.id = si.source_id WHERE l.state = 'active' AND s.kind = ANY($1::text[])`,
      [systems],
    );
    return rows.map((row) => ({
      predicted: row.person_id,
      truth: sandbox.context.directories[row.kind].byLocalId.get(row.local_id)!.personId,
    }));
  };

  it('puts each person’s records together and nobody else’s (pairwise F1 of at least 0.98)', async () => {
    const found = await assignments();
    const metrics = pairMetrics(
      found.map((row) => row.predicted),
      found.map((row) => row.truth),
    );
    expect(metrics.precision).toBeGreaterThanOrEqual(0.98);
    expect(metrics.recall).toBeGreaterThanOrEqual(0.97);
    expect(metrics.f1).toBeGreaterThanOrEqual(0.98);
  });

  it('traces records without an NHS number (council clients above all) through PDS and links them on the number found', async () => {
    const traced = await query<{ kind: SystemId; local_id: string; traced_nhs_number: string; method: string }>(
      `SELECT s.kind, si.local_id, si.traced_nhs_number, l.method FROM source_identity si JOIN source s ON s.id = si.source_id
       JOIN identity_link l ON l.source_identity_id = si.id AND l.state = 'active' WHERE si.trace_status = 'traced'`,
    );
    expect(traced.filter((row) => row.kind === 'social-care').length).toBeGreaterThan(0);
    for (const row of traced) {
      const truth = sandbox.context.directories[row.kind].byLocalId.get(row.local_id)!;
      // A confident trace finds the person's real number (the PDS copy is the reference).
      const person = sandbox.context.directories.pds.byPersonId.get(truth.personId)?.[0];
      expect(row.traced_nhs_number).toBe(person?.nhsNumber);
    }
    expect(traced.some((row) => row.method === 'pds-trace')).toBe(true);
  });

  it('trains the first model by itself once the index has enough identities', async () => {
    const models = await eventually(async () => {
      const rows = await query<{ version: number; records: number }>(
        `SELECT version, (summary->>'records')::int AS records FROM match_model`,
      );
      return rows.length ? rows : undefined;
    }, 30_000);
    expect(models).toHaveLength(1);
    expect(models[0].records).toBeGreaterThanOrEqual(200);
  });

  it('trains the model on the index and re-matching with it changes no correct link', async () => {
    const trained = await hub.app.get(IdentityMatchingService).trainModel();
    expect(trained?.version).toMatch(/^index-/);
    const ids = await query<{ id: string }>(`SELECT id FROM source_identity ORDER BY id`);
    for (const { id } of ids) await hub.app.get(IdentityMatchingService).matchIdentity(id);
    const found = await assignments();
    const metrics = pairMetrics(
      found.map((row) => row.predicted),
      found.map((row) => row.truth),
    );
    expect(metrics.f1).toBeGreaterThanOrEqual(0.98);
  });
});
