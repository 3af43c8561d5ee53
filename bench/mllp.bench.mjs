// HL7 v2 MLLP benchmark: 8 connections each send ADT messages one after another (waiting for the
// ACK each time) to the built hub (role all: listener and workers in one process), on a database
// and Redis prefix of its own. An AA is only sent after the inbox commit, so messages/s here is
// messages durably accepted. Also checks afterwards that every acknowledged message is in the inbox.
// Last line: a JSON object of the summary figures.
import { spawn } from 'node:child_process';
import net from 'node:net';
import pg from 'pg';
import { benchRun, percentile } from './bench-support.mjs';

const connections = Number(process.env.BENCH_CONNECTIONS ?? 8);
const messages = Number(process.env.BENCH_MESSAGES ?? 20_000);
const warmup = Number(process.env.BENCH_WARMUP ?? 1_000);
const { suffix, databaseUrl, redisUrl, prefix, cleanUp } = benchRun();

function startHub() {
  const child = spawn(process.execPath, ['dist/main.js'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      PORT: '0',
      HOST: '127.0.0.1',
      MLLP_PORT: '0',
      MLLP_HOST: '127.0.0.1',
      DATABASE_MIGRATE_ON_START: 'true',
      LOG_LEVEL: 'info',
      TESSERA_ROLE: 'all',
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let mllpPort;
    child.stdout.on('data', (chunk) => {
      out += chunk;
      mllpPort ??= /MLLP listener on [\d.]+:(\d+)/.exec(out)?.[1];
      if (mllpPort && /listening on http:\/\//.test(out)) resolve({ child, mllpPort: Number(mllpPort) });
    });
    child.once('exit', (code) => reject(new Error(`hub exited with ${code}`)));
  });
}

const triggers = ['A01', 'A02', 'A03', 'A04', 'A08'];
function adt(sequence, connection) {
  const trigger = triggers[sequence % triggers.length];
  const mrn = `B${connection}${(sequence % 500).toString().padStart(4, '0')}`;
  return [
    `MSH|^~\\&|BENCH_EPR|RBENCH|TESSERA|TESSERA_HUB|20250301101500||ADT^${trigger}|${suffix}-${connection}-${sequence}|P|2.4`,
    `EVN|${trigger}|20250301101500`,
    `PID|1||${mrn}^^^RBENCH^MR~9434765919^^^NHS^NH||Benchmark^Pat||19700101|M|||1 Road^^London^^N1 1AA`,
    `PV1|1|I|WARD^BED||||||||||||||||V${sequence}^^^RBENCH^VN`,
  ].join('\r');
}

/** One connection sending `count` messages in turn; returns ACK latencies in ms. */
function drive(port, connection, from, count, latencies) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    let buffer = Buffer.alloc(0);
    let sent = 0;
    let t0 = 0;
    const sendNext = () => {
      if (sent === count) {
        socket.end();
        return resolve();
      }
      const body = Buffer.from(adt(from + sent, connection));
      t0 = performance.now();
      socket.write(Buffer.concat([Buffer.from([0x0b]), body, Buffer.from([0x1c, 0x0d])]));
      sent++;
    };
    socket.on('connect', sendNext);
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      const end = buffer.indexOf(0x1c);
      if (end < 0) return;
      const ack = buffer.subarray(1, end).toString();
      buffer = buffer.subarray(end + 2);
      if (!/\rMSA\|AA\|/.test(ack)) return reject(new Error(`not AA: ${ack.split('\r')[1]}`));
      latencies?.push(performance.now() - t0);
      sendNext();
    });
  });
}

let hub;
try {
  hub = await startHub();
  const perConnection = Math.ceil(messages / connections);
  // Warm-up on other sequence numbers: JIT, pools and the prepared plans settle first.
  await Promise.all(Array.from({ length: connections }, (_, c) => drive(hub.mllpPort, c, 1_000_000, Math.ceil(warmup / connections))));
  const latencies = [];
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, (_, c) => drive(hub.mllpPort, c, 0, perConnection, latencies)));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);

  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows } = await client.query(
    `SELECT count(*)::int AS n FROM hl7_inbox WHERE sending_facility = 'RBENCH' AND status <> 'duplicate'`,
  );
  await client.end();
  const acknowledged = perConnection * connections + Math.ceil(warmup / connections) * connections;
  if (rows[0].n !== acknowledged) throw new Error(`${acknowledged} acknowledged but ${rows[0].n} in the inbox`);

  const summary = {
    connections,
    messages: latencies.length,
    messages_per_s: Math.round(latencies.length / seconds),
    ack_p50_ms: Number(percentile(latencies, 0.5).toFixed(2)),
    ack_p99_ms: Number(percentile(latencies, 0.99).toFixed(2)),
    ack_max_ms: Number(latencies.at(-1).toFixed(2)),
    inbox_rows_checked: rows[0].n,
  };
  console.log(`MLLP: ${summary.messages} ADT messages over ${connections} connections in ${seconds.toFixed(1)} s`);
  console.log(
    `  ${summary.messages_per_s} messages/s acknowledged after commit; ACK p50 ${summary.ack_p50_ms} ms, p99 ${summary.ack_p99_ms} ms`,
  );
  console.log(JSON.stringify(summary));
} finally {
  await cleanUp(hub?.child);
}
