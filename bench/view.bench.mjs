// Record view benchmark (issue 7): an open-loop load of record views through the hub's GraphQL
// API, against the sandbox's systems with injected latency, and what the hub adds on top of its
// slowest source. Goals on this machine: p99 overhead <= 25 ms at 200 views/s; with one source
// hung, the answer arrives within the deadline + 50 ms.
//
// What runs, each as its own process: the sandbox (`node dist/sandbox/main.js`, BENCH_POPULATION
// people, default the 206,000 borough) and the built hub (`node dist/main.js`, api role,
// LOG_LEVEL=warn, NODE_ENV=production, its sources from the sandbox's GET /sandbox/sources, the
// sandbox's identity providers trusted), on a database and Redis prefix of the run's own
// (bench-support.mjs), dropped afterwards whatever happens. Load generator: this process.
//
// The people: the same borough generated in this process (same seed, size and reference date as
// the sandbox) to find everyone known to all four care record systems (GP, acute, mental health,
// council) with exactly one living record in each carrying their own NHS number. Each gets five
// sources: their GP practice (GP Connect), the acute trust R9A, the mental health trust R9M, the
// council E09000019, and a "community" source for R9M that the benchmark registers through the
// operator's addSource mutation, pointing at the same FHIR base as the mental health source (the
// trust runs community services on the same system). Care plans also come from the hub's own
// shared care plans (a hub-hosted source every view asks), so an every-section view asks six.
//
// The identity index is seeded directly with SQL, not by running the sources' syncs (minutes at
// this population): per person one `person` row, one `source_identity` row per source (the GP's
// local id is the NHS number, the others' their own ids, demographics as that system holds them)
// and one active `identity_link` (method `nhs-number`, score 1), as the matcher leaves a
// deterministic NHS-number link. No identity_event history is written: record views never read it.
//
// The hub runs with RATE_LIMIT_POINTS 10,000,000 unless set: the load stands for many
// professionals but is sent with one token, which the per-principal limit (600 a minute) would refuse.
//
// The reader: the sandbox's hospital doctor (doctor.priya.raman, R9A, a clinician) with a token
// from the sandbox's staff identity provider. The sandbox's GP works at one practice, where only a
// handful of people are known to all four systems, and the hub learns of hospital attendances only
// through a worker processing the HL7 feed, so the doctor states a relationship to each chosen
// person through the declareRelationship mutation (self-declared, valid 60 minutes). A view then
// does the same reads as one on a recorded relationship (evidence and grants are both read for
// every professional's view) and audits one row.
//
// Before measuring: the sandbox left to finish its background index build, then every chosen
// person viewed once, unmeasured (the sandbox writes a history when first asked for it).
// Load: views sent on schedule whatever the answers (open loop; at most BENCH_MAX_IN_FLIGHT
// outstanding, beyond which a view is counted as not sent; BENCH_CONNECTIONS kept-alive
// connections; a view unanswered after BENCH_VIEW_TIMEOUT_MS counts as failed), each for a random
// chosen person, BENCH_WARMUP_SECONDS (5) of warm-up discarded. Every source (gp, acute,
// mental-health, social-care) answers after 40 ± 10 ms: the sandbox adds its jitter uniformly in
// [0, jitterMs), so latencyMs 30 + jitterMs 20. In order:
//   1. every section at BENCH_LOW_RATE (10/s) for BENCH_LOW_SECONDS (20): the hub unsaturated,
//      and the CPU one view costs each process;
//   2. the acute trust hung: BENCH_HUNG_VIEWS (50) views at BENCH_HUNG_RATE (5/s), every section,
//      deadlineMs 1000: how far past the deadline each answer arrives;
//   3. the sections a portal's first screen asks (allergies, medications, conditions) at
//      BENCH_RATE (200/s) for BENCH_SECONDS (30);
//   4. every section at BENCH_RATE for BENCH_SECONDS: the issue's figures.
// (The saturated runs last: circuits they open stay open for SOURCE_CIRCUIT_COOLDOWN_MS.)
// Overhead of a view = the response time measured here − the largest `latencyMs` (ms from the
// start of the view's assembly until that source answered) over every source of every section.
// CPU seconds of each process (hub, sandbox, load generator, the run database's PostgreSQL
// backends, Redis) are read from /proc around each run. Hub settings (SOURCE_CONCURRENCY, DATABASE_POOL_SIZE, ...) pass through
// from the environment. Last line: a JSON object of the summary figures.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

import { generatePopulation } from '../dist/sandbox/population/generate-population.js';
import { buildSystemDirectories } from '../dist/sandbox/records/system-records.js';
import { benchRun, median, percentile } from './bench-support.mjs';

