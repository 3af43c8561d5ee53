// One real-time match against an index of 1,000,000 source identities in PostgreSQL: the
// candidates read through the GIN-indexed blocking keys, each judged with the trained model.
// Set-up (not timed): a sandbox borough's records (two seeds, to pass a million) recorded as
// the syncs record them (normalised record and blocking keys included), each person given the
// links the matcher would have made (from the sandbox truth, so candidates have persons), and
// the model trained on the index. Then BENCH_MATCHES identities, chosen at random, are matched
// one at a time: plan only (find and judge, no writes) and, for a smaller sample, the full match
// with its writes. Figures: median and p99 in ms. Last line: {"match_p99_ms": ...}.
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';

import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';

import { benchRun, median, percentile } from './bench-support.mjs';

const dist = new URL('../dist/', import.meta.url);
const load = (path) => import(new URL(path, dist).href);
const { AppModule } = await load('app.module.js');
const { AppConfig } = await load('platform/config/index.js');
const { ensureDatabaseExists, migrateUp } = await load('platform/database/index.js');
const { IdentityMatchingService } = await load('modules/identity-matching/index.js');
const { SourceIdentityRepository } = await load('modules/identity-matching/repositories/source-identity.repository.js');
const { SourceRegistry } = await load('modules/source-connectors/index.js');
const { generatePopulation } = await load('sandbox/population/generate-population.js');
const { buildSystemDirectories } = await load('sandbox/records/system-records.js');

const target = Number(process.env.BENCH_IDENTITIES ?? 1_000_000);
const matches = Number(process.env.BENCH_MATCHES ?? 2_000);
const fullMatches = Number(process.env.BENCH_FULL_MATCHES ?? 300);
const say = (line) => process.stderr.write(`${line}\n`);

