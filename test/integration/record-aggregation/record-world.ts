import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import request from 'supertest';
import { DataSource } from 'typeorm';

import type { RunningHub } from '../../../src/bootstrap.js';
import { IdentityMatchingService } from '../../../src/modules/identity-matching/index.js';
import { type Source, SourceConnectors, SourceRegistry } from '../../../src/modules/source-connectors/index.js';
import { dropDatabase, ensureDatabaseExists, migrateUp } from '../../../src/platform/database/index.js';
import { generatePopulation } from '../../../src/sandbox/population/generate-population.js';
import type { SystemId, SystemRecord } from '../../../src/sandbox/records/system-record.types.js';
import { startSandbox, type RunningSandbox } from '../../../src/sandbox/server/sandbox-server.js';
import { bearer } from '../../setup/test-issuer.js';
import { eventually, startTestHub } from '../../setup/test-hub.js';
import { freshDatabaseUrl } from '../../setup/test-run.js';

// A borough for record tests: the sandbox's systems registered as sources, and a chosen set of
// its people placed in the identity index the way syncs place them (each system's own record,
// read through its connector, matched by the worker), so record views reach real sources.

type Settings = Parameters<typeof startTestHub>[0];

/** A sandbox person as the tests know them: their NHS number and each system's record. */
export interface WorldPerson {
  truthId: string;
  nhsNumber: string;
  records: Partial<Record<SystemId, SystemRecord>>;
  /** The hub's person id, once linked. */
  personId: string;
  /** ODS code of their GP practice. */
  practice: string;
}

export interface RecordWorld {
  sandbox: RunningSandbox;
  hub: RunningHub;
  sources: Source[];
  people: WorldPerson[];
  sourceFor(system: SystemId, organisationCode?: string): Source;
  graphql<T = Record<string, unknown>>(token: string, query: string, variables?: Record<string, unknown>): Promise<GraphqlAnswer<T>>;
  setFault(system: SystemId, fault: Record<string, unknown> | null): Promise<void>;
  stop(): Promise<void>;
}

export interface GraphqlAnswer<T> {
  status: number;
  data: T | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: { code?: string; reason?: string } }>;
  requestId: string;
}

export interface WorldOptions {
  /** Database name part; the world has a database of its own. */
  name: string;
  /** People in the borough. */
  population?: number;
  /** Which people to link: each must be known to every system listed. */
  choose: Array<{
    systems: SystemId[];
    count: number;
    where?: (person: { truthId: string; records: Partial<Record<SystemId, SystemRecord>> }, sandbox: RunningSandbox) => boolean;
  }>;
  /** Hub settings; a function when they depend on the sandbox's people (a policy file naming a code one of them has). */
  hub?: Settings | ((sandbox: RunningSandbox) => Settings | Promise<Settings>);
}

const REFERENCE_DATE = '2026-11-23';

/** One clean record per system, with the person's real NHS number: deterministic NHS-number links. */
export function usableRecords(
  sandbox: RunningSandbox,
  truthId: string,
  nhsNumber: string,
): Partial<Record<SystemId, SystemRecord>> | undefined {
  const records: Partial<Record<SystemId, SystemRecord>> = {};
  for (const system of ['gp', 'acute', 'mental-health', 'social-care'] as const) {
    const held = sandbox.context.directories[system].byPersonId.get(truthId) ?? [];
    if (held.length > 1) return undefined;
    const record = held[0];
    if (!record) continue;
    if (record.nhsNumber !== nhsNumber || record.deathDate) return undefined;
    records[system] = record;
  }
  return records;
}

