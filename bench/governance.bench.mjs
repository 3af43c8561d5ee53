// Governance benchmark: what the access decision and its audit row add to a request that reads a
// person's data (issue 6: at most 3 ms at p99). In-process, on the built services (npm run build)
// and a database of its own: each request reads a person's identity links from the identity
// index (the baseline), and the governed request does the same read, decides access with the
// policy in config/access-policy.json and waits until its audit row is committed (the hub's rule:
// no data leaves without its audit row). Last line: a JSON object of the summary figures.
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { AuditTrail, AuditVerifier, decideAccess, loadAccessPolicyFile } from '../dist/modules/governance/index.js';
import { buildDataSourceOptions, ensureDatabaseExists, migrateUp } from '../dist/platform/database/index.js';
import { benchRun, median, percentile } from './bench-support.mjs';

const requests = Number(process.env.BENCH_REQUESTS ?? 2000);
const people = Number(process.env.BENCH_PEOPLE ?? 5000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const concurrencies = (process.env.BENCH_CONCURRENCY ?? '1,8').split(',').map(Number);
const { databaseUrl, cleanUp } = benchRun();

// The borough's organisations, as in the sandbox: a GP practice, the acute trust, the mental
// health trust and the council. The clinician works at the acute trust and reads GP data across
// the islington-health sharing agreement.
const GP = 'F83001';
const ACUTE = 'R9A';
const MENTAL_HEALTH = 'R9M';
const COUNCIL = 'E09000019';
const SOURCES = [
  { organisationCode: GP, kind: 'gp' },
  { organisationCode: ACUTE, kind: 'acute' },
  { organisationCode: MENTAL_HEALTH, kind: 'mental-health' },
  { organisationCode: COUNCIL, kind: 'social-care' },
];
const ORGANISATION_KINDS = { [GP]: 'gp', [ACUTE]: 'acute', [MENTAL_HEALTH]: 'mental-health', [COUNCIL]: 'social-care' };
const SECTIONS = ['demographics', 'allergies', 'medications', 'conditions', 'observations', 'encounters', 'appointments', 'carePlans'];

const policy = loadAccessPolicyFile(resolve('config/access-policy.json'));
const clinician = {
  kind: 'professional',
  subject: 'bench-clinician-1',
  issuer: 'http://127.0.0.1:4010/idp/staff',
  name: 'Dr Bench Clinician',
  roles: ['clinician'],
  roleCodes: ['S8000:G8000:R8000'],
  organisation: { code: ACUTE },
};

async function seed(dataSource) {
  const sourceIds = [];
  for (const source of SOURCES) {
    const [row] = await dataSource.query(
      `INSERT INTO source (organisation_code, name, kind, protocol, base_url, capabilities)
       VALUES ($1, $2, $3, 'fhir-r4', 'http://127.0.0.1:1/', '{}') RETURNING id`,
      [source.organisationCode, `bench ${source.kind}`, source.kind],
    );
    sourceIds.push(row.id);
  }
  // One person per NHS number, known to every source: four identities and four active links.
  await dataSource.query(
    `WITH p AS (
       INSERT INTO person (id) SELECT gen_random_uuid() FROM generate_series(1, $1) RETURNING id
     ), numbered AS (SELECT id, row_number() OVER () AS n FROM p),
     identities AS (
       INSERT INTO source_identity (source_id, local_id, nhs_number, family, given, birth_date, gender, postcode, demographics)
       SELECT s.id, 'local-' || n.n, (9000000000 + n.n)::text, 'Family' || n.n, 'Given', DATE '1950-01-01' + (n.n % 20000)::int,
              'female', 'N1 1AA', '{}'::jsonb
         FROM numbered n CROSS JOIN unnest($2::uuid[]) AS s(id)
       RETURNING id, nhs_number
     )
     INSERT INTO identity_link (person_id, source_identity_id, method, score, explanation)
     SELECT n.id, i.id, 'nhs-number', 1, '{}'::jsonb FROM identities i JOIN numbered n ON (9000000000 + n.n)::text = i.nhs_number`,
    [people, sourceIds],
  );
  await dataSource.query('ANALYZE');
  return (await dataSource.query(`SELECT id FROM person ORDER BY id`)).map((row) => row.id);
}

/** The read every request makes: a person's active identity links with their sources. */
const READ = `SELECT il.id, si.local_id, si.nhs_number, s.id AS source_id, s.organisation_code, s.kind
  FROM identity_link il JOIN source_identity si ON si.id = il.source_identity_id JOIN source s ON s.id = si.source_id
  WHERE il.person_id = $1 AND il.state = 'active'`;

/** The audit row for a decision: ids and codes only (no names of the person, no clinical content). */
function auditEvent(decision, requestId, nhsNumber, sourceIds) {
  return {
    requestId,
    action: 'read',
    outcome: decision.outcome,
    outcomeReason: decision.deniedSections[0]?.reason ?? null,
    purpose: decision.purposeOfUse,
    agent: {
      principalKind: decision.principal.kind,
      subject: decision.principal.subject,
      issuer: decision.principal.issuer,
      name: clinician.name,
      roleCode: decision.principal.roleCodes[0] ?? null,
      hubRole: decision.principal.roles[0] ?? null,
      organisationCode: decision.principal.organisationCode ?? null,
    },
    entity: {
      personId: decision.personId,
      nhsNumber,
      sections: decision.allowedSections,
      sources: sourceIds,
      queryKind: 'person.record',
      detail: { basis: decision.basis, denied: decision.deniedSections.map((denial) => denial.section) },
    },
  };
}

async function baseline(dataSource, personId) {
  const t0 = performance.now();
  const links = await dataSource.query(READ, [personId]);
  if (!links.length) throw new Error('the person has no links');
  return { totalMs: performance.now() - t0 };
}

async function governed(dataSource, trail, personId, inOwnTransaction = false) {
  const t0 = performance.now();
  const links = await dataSource.query(READ, [personId]);
  const t1 = performance.now();
  const gpLink = links.find((link) => link.organisation_code === GP);
  const decision = decideAccess(
    {
      principal: clinician,
      person: {
        id: personId,
        nhsNumber: links[0].nhs_number,
        restricted: false,
        consent: {
          optedOut: false,
          hiddenSections: [{ section: 'conditions', organisationKinds: ['social-care'] }],
          refusesBreakGlass: false,
        },
      },
      sections: SECTIONS,
      relationshipEvidence: [
        { kind: 'gp-registration', organisationCode: GP, date: '2015-01-01' },
        { kind: 'attendance', organisationCode: ACUTE, date: new Date(Date.now() - 3 * 86_400_000).toISOString() },
      ],
      organisationKinds: ORGANISATION_KINDS,
      now: new Date(),
    },
    policy,
  );
  // What the resolver then asks of the decision for each source it would fetch from.
  const sources = links.filter((link) => SECTIONS.some((section) => decision.sourceAllowed(link.organisation_code, section)));
  if (!decision.isAllowed || !sources.includes(gpLink)) throw new Error('the clinician should see the GP record');
  const t2 = performance.now();
  const events = [
    auditEvent(
      decision,
      randomUUID(),
      links[0].nhs_number,
      sources.map((link) => link.source_id),
    ),
  ];
  // The request's own transaction takes the locking path (four round trips, no grouping).
  if (inOwnTransaction) await dataSource.transaction((manager) => trail.record(events, manager));
  else await trail.record(events);
  const t3 = performance.now();
  return { totalMs: t3 - t0, decisionMs: t2 - t1, auditMs: t3 - t2, overheadMs: t3 - t1 };
}

/** What any durable commit costs here (WAL flush and fsync): a one-row INSERT into a scratch table, auto-committed. */
async function commitFloor(dataSource) {
  const t0 = performance.now();
  await dataSource.query(`INSERT INTO bench_commit_floor DEFAULT VALUES`);
  return { totalMs: performance.now() - t0 };
}

/** N requests for different people, `concurrency` at a time; per-request timings and the rate. */
async function load(concurrency, personIds, one) {
  const results = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        const index = next++;
        results.push(await one(personIds[index % personIds.length]));
      }
    }),
  );
  return { results, perSecond: requests / ((performance.now() - started) / 1000) };
}

