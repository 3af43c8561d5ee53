// Sandbox benchmark: how long the synthetic borough takes to generate at the size the mission
// is sized for (206,000 people), and how fast each simulated system answers a single-patient
// query, so we know it is never the bottleneck of another benchmark. The sandbox runs as its
// own process (as in the demo); a bare node:http server answering a fixed Patient of the same
// size is measured the same way in the same run, as the floor.
// Usage: npm run bench:sandbox   (BENCH_PEOPLE, BENCH_REQUESTS, BENCH_GENERATION_RUNS to change)
// Last line: a JSON object of the summary figures.
import { spawn } from 'node:child_process';
import http from 'node:http';

import { generatePopulation } from '../dist/sandbox/population/generate-population.js';
import { clinicalHistory } from '../dist/sandbox/population/clinical-history.js';
import { buildSystemDirectories } from '../dist/sandbox/records/system-records.js';
import { median, percentile } from './bench-support.mjs';

const people = Number(process.env.BENCH_PEOPLE ?? 206_000);
const requests = Number(process.env.BENCH_REQUESTS ?? 1_000);
const generationRuns = Number(process.env.BENCH_GENERATION_RUNS ?? 3);
const seed = 20_261_123;
const referenceDate = new Date().toISOString().slice(0, 10);

const round = (value, places = 2) => Math.round(value * 10 ** places) / 10 ** places;

// ---- generation
const generation = [];
let population;
let directories;
for (let run = 0; run < generationRuns; run++) {
  const started = performance.now();
  population = generatePopulation({ seed, size: people, referenceDate });
  directories = buildSystemDirectories(population);
  generation.push((performance.now() - started) / 1000);
  process.stdout.write(`generation run ${run + 1}: ${people} people and every system's records in ${generation.at(-1).toFixed(1)} s\n`);
}
let started = performance.now();
let items = 0;
for (const person of population.people) {
  const history = clinicalHistory(person, population);
  items +=
    history.conditions.length +
    history.allergies.length +
    history.medications.length +
    history.observations.length +
    history.encounters.length +
    history.appointments.length +
    history.carePlans.length;
}
const historiesSeconds = (performance.now() - started) / 1000;
process.stdout.write(`clinical histories for all ${people}: ${items} items in ${historiesSeconds.toFixed(1)} s\n`);