const rate = Number(process.env.BENCH_RATE ?? 200);
const measureSeconds = Number(process.env.BENCH_SECONDS ?? 30);
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const populationSize = Number(process.env.BENCH_POPULATION ?? 206_000);
const maxInFlight = Number(process.env.BENCH_MAX_IN_FLIGHT ?? 1_000);
const lowRate = Number(process.env.BENCH_LOW_RATE ?? 10);
const lowSeconds = Number(process.env.BENCH_LOW_SECONDS ?? 20);
const hungViews = Number(process.env.BENCH_HUNG_VIEWS ?? 50);
const hungRate = Number(process.env.BENCH_HUNG_RATE ?? 5);
const HUNG_DEADLINE_MS = 1_000;
const VIEW_TIMEOUT_MS = Number(process.env.BENCH_VIEW_TIMEOUT_MS ?? 15_000);
const HUNG_SYSTEM = 'acute';
const SEED = 20_261_123;
const REFERENCE_DATE = new Date().toISOString().slice(0, 10);
const SOURCE_LATENCY = { latencyMs: 30, jitterMs: 20 };
const LATENCY_SYSTEMS = ['gp', 'acute', 'mental-health', 'social-care'];
const CARE_SYSTEMS = ['gp', 'acute', 'mental-health', 'social-care'];
const EVERY_SECTION = ['allergies', 'medications', 'conditions', 'observations', 'encounters', 'appointments', 'carePlans'];
const FIRST_SCREEN = ['allergies', 'medications', 'conditions'];
const READER = 'doctor.priya.raman';
/** Settings worth naming in the output when they are set (the rest of the environment passes through too). */
const HUB_SETTINGS = [
  'SOURCE_CONCURRENCY',
  'SOURCE_QUEUE_LIMIT',
  'SOURCE_RETRIES',
  'SOURCE_FAILURE_THRESHOLD',
  'SOURCE_CIRCUIT_COOLDOWN_MS',
  'DATABASE_POOL_SIZE',
  'RECORD_DEADLINE_MS',
  'RECORD_CACHE_TTL_S',
  'RATE_LIMIT_POINTS',
];
const OPERATOR = 'operator.daniel.cohen';
const COUNCIL = 'E09000019';
const MENTAL_HEALTH_TRUST = 'R9M';

const { databaseUrl, redisUrl, prefix, cleanUp } = benchRun();
const round = (value, places = 1) => (Number.isFinite(value) ? Math.round(value * 10 ** places) / 10 ** places : null);
const say = (line) => process.stdout.write(`${line}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- processes

const running = [];
// Never leave a process behind, even if this one is stopped half-way.
process.on('exit', () => {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
/** Starts `node <script>` with `env`; resolves once `ready()` does, rejects if it exits first. */
async function startProcess(name, script, env, ready) {
  const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((_, reject) =>
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}:\n${output.slice(-2_000)}`))),
  );
  exited.catch(() => undefined);
  const value = await Promise.race([ready(() => output), exited]);
  return { child, value, output: () => output };
}

async function stopProcess(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await gone;
  clearTimeout(timer);
}

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function until(what, check, timeoutMs = 120_000) {
  const started = Date.now();
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

// ---------------------------------------------------------------- CPU accounting from /proc

const TICKS_PER_SECOND = 100;
function cpuSecondsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}
function cpuSecondsNamed(name) {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) total += cpuSecondsOf(entry);
    } catch {
      // A process that ended while we looked.
    }
  }
  return total;
}
/**
 * Waits until a process has been all but idle (under 5% of a core) for two seconds running: the
 * sandbox builds its change-feed indexes in the background after it starts listening, which at
 * this population takes longer than the hub's start and would slow every source at first.
 */
async function untilIdle(pid, timeoutMs = 180_000) {
  const started = performance.now();
  let quiet = 0;
  let last = cpuSecondsOf(pid);
  while (quiet < 2) {
    if (performance.now() - started > timeoutMs) throw new Error('the sandbox never went idle');
    await sleep(1_000);
    const now = cpuSecondsOf(pid);
    quiet = now - last < 0.05 ? quiet + 1 : 0;
    last = now;
  }
  return (performance.now() - started) / 1000;
}