const run = benchRun();
let app;
try {
  await ensureDatabaseExists(run.databaseUrl);
  await migrateUp({ url: run.databaseUrl, poolSize: 2 });
  const config = AppConfig.fromEnvironment(
    {},
    {
      NODE_ENV: 'production',
      TESSERA_ROLE: 'api',
      DATABASE_URL: run.databaseUrl,
      REDIS_URL: run.redisUrl,
      REDIS_PREFIX: run.prefix,
      LOG_LEVEL: 'error',
      DATABASE_POOL_SIZE: '8',
    },
  );
  app = await NestFactory.createApplicationContext(AppModule.register(config, { graphql: false }), { logger: ['error'] });
  const database = app.get(DataSource);
  const identities = app.get(SourceIdentityRepository);
  const registry = app.get(SourceRegistry);

  // Loading a million rows is faster with the blocking-key index built once at the end, as an
  // operator seeding the index would do; it is rebuilt before anything is timed.
  await database.query('DROP INDEX source_identity_match_keys');
  // The sandbox's care record systems, two boroughs' worth, until the index holds `target` identities.
  const sources = new Map();
  let recorded = 0;
  const started = performance.now();
  for (const seed of [20261123, 20261124, 20261125]) {
    if (recorded >= target) break;
    const population = generatePopulation({ seed, size: 500_000, referenceDate: '2026-11-23' });
    const directories = buildSystemDirectories(population);
    for (const system of ['gp', 'acute', 'mental-health', 'social-care']) {
      const key = `${seed}-${system}`;
      if (!sources.has(key)) {
        const source = await registry.add({
          organisationCode: `B${seed % 1000}${system.slice(0, 2).toUpperCase()}`,
          name: `${system} ${seed}`,
          kind: system,
          protocol: system === 'social-care' ? 'social-care-json' : system === 'gp' ? 'gp-connect' : 'fhir-r4',
          baseUrl: 'http://127.0.0.1:9/',
          enabled: false,
        });
        sources.set(key, source.id);
      }
      const records = directories[system].records;
      for (let i = 0; i < records.length && recorded < target; i += 5_000) {
        const batch = records.slice(i, Math.min(i + 5_000, i + target - recorded)).map((record) => ({
          localId: `${record.localId}`,
          personKey: `${seed}-${record.personId}`,
          demographics: {
            ...(record.nhsNumber ? { nhsNumber: record.nhsNumber } : {}),
            given: record.given,
            ...(record.middle ? { middle: record.middle } : {}),
            family: record.family,
            birthDate: record.birthDate,
            gender: record.sex,
            postcode: record.address.postcode,
            addressLines: record.address.lines,
          },
        }));
        await identities.record(
          sources.get(key),
          batch.map(({ localId, demographics }) => ({ localId, demographics })),
        );
        // The persons the matcher would have made: one per sandbox person.
        await database.query(
          `WITH batch AS (SELECT item->>'localId' AS local_id, item->>'personKey' AS person_key FROM jsonb_array_elements($2::jsonb) AS item),
                persons AS (INSERT INTO person (id) SELECT DISTINCT md5(person_key)::uuid FROM batch ON CONFLICT DO NOTHING RETURNING id)
           INSERT INTO identity_link (person_id, source_identity_id, method, score, explanation)
           SELECT md5(b.person_key)::uuid, si.id, 'nhs-number', 1, '{}'::jsonb FROM batch b JOIN source_identity si ON si.source_id = $1 AND si.local_id = b.local_id`,
          [sources.get(key), JSON.stringify(batch.map(({ localId, personKey }) => ({ localId, personKey })))],
        );
        recorded += batch.length;
        if (recorded % 100_000 < 5_000)
          say(`index: ${recorded} identities recorded (${((performance.now() - started) / 1000).toFixed(0)} s)`);
      }
    }
  }
  say(`index: ${recorded} identities in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  const indexing = performance.now();
  await database.query("SET maintenance_work_mem = '1GB'");
  await database.query('CREATE INDEX source_identity_match_keys ON source_identity USING gin (match_keys)');
  await database.query('ANALYZE');
  say(`index: blocking-key index built in ${((performance.now() - indexing) / 1000).toFixed(0)} s`);

  const service = app.get(IdentityMatchingService);
  const trainingStarted = performance.now();
  const trained = await service.trainModel();
  say(`model: ${trained?.version} trained in ${((performance.now() - trainingStarted) / 1000).toFixed(1)} s`);

  const ids = (await database.query(`SELECT id FROM source_identity ORDER BY random() LIMIT $1`, [matches + fullMatches])).map(
    (row) => row.id,
  );
  for (const id of ids.slice(0, 50)) await service.planMatch(id); // warm-up: JIT, pool, caches
  const planTimes = [];
  for (const id of ids.slice(0, matches)) {
    const t0 = performance.now();
    await service.planMatch(id);
    planTimes.push(performance.now() - t0);
  }
  const fullTimes = [];
  for (const id of ids.slice(matches, matches + fullMatches)) {
    const t0 = performance.now();
    await service.matchIdentity(id);
    fullTimes.push(performance.now() - t0);
  }
  const round = (value) => Math.round(value * 100) / 100;
  const summary = {
    index_identities: recorded,
    matches: planTimes.length,
    match_p50_ms: round(median(planTimes)),
    match_p99_ms: round(percentile(planTimes, 0.99)),
    full_matches: fullTimes.length,
    full_match_p50_ms: round(median(fullTimes)),
    full_match_p99_ms: round(percentile(fullTimes, 0.99)),
  };
  console.log(
    `single match (find and judge candidates) against ${recorded} identities: median ${summary.match_p50_ms} ms, p99 ${summary.match_p99_ms} ms over ${planTimes.length}`,
  );
  console.log(
    `full match (with link and event writes): median ${summary.full_match_p50_ms} ms, p99 ${summary.full_match_p99_ms} ms over ${fullTimes.length}`,
  );
  console.log(JSON.stringify(summary));
} finally {
  await app?.close();
  await run.cleanUp();
}