const stats = (values) => ({ p50: median(values), p99: percentile(values, 0.99) });
const fixed = (value) => Number(value.toFixed(3));

let dataSource;
try {
  await ensureDatabaseExists(databaseUrl);
  await migrateUp({ url: databaseUrl, poolSize: 1 });
  // As the hub runs: one pool (DATABASE_POOL_SIZE defaults to 10) for reads and audit writes.
  dataSource = await new DataSource({ ...buildDataSourceOptions({ url: databaseUrl, poolSize: 10 }), migrations: [] }).initialize();
  const trail = new AuditTrail(dataSource);
  const personIds = await seed(dataSource);
  await dataSource.query(`CREATE TABLE bench_commit_floor (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())`);
  // Shuffled, so consecutive requests read different parts of the index.
  for (let i = personIds.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [personIds[i], personIds[j]] = [personIds[j], personIds[i]];
  }
  const [{ before }] = await dataSource.query(`SELECT count(*)::int AS before FROM audit_event`);

  const summary = {};
  let governedRequests = 0;
  for (const concurrency of concurrencies) {
    // Warm up both, then alternate baseline and governed rounds (the machine is shared) and
    // quote the median of the rounds' figures.
    await load(concurrency, personIds, (id) => baseline(dataSource, id));
    await load(concurrency, personIds, (id) => governed(dataSource, trail, id));
    governedRequests += requests;
    const figures = [];
    for (let round = 0; round < rounds; round++) {
      const plain = await load(concurrency, personIds, (id) => baseline(dataSource, id));
      const [{ startId }] = await dataSource.query(`SELECT last_id AS "startId" FROM audit_chain_head`);
      const audited = await load(concurrency, personIds, (id) => governed(dataSource, trail, id));
      // A group commit stamps its rows with one time: rows per distinct time is rows per commit (about).
      const [{ perCommit }] = await dataSource.query(
        `SELECT count(*)::float / count(DISTINCT recorded_at) AS "perCommit" FROM audit_event WHERE id > $1`,
        [startId],
      );
      const locking = await load(concurrency, personIds, (id) => governed(dataSource, trail, id, true));
      governedRequests += 2 * requests;
      const a = stats(plain.results.map((r) => r.totalMs));
      const b = stats(audited.results.map((r) => r.totalMs));
      figures.push({
        baseline: a,
        governed: b,
        decision: stats(audited.results.map((r) => r.decisionMs)),
        audit: stats(audited.results.map((r) => r.auditMs)),
        overhead: stats(audited.results.map((r) => r.overheadMs)),
        differenceP50: b.p50 - a.p50,
        differenceP99: b.p99 - a.p99,
        baselinePerSecond: plain.perSecond,
        governedPerSecond: audited.perSecond,
        perCommit,
        lockingAudit: stats(locking.results.map((r) => r.auditMs)),
        lockingPerSecond: locking.perSecond,
        commitFloor: stats((await load(concurrency, personIds, () => commitFloor(dataSource))).results.map((r) => r.totalMs)),
      });
    }
    const pick = (get) => median(figures.map(get));
    const f = {
      baselineP50: pick((x) => x.baseline.p50),
      baselineP99: pick((x) => x.baseline.p99),
      governedP50: pick((x) => x.governed.p50),
      governedP99: pick((x) => x.governed.p99),
      decisionP50: pick((x) => x.decision.p50),
      decisionP99: pick((x) => x.decision.p99),
      auditP50: pick((x) => x.audit.p50),
      auditP99: pick((x) => x.audit.p99),
      overheadP50: pick((x) => x.overhead.p50),
      overheadP99: pick((x) => x.overhead.p99),
      differenceP50: pick((x) => x.differenceP50),
      differenceP99: pick((x) => x.differenceP99),
      baselinePerSecond: pick((x) => x.baselinePerSecond),
      governedPerSecond: pick((x) => x.governedPerSecond),
      perCommit: pick((x) => x.perCommit),
      lockingAuditP50: pick((x) => x.lockingAudit.p50),
      lockingAuditP99: pick((x) => x.lockingAudit.p99),
      lockingPerSecond: pick((x) => x.lockingPerSecond),
      commitFloorP50: pick((x) => x.commitFloor.p50),
      commitFloorP99: pick((x) => x.commitFloor.p99),
    };
    console.log(`concurrency ${concurrency} (${requests} requests a round, ${rounds} rounds, medians of the rounds):`);
    console.log(
      `  baseline read:            p50 ${f.baselineP50.toFixed(3)} ms, p99 ${f.baselineP99.toFixed(3)} ms, ${f.baselinePerSecond.toFixed(0)} req/s`,
    );
    console.log(
      `  read + decide + audit:    p50 ${f.governedP50.toFixed(3)} ms, p99 ${f.governedP99.toFixed(3)} ms, ${f.governedPerSecond.toFixed(0)} req/s`,
    );
    console.log(`  decideAccess:             p50 ${f.decisionP50.toFixed(3)} ms, p99 ${f.decisionP99.toFixed(3)} ms`);
    console.log(`  audit row committed:      p50 ${f.auditP50.toFixed(3)} ms, p99 ${f.auditP99.toFixed(3)} ms`);
    console.log(`  overhead (per request):   p50 ${f.overheadP50.toFixed(3)} ms, p99 ${f.overheadP99.toFixed(3)} ms`);
    console.log(`  governed - baseline:      p50 ${f.differenceP50.toFixed(3)} ms, p99 ${f.differenceP99.toFixed(3)} ms`);
    console.log(`  decisions/s and audit rows/s: ${f.governedPerSecond.toFixed(0)}`);
    console.log(
      `  audit in the request's own transaction (locking path): p50 ${f.lockingAuditP50.toFixed(3)} ms, p99 ${f.lockingAuditP99.toFixed(3)} ms, ${f.lockingPerSecond.toFixed(0)} req/s`,
    );
    console.log(
      `  commit floor (one-row INSERT, auto-commit): p50 ${f.commitFloorP50.toFixed(3)} ms, p99 ${f.commitFloorP99.toFixed(3)} ms`,
    );
    console.log(`  audit rows per commit (group commit): ${f.perCommit.toFixed(2)}`);
    const suffix = concurrency === 1 ? '' : `_c${concurrency}`;
    Object.assign(summary, {
      [`decision_p99_ms${suffix}`]: fixed(f.decisionP99),
      [`audit_p99_ms${suffix}`]: fixed(f.auditP99),
      [`overhead_p99_ms${suffix}`]: fixed(f.overheadP99),
      [`overhead_p50_ms${suffix}`]: fixed(f.overheadP50),
      [`difference_p99_ms${suffix}`]: fixed(f.differenceP99),
      [`baseline_p99_ms${suffix}`]: fixed(f.baselineP99),
      [`audit_rows_per_second${suffix}`]: Math.round(f.governedPerSecond),
      [`locking_audit_p99_ms${suffix}`]: fixed(f.lockingAuditP99),
      [`commit_floor_p99_ms${suffix}`]: fixed(f.commitFloorP99),
    });
  }

  // Every governed request left exactly one row, and the chain they form verifies.
  const [{ after }] = await dataSource.query(`SELECT count(*)::int AS after FROM audit_event`);
  const verification = await new AuditVerifier(dataSource).verify();
  console.log(
    `audit rows written: ${after - before} for ${governedRequests} governed requests; chain ${verification.ok ? 'intact' : 'BROKEN'}`,
  );
  if (after - before !== governedRequests || !verification.ok) throw new Error('the audit trail does not match the requests');
  console.log(JSON.stringify(summary));
} finally {
  await dataSource?.destroy();
  await cleanUp();
}