/** CPU seconds so far of the hub, the sandbox, this process, the run database's backends and Redis. */
async function cpuSnapshot(hub, sandbox, database) {
  const own = process.cpuUsage();
  // The hub's pooled connections live for the run; other databases' backends are not ours.
  const backends = (await database.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`))
    .rows;
  return {
    at: performance.now(),
    hub: cpuSecondsOf(hub.pid),
    sandbox: cpuSecondsOf(sandbox.pid),
    loadGenerator: (own.user + own.system) / 1e6,
    backends: new Map(backends.map(({ pid }) => [pid, cpuSecondsOf(pid)])),
    redis: cpuSecondsNamed('redis-server'),
  };
}
/** CPU seconds each process used between two snapshots. */
function cpuUsed(before, after) {
  const used = {};
  for (const key of ['hub', 'sandbox', 'loadGenerator', 'redis']) used[key] = after[key] - before[key];
  used.postgres = 0;
  for (const [pid, seconds] of after.backends) used.postgres += seconds - (before.backends.get(pid) ?? 0);
  return used;
}

// ---------------------------------------------------------------- HTTP

// As a reverse proxy would: a bounded pool of kept-alive connections (waiting for one counts in
// the response time), not a new connection per view overflowing the hub's accept queue.
const newAgent = () => new http.Agent({ keepAlive: true, maxSockets: Number(process.env.BENCH_CONNECTIONS ?? 256) });
let agent = newAgent();
function resetConnections() {
  agent.destroy();
  agent = newAgent();
}
function post(url, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(body);
    const request = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': payload.length, ...headers } },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode, text: Buffer.concat(chunks).toString() }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    // A view not answered in this long is counted as failed rather than waited for.
    request.setTimeout(VIEW_TIMEOUT_MS, () => request.destroy(Object.assign(new Error('no answer'), { code: 'client-timeout' })));
    request.end(payload);
  });
}

async function graphql(hubUrl, token, query, variables) {
  const { status, text } = await post(`${hubUrl}/graphql`, JSON.stringify({ query, variables }), { authorization: `Bearer ${token}` });
  const body = JSON.parse(text);
  if (status !== 200 || body.errors) throw new Error(`GraphQL HTTP ${status}: ${JSON.stringify(body.errors ?? body).slice(0, 500)}`);
  return body.data;
}

async function tokenFor(sandboxUrl, user) {
  const { status, text } = await post(`${sandboxUrl}/idp/token`, JSON.stringify({ user, expiresIn: 7_200 }));
  if (status !== 200) throw new Error(`sandbox token for ${user}: HTTP ${status}`);
  return JSON.parse(text).access_token;
}

async function setFault(sandboxUrl, system, fault) {
  const response = await fetch(`${sandboxUrl}/sandbox/faults/${system}`, {
    method: fault ? 'PUT' : 'DELETE',
    headers: { 'content-type': 'application/json' },
    ...(fault ? { body: JSON.stringify(fault) } : {}),
  });
  if (!response.ok) throw new Error(`sandbox fault ${system}: HTTP ${response.status}`);
}

// ---------------------------------------------------------------- the people

/** Everyone with exactly one living record in each care record system, each carrying their own NHS number. */
function peopleKnownEverywhere() {
  const population = generatePopulation({ seed: SEED, size: populationSize, referenceDate: REFERENCE_DATE });
  const directories = buildSystemDirectories(population);
  const chosen = [];
  for (const pds of directories.pds.records) {
    if (!pds.nhsNumber || pds.deathDate) continue;
    const records = {};
    for (const system of CARE_SYSTEMS) {
      const held = directories[system].byPersonId.get(pds.personId) ?? [];
      const record = held[0];
      if (held.length !== 1 || record.deathDate || record.nhsNumber !== pds.nhsNumber) break;
      records[system] = record;
    }
    if (Object.keys(records).length === CARE_SYSTEMS.length) chosen.push({ nhsNumber: pds.nhsNumber, records });
  }
  return chosen;
}

/** What the index keeps of a system's record (source-demographics.ts's fields), never clinical content. */
function demographicsOf(record, gpPracticeCode) {
  return {
    nhsNumber: record.nhsNumber,
    family: record.family,
    given: record.given,
    ...(record.middle ? { middle: record.middle } : {}),
    birthDate: record.birthDate,
    gender: record.sex,
    postcode: record.address.postcode,
    addressLines: record.address.lines,
    ...(gpPracticeCode ? { gpPracticeCode } : {}),
  };
}

async function seedIdentityIndex(client, people, sources) {
  const sourceOf = (kind, organisationCode) => {
    const found = sources.find((source) => source.kind === kind && (!organisationCode || source.organisation_code === organisationCode));
    if (!found) throw new Error(`no ${kind} source ${organisationCode ?? ''} registered`);
    return found.id;
  };
  const rows = [];
  for (const person of people) {
    const { gp, acute, 'mental-health': mentalHealth, 'social-care': socialCare } = person.records;
    person.identities = [
      { sourceId: sourceOf('gp', gp.organisationCode), localId: person.nhsNumber, d: demographicsOf(gp, gp.organisationCode) },
      { sourceId: sourceOf('acute'), localId: acute.localId, d: demographicsOf(acute) },
      { sourceId: sourceOf('mental-health', MENTAL_HEALTH_TRUST), localId: mentalHealth.localId, d: demographicsOf(mentalHealth) },
      { sourceId: sourceOf('community', MENTAL_HEALTH_TRUST), localId: mentalHealth.localId, d: demographicsOf(mentalHealth) },
      { sourceId: sourceOf('social-care', COUNCIL), localId: socialCare.localId, d: demographicsOf(socialCare) },
    ];
    rows.push({ nhs: person.nhsNumber, identities: person.identities });
  }
  const result = await client.query(
    `WITH input AS (
       SELECT item->>'nhs' AS nhs, item->'identities' AS identities FROM jsonb_array_elements($1::jsonb) AS item
     ), people AS (
       INSERT INTO person (id) SELECT gen_random_uuid() FROM input RETURNING id
     ), numbered_people AS (SELECT id, row_number() OVER () AS n FROM people),
     numbered_input AS (SELECT nhs, identities, row_number() OVER () AS n FROM input),
     identities AS (
       INSERT INTO source_identity (source_id, local_id, nhs_number, family, given, birth_date, gender, postcode, demographics)
       SELECT (i->>'sourceId')::uuid, i->>'localId', i->'d'->>'nhsNumber', i->'d'->>'family', i->'d'->>'given',
              (i->'d'->>'birthDate')::date, i->'d'->>'gender', i->'d'->>'postcode', i->'d'
         FROM numbered_input ni CROSS JOIN jsonb_array_elements(ni.identities) AS i
       RETURNING id, nhs_number
     )
     INSERT INTO identity_link (person_id, source_identity_id, method, score, explanation)
     SELECT np.id, si.id, 'nhs-number', 1,
            '{"fields": [], "priorWeight": 0, "totalWeight": 0, "probability": 1, "modelVersion": "rules", "notes": ["nhs-number-equal"]}'::jsonb
       FROM identities si JOIN numbered_input ni ON ni.nhs = si.nhs_number JOIN numbered_people np ON np.n = ni.n
     RETURNING person_id, source_identity_id`,
    [JSON.stringify(rows)],
  );
  await client.query('ANALYZE');
  const byNhs = new Map(
    (
      await client.query(
        `SELECT l.person_id, min(si.nhs_number) AS nhs, count(*)::int AS links FROM identity_link l
           JOIN source_identity si ON si.id = l.source_identity_id GROUP BY l.person_id`,
      )
    ).rows.map((row) => [row.nhs, row]),
  );
  for (const person of people) {
    const row = byNhs.get(person.nhsNumber);
    if (!row || row.links !== 5) throw new Error('a chosen person did not get five links');
    person.personId = row.person_id;
  }
  return result.rowCount;
}

// ---------------------------------------------------------------- the views

const sectionFields = (sections) =>
  sections
    .map(
      (section) =>
        `${section} { items { id display date status sources { sourceId asOf freshness } } sources { sourceId kind status latencyMs } conflicts { kind } }`,
    )
    .join('\n    ');
const viewQuery = (sections) => `query View($personId: ID!, $sections: [RecordSection!], $deadlineMs: Int) {
  record(personId: $personId, sections: $sections, deadlineMs: $deadlineMs) {
    elapsedMs
    ${sectionFields(sections)}
  }
}`;

/** One view: times it and reads each source's status and latency from the answer. */
async function view(hubUrl, token, people, sections, deadlineMs) {
  const person = people[Math.floor(Math.random() * people.length)];
  const body = JSON.stringify({
    query: viewQuery(sections),
    variables: { personId: person.personId, sections, ...(deadlineMs ? { deadlineMs } : {}) },
  });
  const sentAt = performance.now();
  try {
    const { status, text } = await post(`${hubUrl}/graphql`, body, { authorization: `Bearer ${token}` });
    const responseMs = performance.now() - sentAt;
    const answer = JSON.parse(text);
    const record = answer.data?.record;
    if (status !== 200 || answer.errors || !record) {
      const error = answer.errors?.[0];
      return { sentAt, responseMs, ok: false, error: error?.extensions?.code ?? `HTTP ${status}`, message: error?.message };
    }
    let slowestSourceMs = 0;
    const statuses = {};
    const asked = new Set();
    for (const section of sections) {
      for (const source of record[section]?.sources ?? []) {
        statuses[`${source.kind}:${source.status}`] = (statuses[`${source.kind}:${source.status}`] ?? 0) + 1;
        if (source.latencyMs !== null && source.latencyMs !== undefined) {
          slowestSourceMs = Math.max(slowestSourceMs, source.latencyMs);
          asked.add(source.sourceId);
        }
      }
    }
    return { sentAt, responseMs, ok: true, elapsedMs: record.elapsedMs, slowestSourceMs, sourcesAsked: asked.size, statuses };
  } catch (error) {
    return { sentAt, responseMs: performance.now() - sentAt, ok: false, error: error.code ?? error.message };
  }
}

/**
 * Views sent on schedule at `perSecond` for `seconds`, whatever the answers (open loop), with at
 * most maxInFlight outstanding. Resolves with every view's result once all have answered.
 */
function openLoop(perSecond, seconds, send) {
  const total = Math.round(perSecond * seconds);
  const results = [];
  const pending = [];
  let sent = 0;
  let inFlight = 0;
  let notSent = 0;
  let maxLagMs = 0;
  const started = performance.now();
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - started) / 1000) * perSecond) + 1);
      if (sent < due) maxLagMs = Math.max(maxLagMs, now - (started + (sent / perSecond) * 1000));
      for (; sent < due; sent++) {
        if (inFlight >= maxInFlight) {
          notSent += 1;
          continue;
        }
        inFlight += 1;
        pending.push(
          send().then((result) => {
            inFlight -= 1;
            results.push({ ...result, sentAt: result.sentAt - started, answeredAt: result.sentAt - started + result.responseMs });
          }),
        );
      }
      if (sent >= total) {
        clearInterval(timer);
        void Promise.all(pending).then(() => resolve({ results, notSent, maxLagMs }));
      }
    }, 2);
  });
}

const stats = (values) =>
  values.length
    ? {
        p50: round(median(values)),
        p95: round(percentile(values, 0.95)),
        p99: round(percentile(values, 0.99)),
        max: round(Math.max(...values)),
      }
    : { p50: null, p95: null, p99: null, max: null };
const line = (name, figures) =>
  `  ${name.padEnd(42)} p50 ${figures.p50} ms   p95 ${figures.p95} ms   p99 ${figures.p99} ms   max ${figures.max} ms`;

async function loadRun(label, { hub, sandbox, token, people, database }, sections, perSecond, seconds) {
  say(`\n${label}: ${perSecond} views/s offered for ${warmupSeconds} s warm-up + ${seconds} s, sections ${sections.join(', ')}`);
  const before = await cpuSnapshot(hub.child, sandbox.child, database);
  const { results, notSent, maxLagMs } = await openLoop(perSecond, warmupSeconds + seconds, () => view(hub.value, token, people, sections));
  const after = await cpuSnapshot(hub.child, sandbox.child, database);
  const used = cpuUsed(before, after);
  const runSeconds = (after.at - before.at) / 1000;
  // Fresh connections for the next run: an idle kept-alive socket the hub has just closed would fail a view.
  resetConnections();
  const windowStart = warmupSeconds * 1000;
  const windowEnd = windowStart + seconds * 1000;
  const measured = results.filter((result) => result.sentAt >= windowStart);
  const ok = measured.filter((result) => result.ok);
  const answeredInWindow = results.filter((result) => result.ok && result.answeredAt >= windowStart && result.answeredAt < windowEnd);
  const errors = {};
  const errorMessages = {};
  for (const result of measured.filter((r) => !r.ok)) {
    errors[result.error] = (errors[result.error] ?? 0) + 1;
    // The hub's error messages are safe words (no clinical content); the first of each kind.
    errorMessages[result.error] ??= String(result.message ?? '').slice(0, 160);
  }
  const statuses = {};
  for (const result of ok) for (const [key, count] of Object.entries(result.statuses)) statuses[key] = (statuses[key] ?? 0) + count;
  // CPU per answered view over the whole run (warm-up included): what one view costs each process.
  const answered = results.filter((result) => result.ok).length;
  const cpuMsPerView = {};
  for (const key of ['hub', 'sandbox', 'postgres']) cpuMsPerView[key] = answered ? round((used[key] * 1000) / answered) : null;
  const coresUsed = Object.fromEntries(Object.entries(used).map(([key, value]) => [key, round(value / runSeconds, 2)]));
  const figures = {
    sections,
    offeredPerSecond: perSecond,
    viewsPerSecond: round(answeredInWindow.length / seconds),
    views: measured.length,
    errors: measured.length - ok.length,
    errorKinds: errors,
    errorMessages,
    notSent,
    maxSendLagMs: round(maxLagMs),
    response: stats(ok.map((r) => r.responseMs)),
    slowestSource: stats(ok.map((r) => r.slowestSourceMs)),
    overhead: stats(ok.map((r) => r.responseMs - r.slowestSourceMs)),
    // Where the overhead is spent: outside the assembly (auth, decision, index reads, audit,
    // GraphQL, HTTP) and inside it after the slowest source answered (dedup, conflicts).
    outsideAssembly: stats(ok.map((r) => r.responseMs - r.elapsedMs)),
    afterSlowestSource: stats(ok.map((r) => r.elapsedMs - r.slowestSourceMs)),
    sourcesPerView: median(ok.map((r) => r.sourcesAsked)),
    statuses,
    coresUsed,
    cpuMsPerView,
    loadAverage: loadavg().map((value) => round(value, 2)),
  };
  say(
    `  achieved ${figures.viewsPerSecond} views/s answered; ${figures.views} views measured, ${figures.errors} errors ${JSON.stringify(errors)}, ${notSent} not sent, send lag max ${figures.maxSendLagMs} ms`,
  );
  for (const [kind, message] of Object.entries(errorMessages)) if (message) say(`  ${kind}: ${message}`);
  say(line('response time', figures.response));
  say(line('slowest source (latencyMs)', figures.slowestSource));
  say(line('overhead (response - slowest source)', figures.overhead));
  say(line('  of which outside the assembly', figures.outsideAssembly));
  say(line('  of which after the slowest source', figures.afterSlowestSource));
  say(`  sources asked per view (median): ${figures.sourcesPerView}`);
  say(`  source statuses: ${JSON.stringify(statuses)}`);
  say(
    `  cores used: ${JSON.stringify(figures.coresUsed)} (postgres: the run database's backends); load average ${figures.loadAverage.join(' ')}`,
  );
  say(`  CPU ms per answered view: ${JSON.stringify(cpuMsPerView)}`);
  return figures;
}

/**
 * One view of every chosen person, every section, a few at a time, not measured: the sandbox
 * writes a person's history when first asked (and its background index build evicts the ones
 * it wrote), which for these people, known everywhere, costs far more than serving it.
 */
async function viewEveryoneOnce({ hub, token, people }) {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < people.length) await view(hub.value, token, [people[next++]], EVERY_SECTION);
    }),
  );
  resetConnections();
  return (performance.now() - started) / 1000;
}

