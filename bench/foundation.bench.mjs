// Foundation benchmark: GraphQL round trips through the whole HTTP stack (with a bare Node
// http server answering the same JSON as the peer, measured in the same run), and job
// throughput through Redis, a worker and PostgreSQL. Runs the built hub (npm run build) as a
// child process against the real services, on a database and Redis prefix of its own.
// Last line: a JSON object of the summary figures.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { benchRun, median, percentile } from './bench-support.mjs';

const requests = Number(process.env.BENCH_REQUESTS ?? 3000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 10);
const jobs = Number(process.env.BENCH_JOBS ?? 2000);
const { databaseUrl, redisUrl, prefix, cleanUp } = benchRun();

async function load(port, path, body) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies = [];
  let next = 0;
  const started = performance.now();
  const one = () =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const req = http.request(
        { host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`status ${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < requests) latencies.push(await one());
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { medianMs: median(latencies), p95Ms: percentile(latencies, 0.95), perSecond: requests / seconds };
}

function startHub() {
  const child = spawn(process.execPath, ['dist/main.js'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_MIGRATE_ON_START: 'true',
      LOG_LEVEL: 'info',
      TESSERA_ROLE: 'all',
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening on http:\/\/[\d.]+:(\d+)/.exec(out);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.once('exit', (code) => reject(new Error(`hub exited with ${code}`)));
  });
}

const body = JSON.stringify({ query: '{ version }' });
const peer = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.end('{"data":{"version":"0.1.0"}}');
  });
});
await new Promise((resolve) => peer.listen(0, '127.0.0.1', resolve));

let hub;
try {
  hub = await startHub();
  // Warm up both, then measure each three times and keep the medians (the machine is shared).
  await load(hub.port, '/graphql', body);
  await load(peer.address().port, '/', body);
  const hubRuns = [];
  const peerRuns = [];
  for (let round = 0; round < 3; round++) {
    hubRuns.push(await load(hub.port, '/graphql', body));
    peerRuns.push(await load(peer.address().port, '/', body));
  }
  const graphql = {
    medianMs: median(hubRuns.map((r) => r.medianMs)),
    p95Ms: median(hubRuns.map((r) => r.p95Ms)),
    perSecond: median(hubRuns.map((r) => r.perSecond)),
  };
  const bare = { medianMs: median(peerRuns.map((r) => r.medianMs)), perSecond: median(peerRuns.map((r) => r.perSecond)) };
  console.log(
    `GraphQL { version }: median ${graphql.medianMs.toFixed(2)} ms, p95 ${graphql.p95Ms.toFixed(2)} ms, ${graphql.perSecond.toFixed(0)} req/s (${requests} requests, ${concurrency} concurrent)`,
  );
  console.log(`bare node:http peer: median ${bare.medianMs.toFixed(2)} ms, ${bare.perSecond.toFixed(0)} req/s`);

  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('maintenance', { connection, prefix });
  const started = performance.now();
  await queue.addBulk(
    Array.from({ length: jobs }, () => ({
      name: 'operations.record-queue-heartbeat',
      data: { requestId: null },
      opts: { attempts: 1, removeOnComplete: true },
    })),
  );
  for (;;) {
    // Delayed jobs are the hub's own heartbeat schedule, not ours.
    const counts = await queue.getJobCounts('waiting', 'active', 'prioritized');
    if (Object.values(counts).every((n) => n === 0)) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const jobsPerSecond = jobs / ((performance.now() - started) / 1000);
  const failed = await queue.getJobCountByTypes('failed');
  console.log(
    `jobs: ${jobs} heartbeat jobs (each a PostgreSQL upsert) in ${((performance.now() - started) / 1000).toFixed(2)} s: ${jobsPerSecond.toFixed(0)} jobs/s, ${failed} failed`,
  );
  await queue.close();
  connection.disconnect();

  console.log(
    JSON.stringify({
      graphql_version_median_ms: Number(graphql.medianMs.toFixed(3)),
      graphql_version_p95_ms: Number(graphql.p95Ms.toFixed(3)),
      graphql_version_rps: Math.round(graphql.perSecond),
      bare_http_rps: Math.round(bare.perSecond),
      hub_to_bare_latency_ratio: Number((graphql.medianMs / bare.medianMs).toFixed(2)),
      jobs_per_second: Math.round(jobsPerSecond),
      jobs_failed: failed,
    }),
  );
} finally {
  peer.close();
  await cleanUp(hub?.child);
}
