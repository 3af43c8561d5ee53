import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

// `npm run demo`: the sandbox borough and the hub as two processes, so the simulated systems
// never share the hub's event loop. Waits for both to be ready, prints where to go and whom to
// sign in as, and stops both on Ctrl-C. Either one failing stops the other.

const READY_TIMEOUT_MS = 120_000;

/** Stops whatever has started and exits; replaced once children exist. */
let shutdown = (code: number): void => process.exit(code);

interface DemoUser {
  id: string;
  kind: string;
  name: string;
  roles?: unknown[];
  organisation?: { name?: string };
  nhsNumber?: string;
  persona?: string;
}

function child(name: string, script: string, env: NodeJS.ProcessEnv): ChildProcess {
  const process_ = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (stream: NodeJS.WritableStream) => (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) stream.write(`[${name}] ${line}\n`);
  };
  process_.stdout!.on('data', prefix(process.stdout));
  process_.stderr!.on('data', prefix(process.stderr));
  return process_;
}

async function waitFor(url: string, exited: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`${what} stopped before it was ready (see its lines above)`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`${what} was not ready within ${READY_TIMEOUT_MS / 1000} s`);
}

async function main(): Promise<void> {
  const started = performance.now();
  const host = process.env.HOST || '127.0.0.1';
  const hubPort = process.env.PORT || '3000';
  const sandboxPort = process.env.SANDBOX_PORT || '4000';
  const sandboxUrl = `http://${process.env.SANDBOX_HOST || '127.0.0.1'}:${sandboxPort}`;
  const hubUrl = `http://${host}:${hubPort}`;
  // Quieter logs keep the terminal readable; LOG_LEVEL=info shows everything.
  const logLevel = process.env.LOG_LEVEL || 'warn';

  const children: Array<{ name: string; process: ChildProcess; exited: boolean }> = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const entry of children) if (!entry.exited) entry.process.kill('SIGTERM');
    await Promise.all(children.map((entry) => (entry.exited ? undefined : new Promise((resolve) => entry.process.once('exit', resolve)))));
    process.exit(code);
  };
  const track = (name: string, process_: ChildProcess) => {
    const entry = { name, process: process_, exited: false };
    children.push(entry);
    process_.once('exit', (code) => {
      entry.exited = true;
      if (!stopping) {
        process.stderr.write(`demo: ${name} exited (code ${code}); stopping the demo\n`);
        void stopAll(1);
      }
    });
    return entry;
  };
  shutdown = (code) => void stopAll(code);
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));

  process.stdout.write(`demo: starting the sandbox borough (${process.env.DEMO_POPULATION || '2000'} people) on ${sandboxUrl}\n`);
  const sandbox = track(
    'sandbox',
    child('sandbox', 'dist/sandbox/main.js', {
      ...process.env,
      SANDBOX_PORT: sandboxPort,
      SANDBOX_EVENT_INTERVAL_MS: process.env.SANDBOX_EVENT_INTERVAL_MS || '30000',
      // The hospital sends its HL7 v2 feed to the hub's MLLP listener; it retries until the hub listens.
      SANDBOX_HL7_TARGET: process.env.SANDBOX_HL7_TARGET || `${process.env.MLLP_HOST || '127.0.0.1'}:${process.env.MLLP_PORT || '2575'}`,
      LOG_LEVEL: logLevel,
    }),
  );
  await waitFor(`${sandboxUrl}/sandbox`, () => sandbox.exited, 'the sandbox');

  // The hub registers the sandbox's systems as its sources from the sandbox's own manifest.
  const sourcesFile = process.env.SOURCES_FILE || join(tmpdir(), `tessera-demo-sources-${sandboxPort}.json`);
  if (!process.env.SOURCES_FILE) await writeFile(sourcesFile, await (await fetch(`${sandboxUrl}/sandbox/sources`)).text());

  // The hub trusts the sandbox's identity providers (staff, with its service clients, and residents):
  // every endpoint but health and metrics needs one of their tokens.
  const authIssuers =
    process.env.AUTH_ISSUERS ||
    JSON.stringify([
      { issuer: `${sandboxUrl}/idp/staff`, kind: 'staff', services: true },
      { issuer: `${sandboxUrl}/idp/residents`, kind: 'resident' },
    ]);

  process.stdout.write(`demo: starting the hub on ${hubUrl}\n`);
  const hub = track(
    'hub',
    child('hub', 'dist/main.js', {
      ...process.env,
      HOST: host,
      PORT: hubPort,
      TESSERA_ROLE: process.env.TESSERA_ROLE || 'all',
      DATABASE_MIGRATE_ON_START: process.env.DATABASE_MIGRATE_ON_START || 'true',
      SANDBOX_URL: sandboxUrl,
      SOURCES_FILE: sourcesFile,
      AUTH_ISSUERS: authIssuers,
      LOG_LEVEL: logLevel,
    }),
  );
  await waitFor(`${hubUrl}/health/ready`, () => hub.exited, 'the hub');

  const users = (await (await fetch(`${sandboxUrl}/idp/users`)).json()) as DemoUser[];
  const manifest = (await (await fetch(`${sandboxUrl}/sandbox/sources`)).json()) as {
    sources: unknown[];
    identityProviders: Array<{ issuer: string }>;
  };
  const staff = users.filter((user) => user.kind === 'staff').slice(0, 4);
  // Sources and dead letters answer operators only: name one, so that the first curl works.
  const operator = users.find((user) => user.kind === 'staff' && user.persona === 'operator');
  const residents = users.filter((user) => user.kind === 'resident').slice(0, 2);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const describe = (user: DemoUser) =>
    `  ${user.id.padEnd(28)} ${user.name}${user.organisation?.name ? `, ${user.organisation.name}` : ''}${user.nhsNumber ? ` (NHS number ${user.nhsNumber})` : ''}`;
  process.stdout.write(
    [
      '',
      `Tessera demo ready in ${seconds} s`,
      `  hub            ${hubUrl}  (GraphQL ${hubUrl}/graphql, health ${hubUrl}/health/ready, metrics ${hubUrl}/metrics)`,
      `  sandbox        ${sandboxUrl}/sandbox  (systems: /gp /acute /mental-health /social-care /pds /idp)`,
      `  sources        ${manifest.sources.length} registered from ${sandboxUrl}/sandbox/sources (GraphQL: { sources { name kind enabled } })`,
      `  sign-in        ${manifest.identityProviders.map((provider) => provider.issuer).join(' and ')}`,
      '',
      'Sign in as (all users: GET ' + `${sandboxUrl}/idp/users):`,
      ...[...staff, ...(operator && !staff.includes(operator) ? [operator] : [])].map(describe),
      ...residents.map(describe),
      '',
      'Every request but health and metrics needs a token: get one, then send it.',
      `  TOKEN=$(curl -s -X POST ${sandboxUrl}/idp/token -H 'content-type: application/json' -d '{"user":"${operator?.id ?? staff[0]?.id ?? '<id>'}"}' | sed -E 's/.*"access_token":"([^"]+)".*/\\1/')`,
      `  curl -s ${hubUrl}/graphql -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" -d '{"query":"{ sources { name kind enabled } }"}'`,
      `  (operators for sources and dead letters, data stewards or operators for identity reviews; any signed-in user for { version })`,
      'Faults:  curl -X PUT ' + `${sandboxUrl}/sandbox/faults/acute -H 'content-type: application/json' -d '{"latencyMs":2000}'`,
      'Ctrl-C stops both.',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
  shutdown(1);
});