/**
 * Waits until no source's circuit is still refusing calls: a circuit opened by the previous run
 * stays open for SOURCE_CIRCUIT_COOLDOWN_MS and then lets a probe through, which the next run's
 * warm-up sends. Otherwise the next run would start with sources refused.
 */
async function untilCircuitsClosed({ hub, operatorToken }) {
  const started = Date.now();
  for (;;) {
    const { sources } = await graphql(
      hub.value,
      operatorToken,
      `
        {
          sources {
            connection {
              circuit
              probeAfter
            }
          }
        }
      `,
    );
    const refusing = sources
      .map((source) => source.connection)
      .filter((connection) => connection.circuit === 'open' && connection.probeAfter && Date.parse(connection.probeAfter) > Date.now());
    if (!refusing.length) {
      if (Date.now() - started > 1_000) say(`  (waited ${round((Date.now() - started) / 1000)} s for open circuits to allow a probe)`);
      return;
    }
    await sleep(Math.min(5_000, Math.max(...refusing.map((connection) => Date.parse(connection.probeAfter))) - Date.now() + 100));
  }
}

async function hungRun({ hub, sandbox, token, people }) {
  say(`\none source hung (${HUNG_SYSTEM}): ${hungViews} views at ${hungRate}/s, every section, deadlineMs ${HUNG_DEADLINE_MS}`);
  await setFault(sandbox.value, HUNG_SYSTEM, { hang: true });
  let outcome;
  try {
    outcome = await openLoop(hungRate, hungViews / hungRate, () => view(hub.value, token, people, EVERY_SECTION, HUNG_DEADLINE_MS));
  } finally {
    await setFault(sandbox.value, HUNG_SYSTEM, SOURCE_LATENCY);
  }
  resetConnections();
  const ok = outcome.results.filter((result) => result.ok);
  const extra = ok.map((result) => result.responseMs - HUNG_DEADLINE_MS);
  const hungStatuses = {};
  for (const result of ok)
    for (const [key, count] of Object.entries(result.statuses))
      if (key.startsWith(`${HUNG_SYSTEM}:`)) hungStatuses[key] = (hungStatuses[key] ?? 0) + count;
  const waited = ok.filter((result) => result.statuses[`${HUNG_SYSTEM}:timeout`]);
  const figures = {
    views: outcome.results.length,
    errors: outcome.results.length - ok.length,
    extra: stats(extra),
    extraWhenTimedOut: stats(waited.map((result) => result.responseMs - HUNG_DEADLINE_MS)),
    viewsTimedOut: waited.length,
    hungSourceStatuses: hungStatuses,
  };
  say(`  ${figures.views} views, ${figures.errors} errors; ${HUNG_SYSTEM} statuses ${JSON.stringify(hungStatuses)}`);
  say(line('response - deadline, every view', figures.extra));
  say(line(`response - deadline, ${HUNG_SYSTEM} timed out`, figures.extraWhenTimedOut));
  return figures;
}