// ---- the sandbox process
started = performance.now();
const child = spawn(process.execPath, ['dist/sandbox/main.js'], {
  env: {
    ...process.env,
    SANDBOX_PORT: '0',
    DEMO_POPULATION: String(people),
    SANDBOX_SEED: String(seed),
    SANDBOX_REFERENCE_DATE: referenceDate,
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise((resolve, reject) => {
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
    const match = /listening on (http:\/\/[^\s]+)/.exec(out);
    if (match) resolve(match[1]);
  });
  child.once('exit', (code) => reject(new Error(`sandbox exited with ${code}`)));
});
const startupSeconds = (performance.now() - started) / 1000;
// Never leave the sandbox running, whatever happens to the benchmark.
process.on('exit', () => child.kill('SIGTERM'));
process.on('uncaughtException', (error) => {
  process.stderr.write(`bench:sandbox failed: ${error.message}\n`);
  process.exit(1);
});
process.stdout.write(`sandbox process with ${people} people listening after ${startupSeconds.toFixed(1)} s\n`);

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function request(target, { method = 'GET', body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(
      target,
      { method, agent, headers: body ? { 'content-type': 'application/json', ...headers } : headers },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode < 300 ? resolve(performance.now() - t0) : reject(new Error(`${method} ${target}: status ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function measure(name, makeRequest) {
  for (let index = 0; index < 50; index++) await makeRequest(index);
  const latencies = [];
  for (let index = 0; index < requests; index++) latencies.push(await makeRequest(index + 50));
  const figures = { medianMs: round(median(latencies)), p99Ms: round(percentile(latencies, 0.99)) };
  process.stdout.write(
    `${name.padEnd(16)} median ${figures.medianMs.toFixed(2)} ms   p99 ${figures.p99Ms.toFixed(2)} ms   (${requests} sequential single-patient requests)\n`,
  );
  return figures;
}

const pick = (system, index) => {
  const records = directories[system].records;
  return records[(index * 7919) % records.length];
};
const nhsOf = (system, index) => {
  for (let step = 0; ; step++) {
    const record = pick(system, index + step);
    // A living patient whose record carries their own number: the ordinary lookup.
    if (record.nhsNumber && !record.duplicateOf && !record.deathDate && !record.errors.includes('wrong-nhs-number')) return record;
  }
};
const users = JSON.parse(
  await new Promise((resolve, reject) =>
    http
      .get(`${url}/idp/users`, (res) => {
        let b = '';
        res.on('data', (c) => (b += c));
        res.on('end', () => resolve(b));
      })
      .on('error', reject),
  ),
);

const systems = {};
systems.gp = await measure('gp', (index) => {
  const record = nhsOf('gp', index);
  const body = JSON.stringify({
    resourceType: 'Parameters',
    parameter: [
      { name: 'patientNHSNumber', valueIdentifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: record.nhsNumber } },
      { name: 'includeAllergies', part: [{ name: 'includeResolvedAllergies', valueBoolean: false }] },
      { name: 'includeMedication' },
    ],
  });
  return request(`${url}/gp/${record.organisationCode}/STU3/1/gpconnect/structured/fhir/Patient/$gpc.getstructuredrecord`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/fhir+json' },
  });
});
systems.acute = await measure('acute', (index) =>
  request(`${url}/acute/Patient?identifier=${encodeURIComponent(`https://fhir.nhs.uk/Id/nhs-number|${nhsOf('acute', index).nhsNumber}`)}`),
);
systems['mental-health'] = await measure('mental-health', (index) =>
  request(`${url}/mental-health/Patient/${pick('mental-health', index).localId}`),
);
systems['social-care'] = await measure('social-care', (index) =>
  request(`${url}/social-care/api/v1/clients/${pick('social-care', index).localId}`),
);
systems.pds = await measure('pds', (index) => request(`${url}/pds/FHIR/R4/Patient/${pick('pds', index).localId}`));
systems.idp = await measure('idp', (index) =>
  request(`${url}/idp/token`, { method: 'POST', body: JSON.stringify({ user: users[index % users.length].id }) }),
);
child.kill('SIGTERM');

// ---- the floor: a bare node:http server answering a Patient of the same size, in its own process
const patient = await new Promise((resolve, reject) =>
  http
    .get(`${url.replace(/\/$/, '')}/pds/FHIR/R4/Patient/${pick('pds', 1).localId}`, (res) => {
      let b = '';
      res.on('data', (c) => (b += c));
      res.on('end', () => resolve(b));
    })
    .on('error', reject),
).catch(() => JSON.stringify({ resourceType: 'Patient', id: 'x'.repeat(1500) }));
const peer = spawn(
  process.execPath,
  [
    '-e',
    `require('http').createServer((q,s)=>{s.writeHead(200,{'content-type':'application/fhir+json'});s.end(${JSON.stringify(patient)})}).listen(0,'127.0.0.1',function(){console.log(this.address().port)})`,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const peerPort = await new Promise((resolve) => peer.stdout.once('data', (chunk) => resolve(Number(String(chunk).trim()))));
const floor = await measure('bare node:http', () => request(`http://127.0.0.1:${peerPort}/Patient/1`));
peer.kill('SIGTERM');
agent.destroy();

const medians = Object.values(systems).map((figures) => figures.medianMs);
const summary = {
  people,
  generationSeconds: round(median(generation), 1),
  historiesSeconds: round(historiesSeconds, 1),
  sandboxStartupSeconds: round(startupSeconds, 1),
  // camelCase keys: mentalHealthMedianMs, socialCareP99Ms, ...
  ...Object.fromEntries(
    Object.entries(systems).flatMap(([system, figures]) => {
      const key = system.replace(/-(\w)/g, (_, letter) => letter.toUpperCase());
      return [
        [`${key}MedianMs`, figures.medianMs],
        [`${key}P99Ms`, figures.p99Ms],
      ];
    }),
  ),
  slowestMedianMs: Math.max(...medians),
  peerMedianMs: floor.medianMs,
  slowestToPeerRatio: round(Math.max(...medians) / floor.medianMs, 1),
};
process.stdout.write(`${JSON.stringify(summary)}\n`);