export async function startRecordWorld(options: WorldOptions): Promise<RecordWorld> {
  const sandbox = await startSandbox({
    population: generatePopulation({ seed: 71, size: options.population ?? 1_200, referenceDate: REFERENCE_DATE }),
    host: '127.0.0.1',
    port: 0,
  });
  const folder = await mkdtemp(join(tmpdir(), `tessera-${options.name}-`));
  const file = join(folder, 'sources.json');
  await writeFile(file, await (await fetch(`${sandbox.url}/sandbox/sources`)).text());
  const databaseUrl = freshDatabaseUrl(options.name);
  await ensureDatabaseExists(databaseUrl);
  await migrateUp({ url: databaseUrl, poolSize: 1 });
  const settings = typeof options.hub === 'function' ? await options.hub(sandbox) : options.hub;
  // The chosen people are placed by hand: no background syncs to load the machine or announce identity changes.
  const hub = await startTestHub({
    DATABASE_URL: databaseUrl,
    SOURCES_FILE: file,
    TESSERA_ROLE: 'all',
    SOURCE_SYNC_INTERVAL_S: '0',
    ...settings,
  });
  const sources = await hub.app.get(SourceRegistry).list();
  const sourceFor = (system: SystemId, organisationCode?: string): Source => {
    const found = sources.find((source) => source.kind === system && (!organisationCode || source.organisationCode === organisationCode));
    if (!found) throw new Error(`no ${system} source ${organisationCode ?? ''}`);
    return found;
  };

  // Choose people deterministically: the first in the PDS directory who fit.
  const chosen: WorldPerson[] = [];
  const taken = new Set<string>();
  for (const want of options.choose) {
    let found = 0;
    for (const pds of sandbox.context.directories.pds.records) {
      if (found >= want.count) break;
      if (taken.has(pds.personId) || !pds.nhsNumber) continue;
      const records = usableRecords(sandbox, pds.personId, pds.nhsNumber);
      if (!records || !want.systems.every((system) => records[system]) || !records.gp) continue;
      if (want.where && !want.where({ truthId: pds.personId, records }, sandbox)) continue;
      taken.add(pds.personId);
      found += 1;
      chosen.push({ truthId: pds.personId, nhsNumber: pds.nhsNumber, records, personId: '', practice: records.gp.organisationCode });
    }
    if (found < want.count) throw new Error(`only ${found} of ${want.count} people known to ${want.systems.join(', ')}`);
  }

  // Each system's own record through its connector, recorded as a sync records it; the worker matches them.
  const connectors = hub.app.get(SourceConnectors);
  const index = hub.app.get(IdentityMatchingService);
  for (const person of chosen) {
    for (const [system, record] of Object.entries(person.records) as Array<[SystemId, SystemRecord]>) {
      const source = sourceFor(system, system === 'gp' ? record.organisationCode : undefined);
      const localId = system === 'gp' ? person.nhsNumber : record.localId;
      const connector = await connectors.forSource(source.id);
      const patient = await connector!.readPatient(localId);
      await index.recordSourceIdentities(source.id, [{ localId, patient }]);
    }
  }
  const dataSource = hub.app.get(DataSource);
  for (const person of chosen) {
    const systems = Object.keys(person.records).length;
    person.personId = await eventually(
      async () => {
        const rows: Array<{ person_id: string; links: number }> = await dataSource.query(
          `SELECT l.person_id, count(*)::int AS links FROM identity_link l JOIN source_identity si ON si.id = l.source_identity_id
           WHERE l.state = 'active' AND (si.nhs_number = $1 OR si.local_id = $1) GROUP BY l.person_id`,
          [person.nhsNumber],
        );
        return rows.length === 1 && rows[0]!.links === systems ? rows[0]!.person_id : undefined;
      },
      60_000,
      `the person with ${systems} records linked`,
    );
  }

  const graphql = async <T>(token: string, query: string, variables?: Record<string, unknown>): Promise<GraphqlAnswer<T>> => {
    const response = await request(hub.url)
      .post('/graphql')
      .set('Authorization', bearer(token))
      .send({ query, ...(variables ? { variables } : {}) });
    const body = response.body as { data?: T | null; errors?: GraphqlAnswer<T>['errors'] };
    return {
      status: response.status,
      data: body.data ?? null,
      ...(body.errors ? { errors: body.errors } : {}),
      requestId: String(response.headers['x-request-id'] ?? ''),
    };
  };

  const setFault = async (system: SystemId, fault: Record<string, unknown> | null): Promise<void> => {
    const response = await fetch(`${sandbox.url}/sandbox/faults/${system}`, {
      method: fault ? 'PUT' : 'DELETE',
      headers: { 'content-type': 'application/json' },
      ...(fault ? { body: JSON.stringify(fault) } : {}),
    });
    if (!response.ok) throw new Error(`sandbox fault ${system}: HTTP ${response.status}`);
  };

  return {
    sandbox,
    hub,
    sources,
    people: chosen,
    sourceFor,
    graphql,
    setFault,
    stop: async () => {
      await hub.stop();
      await sandbox.stop();
      await rm(folder, { recursive: true, force: true });
      await dropDatabase(databaseUrl);
    },
  };
}

/** Every field of a section, for queries. */
export const SECTION_FIELDS = `
  items { id section display date status resource sources { sourceId name organisationCode kind resourceId asOf freshness } }
  sources { sourceId name organisationCode kind status reason fetchedAt freshness itemCount }
  conflicts { kind section description itemIds positions { sourceId organisationCode says } }`;

export interface SectionView {
  items: Array<{
    id: string;
    section: string;
    display: string;
    date: string | null;
    status: string | null;
    resource: Record<string, unknown> & { resourceType: string };
    sources: Array<{
      sourceId: string;
      name: string;
      organisationCode: string;
      kind: string;
      resourceId: string | null;
      asOf: string;
      freshness: string;
    }>;
  }>;
  sources: Array<{
    sourceId: string;
    name: string;
    organisationCode: string;
    kind: string;
    status: string;
    reason: string | null;
    fetchedAt: string | null;
    freshness: string | null;
    itemCount: number;
  }>;
  conflicts: Array<{
    kind: string;
    section: string;
    description: string;
    itemIds: string[];
    positions: Array<{ sourceId: string; says: string }>;
  }>;
}