// ---------------------------------------------------------------- the run

let sandbox;
let hub;
let folder;
let database;
let shuttingDown;
/** Stops both processes, removes the sources file and drops the run's database and Redis keys; once. */
function shutDown() {
  shuttingDown ??= (async () => {
    agent.destroy();
    await database?.end().catch(() => undefined);
    for (const child of [...running].reverse()) await stopProcess(child);
    if (folder) await rm(folder, { recursive: true, force: true });
    await cleanUp();
  })();
  return shuttingDown;
}
for (const signal of ['SIGINT', 'SIGTERM'])
  process.once(signal, () => {
    say(`${signal}: cleaning up`);
    void shutDown().finally(() => process.exit(130));
  });
try {
  say(`machine: ${cpus().length} cores (${cpus()[0]?.model}), Node ${process.version}; borough of ${populationSize} people`);
  sandbox = await startProcess(
    'sandbox',
    'dist/sandbox/main.js',
    {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'development',
      SANDBOX_PORT: '0',
      DEMO_POPULATION: String(populationSize),
      SANDBOX_SEED: String(SEED),
      SANDBOX_REFERENCE_DATE: REFERENCE_DATE,
    },
    (output) => until('the sandbox', async () => /listening on (http:\/\/[^\s]+)/.exec(output())?.[1]),
  );
  const people = peopleKnownEverywhere();
  say(`people known to GP, acute, mental health and the council (one living record each, own NHS number): ${people.length}`);
  if (people.length < 10) throw new Error('too few people for the benchmark: raise BENCH_POPULATION');

  folder = await mkdtemp(join(tmpdir(), 'tessera-bench-view-'));
  const sourcesFile = join(folder, 'sources.json');
  const manifest = await (await fetch(`${sandbox.value}/sandbox/sources`)).json();
  await writeFile(sourcesFile, JSON.stringify(manifest));
  const port = await freePort();
  hub = await startProcess(
    'hub',
    'dist/main.js',
    {
      ...process.env,
      NODE_ENV: 'production',
      TESSERA_ROLE: 'api',
      HOST: '127.0.0.1',
      PORT: String(port),
      MLLP_PORT: '0',
      LOG_LEVEL: 'warn',
      // The load stands for many professionals, sent with one token: the per-principal limit
      // (600 a minute by default) would refuse it. Set high rather than off, so its check stays in the path.
      RATE_LIMIT_POINTS: process.env.RATE_LIMIT_POINTS ?? '10000000',
      DATABASE_URL: databaseUrl,
      DATABASE_MIGRATE_ON_START: 'true',
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      SOURCES_FILE: sourcesFile,
      AUTH_ISSUERS: JSON.stringify([
        { issuer: `${sandbox.value}/idp/staff`, kind: 'staff', services: true },
        { issuer: `${sandbox.value}/idp/residents`, kind: 'resident' },
      ]),
    },
    () => until('the hub', async () => (await fetch(`http://127.0.0.1:${port}/health/live`)).ok && `http://127.0.0.1:${port}`),
  );
  say(`sandbox at ${sandbox.value}, hub at ${hub.value}`);
  const settings = HUB_SETTINGS.filter((name) => process.env[name] !== undefined).map((name) => `${name}=${process.env[name]}`);
  say(`hub settings from the environment: ${settings.join(' ') || 'none (defaults)'}`);

  // The fifth source: R9M's community services, on the mental health trust's system.
  const operatorToken = await tokenFor(sandbox.value, OPERATOR);
  const mentalHealth = manifest.sources.find((source) => source.kind === 'mental-health');
  await graphql(
    hub.value,
    operatorToken,
    `
      mutation Add($input: AddSourceInput!) {
        addSource(input: $input) {
          id
        }
      }
    `,
    {
      input: {
        organisationCode: MENTAL_HEALTH_TRUST,
        name: `${mentalHealth.organisation.name} (community services)`,
        kind: 'community',
        protocol: 'fhir-r4',
        baseUrl: mentalHealth.baseUrl,
        capabilities: mentalHealth.capabilities,
      },
    },
  );

  database = new pg.Client({ connectionString: databaseUrl });
  await database.connect();
  const sources = (await database.query(`SELECT id, kind, organisation_code FROM source`)).rows;
  const links = await seedIdentityIndex(database, people, sources);
  say(`identity index seeded: ${people.length} people, ${links} active links`);

  const token = await tokenFor(sandbox.value, READER);
  for (const person of people) {
    await graphql(
      hub.value,
      token,
      `
        mutation Declare($personId: ID!, $reason: String!) {
          declareRelationship(personId: $personId, reason: $reason) {
            id
          }
        }
      `,
      {
        personId: person.personId,
        reason: 'benchmark: record view load test',
      },
    );
  }
  say(`${READER} declared a relationship to each of them`);

  for (const system of LATENCY_SYSTEMS) await setFault(sandbox.value, system, SOURCE_LATENCY);
  // The unsaturated run and the hung source first: the saturated runs open circuits that stay
  // open for SOURCE_CIRCUIT_COOLDOWN_MS and would colour whatever came next.
  say(`sandbox idle (its background indexes built) after another ${round(await untilIdle(sandbox.child.pid))} s`);
  const bench = { hub, sandbox, token, operatorToken, people, database };
  say(`every person viewed once (not measured) in ${round(await viewEveryoneOnce(bench))} s`);
  await untilCircuitsClosed(bench);
  const low = await loadRun('run 1, every section, low rate', bench, EVERY_SECTION, lowRate, lowSeconds);
  await untilCircuitsClosed(bench);
  const hung = await hungRun(bench);
  await untilCircuitsClosed(bench);
  const firstScreen = await loadRun('run 2, first screen, target rate', bench, FIRST_SCREEN, rate, measureSeconds);
  await untilCircuitsClosed(bench);
  const every = await loadRun('run 3, every section, target rate', bench, EVERY_SECTION, rate, measureSeconds);

  say(
    JSON.stringify({
      target_rate: rate,
      sections: 'every',
      views_per_s: every.viewsPerSecond,
      overhead_p50_ms: every.overhead.p50,
      overhead_p95_ms: every.overhead.p95,
      overhead_p99_ms: every.overhead.p99,
      response_p50_ms: every.response.p50,
      response_p95_ms: every.response.p95,
      response_p99_ms: every.response.p99,
      errors: every.errors,
      not_sent: every.notSent,
      sources_per_view_median: every.sourcesPerView,
      first_screen_views_per_s: firstScreen.viewsPerSecond,
      first_screen_overhead_p50_ms: firstScreen.overhead.p50,
      first_screen_overhead_p99_ms: firstScreen.overhead.p99,
      first_screen_response_p50_ms: firstScreen.response.p50,
      first_screen_response_p99_ms: firstScreen.response.p99,
      first_screen_errors: firstScreen.errors,
      first_screen_sources_per_view_median: firstScreen.sourcesPerView,
      low_rate: lowRate,
      low_rate_views_per_s: low.viewsPerSecond,
      low_rate_overhead_p50_ms: low.overhead.p50,
      low_rate_overhead_p99_ms: low.overhead.p99,
      low_rate_outside_assembly_p50_ms: low.outsideAssembly.p50,
      low_rate_slowest_source_p50_ms: low.slowestSource.p50,
      low_rate_response_p50_ms: low.response.p50,
      low_rate_response_p99_ms: low.response.p99,
      low_rate_errors: low.errors,
      low_rate_hub_cpu_ms_per_view: low.cpuMsPerView.hub,
      low_rate_sandbox_cpu_ms_per_view: low.cpuMsPerView.sandbox,
      low_rate_postgres_cpu_ms_per_view: low.cpuMsPerView.postgres,
      hung_source_extra_ms: hung.extra.p99,
      hung_source_extra_p50_ms: hung.extra.p50,
      hung_source_extra_max_ms: hung.extra.max,
      hung_source_extra_timed_out_p99_ms: hung.extraWhenTimedOut.p99,
      hung_views_timed_out: hung.viewsTimedOut,
      hung_errors: hung.errors,
      people: people.length,
      hub_cores: every.coresUsed.hub,
      sandbox_cores: every.coresUsed.sandbox,
      load_average_1m: every.loadAverage[0],
    }),
  );
} finally {
  await shutDown();
}
