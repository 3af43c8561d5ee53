import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Registry } from 'prom-client';

import { generatePopulation } from '../../../../src/sandbox/population/generate-population.js';
import { startSandbox, type RunningSandbox } from '../../../../src/sandbox/server/sandbox-server.js';
import { FhirR4Connector } from '../../../../src/modules/source-connectors/connectors/fhir-r4.connector.js';
import type { SourceEndpoint } from '../../../../src/modules/source-connectors/connectors/source-connector.js';
import { SourceGuard, type SourceGuardSettings } from '../../../../src/modules/source-connectors/connectors/source-guard.js';
import { caught } from '../../../setup/caught.js';

// Resilience against real failures: the sandbox's fault switches, a server that answers garbage,
// a port nobody listens on, and a server that counts what reaches it.

interface TestServer {
  url: string;
  requests: () => number;
  close: () => Promise<void>;
}

async function startTestServer(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<TestServer> {
  let requests = 0;
  const server = createServer((request, response) => {
    requests++;
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const fhirJson = (response: ServerResponse, status: number, body: unknown) => {
  response.writeHead(status, { 'content-type': 'application/fhir+json' });
  response.end(JSON.stringify(body));
};

function endpoint(id: string, baseUrl: string, timeoutMs = 2_000): SourceEndpoint {
  return { id, organisationCode: 'R9A', kind: 'acute', protocol: 'fhir-r4', baseUrl, authentication: { type: 'none' }, timeoutMs };
}

async function metricValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((value) => Object.entries(labels).every(([key, expected]) => value.labels[key] === expected))
    .reduce((sum, value) => sum + value.value, 0);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SourceGuard: deadline, retries, circuit breaker, concurrency limit and metrics', () => {
  let sandbox: RunningSandbox;
  let knownMrn: string;

  const fault = (system: string, body: unknown) =>
    fetch(`${sandbox.url}/sandbox/faults/${system}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  function acuteConnector(settings: Partial<SourceGuardSettings>, registry = new Registry()) {
    const guard = new SourceGuard('acute', registry, { retryInitialDelayMs: 5, retryMaxDelayMs: 20, ...settings });
    return { guard, registry, connector: new FhirR4Connector(endpoint('acute', `${sandbox.url}/acute`, settings.timeoutMs), { guard }) };
  }

  beforeAll(async () => {
    sandbox = await startSandbox({
      population: generatePopulation({ seed: 41, size: 200, referenceDate: '2026-11-23' }),
      host: '127.0.0.1',
      port: 0,
    });
    const bundle = (await (await fetch(`${sandbox.url}/acute/Patient?_count=1`)).json()) as { entry: { resource: { id: string } }[] };
    knownMrn = bundle.entry[0]!.resource.id;
  });
  afterAll(() => sandbox.stop());
  afterEach(() => fetch(`${sandbox.url}/sandbox/faults`, { method: 'DELETE' }));

  it('gives timeout when the source is slower than the deadline, and counts it', async () => {
    const { connector, guard, registry } = acuteConnector({ timeoutMs: 200, retries: 0 });
    await fault('acute', { latencyMs: 2000 });
    const error = await caught(connector.readPatient(knownMrn));
    expect(error.kind).toBe('timeout');
    expect(error.message).toBe('source acute did not answer within 200 ms');
    expect(guard.state()).toMatchObject({ circuit: 'closed', consecutiveFailures: 1, lastErrorKind: 'timeout' });
    expect(await metricValue(registry, 'tessera_source_errors_total', { source: 'acute', kind: 'timeout' })).toBe(1);
    expect(
      await metricValue(registry, 'tessera_source_request_duration_seconds', {
        source: 'acute',
        operation: 'read-patient',
        outcome: 'timeout',
      }),
    ).toBeGreaterThan(0);
  });

  it('gives http-error with the status on 5xx, retrying a read a bounded number of times', async () => {
    const { connector, registry, guard } = acuteConnector({ retries: 2, failureThreshold: 10 });
    await fault('acute', { errorRate: 1 });
    const error = await caught(connector.readPatient(knownMrn));
    expect(error).toMatchObject({ kind: 'http-error', status: 500 });
    expect(error.message).toBe('source acute answered 500 (transient)');
    // The first attempt and two retries, then it stops.
    expect(await metricValue(registry, 'tessera_source_errors_total', { source: 'acute', kind: 'http-error' })).toBe(3);
    expect(guard.state().consecutiveFailures).toBe(3);
  });

  it('retries 5xx then succeeds when the source recovers, and never retries a 404', async () => {
    let calls = 0;
    const server = await startTestServer((request, response) => {
      calls++;
      if (request.url?.startsWith('/Patient/gone'))
        return fhirJson(response, 404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
      if (calls <= 2)
        return fhirJson(response, 503, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient' }] });
      fhirJson(response, 200, { resourceType: 'Patient', id: 'p1' });
    });
    try {
      const guard = new SourceGuard('counting', new Registry(), { retries: 3, retryInitialDelayMs: 5, retryMaxDelayMs: 20 });
      const connector = new FhirR4Connector(endpoint('counting', server.url), { guard });
      await expect(connector.readPatient('p1')).resolves.toMatchObject({ id: 'p1' });
      expect(server.requests()).toBe(3);

      const notFound = await caught(connector.readPatient('gone'));
      expect(notFound).toMatchObject({ kind: 'not-found', status: 404 });
      expect(server.requests()).toBe(4);
      expect(guard.state().consecutiveFailures).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('gives malformed for a body that is not JSON or not the expected resource, without retrying', async () => {
    const server = await startTestServer((request, response) => {
      if (request.url?.startsWith('/Patient/garbage')) {
        response.writeHead(200, { 'content-type': 'application/fhir+json' });
        return response.end('<html>Service temporarily unavailable</html>');
      }
      fhirJson(response, 200, { resourceType: 'Observation', id: 'o1' });
    });
    try {
      const guard = new SourceGuard('garbage', new Registry(), { retries: 3 });
      const connector = new FhirR4Connector(endpoint('garbage', server.url), { guard });
      const garbage = await caught(connector.readPatient('garbage'));
      expect(garbage.kind).toBe('malformed');
      expect(garbage.message).toBe('source garbage answered with a body that is not a JSON object');
      expect(server.requests()).toBe(1);

      const wrongType = await caught(connector.readPatient('other'));
      expect(wrongType.kind).toBe('malformed');
      expect(wrongType.message).toBe('source garbage answered with a Observation where Patient was expected');
      expect(guard.state()).toMatchObject({ consecutiveFailures: 2, lastErrorKind: 'malformed' });
    } finally {
      await server.close();
    }
  });

  it('gives unreachable for a port nobody listens on', async () => {
    const server = await startTestServer(() => undefined);
    await server.close();
    const guard = new SourceGuard('closed', new Registry(), { retries: 1, retryInitialDelayMs: 5 });
    const connector = new FhirR4Connector(endpoint('closed', server.url), { guard });
    const error = await caught(connector.readPatient('p1'));
    expect(error.kind).toBe('unreachable');
    expect(error.message).toBe('source closed could not be reached (ECONNREFUSED)');
  });

  it('gives unreachable when the source resets the connection (sandbox down)', async () => {
    const { connector } = acuteConnector({ retries: 0 });
    await fault('acute', { down: true });
    expect((await caught(connector.readPatient(knownMrn))).kind).toBe('unreachable');
  });

  it('opens the circuit after consecutive failures and then refuses without calling the source', async () => {
    const server = await startTestServer((_request, response) => fhirJson(response, 502, { resourceType: 'OperationOutcome', issue: [] }));
    const registry = new Registry();
    try {
      const guard = new SourceGuard('flaky', registry, { retries: 0, failureThreshold: 3, coolDownMs: 60_000 });
      const connector = new FhirR4Connector(endpoint('flaky', server.url), { guard });
      for (let i = 0; i < 3; i++) expect((await caught(connector.readPatient('p1'))).kind).toBe('http-error');
      expect(server.requests()).toBe(3);
      expect(guard.state()).toMatchObject({ circuit: 'open', consecutiveFailures: 3, lastErrorKind: 'http-error' });
      expect(guard.state().probeAfter).toBeInstanceOf(Date);
      expect(await metricValue(registry, 'tessera_source_circuit_state', { source: 'flaky' })).toBe(2);

      const refused = await caught(connector.readPatient('p1'));
      expect(refused.kind).toBe('circuit-open');
      expect(refused.message).toBe('source flaky is failing; calls are refused until its circuit half-opens');
      expect(server.requests()).toBe(3);
      // The refusal is counted, but the last error shown stays the cause that opened the circuit.
      expect(guard.state().lastErrorKind).toBe('http-error');
      expect(await metricValue(registry, 'tessera_source_errors_total', { source: 'flaky', kind: 'circuit-open' })).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('stops retrying as soon as the circuit opens', async () => {
    const { connector, registry } = acuteConnector({ retries: 5, failureThreshold: 2, coolDownMs: 60_000 });
    await fault('acute', { errorRate: 1 });
    expect((await caught(connector.readPatient(knownMrn))).kind).toBe('circuit-open');
    expect(await metricValue(registry, 'tessera_source_errors_total', { source: 'acute', kind: 'http-error' })).toBe(2);
    expect(await metricValue(registry, 'tessera_source_errors_total', { source: 'acute', kind: 'circuit-open' })).toBe(1);
  });

  it('half-opens after the cool-down, probes once, and closes when the probe succeeds', async () => {
    const registry = new Registry();
    const { connector, guard } = acuteConnector({ retries: 0, failureThreshold: 2, coolDownMs: 300 }, registry);
    await fault('acute', { errorRate: 1 });
    await caught(connector.readPatient(knownMrn));
    await caught(connector.readPatient(knownMrn));
    expect(guard.state().circuit).toBe('open');
    expect((await caught(connector.readPatient(knownMrn))).kind).toBe('circuit-open');

    await fetch(`${sandbox.url}/sandbox/faults/acute`, { method: 'DELETE' });
    await sleep(350);
    const states: number[] = [];
    const probe = connector.readPatient(knownMrn);
    states.push(await metricValue(registry, 'tessera_source_circuit_state', { source: 'acute' }));
    await expect(probe).resolves.toMatchObject({ id: knownMrn });
    expect(states).toEqual([1]);
    expect(guard.state()).toMatchObject({ circuit: 'closed', consecutiveFailures: 0 });
    expect(await metricValue(registry, 'tessera_source_circuit_state', { source: 'acute' })).toBe(0);
  });

  it('opens again when the half-open probe fails', async () => {
    const { connector, guard } = acuteConnector({ retries: 0, failureThreshold: 1, coolDownMs: 200 });
    await fault('acute', { errorRate: 1 });
    await caught(connector.readPatient(knownMrn));
    await sleep(250);
    expect((await caught(connector.readPatient(knownMrn))).kind).toBe('http-error');
    expect(guard.state().circuit).toBe('open');
  });

  it('limits calls in flight and refuses calls beyond the queue', async () => {
    const { connector } = acuteConnector({ timeoutMs: 300, retries: 0, concurrency: 1, queueLimit: 0 });
    await fault('acute', { hang: true });
    const first = caught(connector.readPatient(knownMrn));
    const second = await caught(connector.readPatient(knownMrn));
    expect(second.kind).toBe('timeout');
    expect(second.message).toBe('source acute has 1 calls in flight and 0 waiting; this one was refused');
    expect((await first).kind).toBe('timeout');
  });

  it('ends a call when its caller cancels', async () => {
    const { connector } = acuteConnector({ timeoutMs: 5_000, retries: 0 });
    await fault('acute', { latencyMs: 2000 });
    const controller = new AbortController();
    const call = caught(connector.readPatient(knownMrn, controller.signal));
    setTimeout(() => controller.abort(), 50);
    const error = await call;
    expect(error.kind).toBe('timeout');
    expect(error.message).toBe('the call to source acute was cancelled by its caller');
  });

  it('shares one set of metrics between the guards of several sources on one registry', async () => {
    const registry = new Registry();
    new SourceGuard('one', registry);
    new SourceGuard('two', registry);
    expect(await metricValue(registry, 'tessera_source_circuit_state', { source: 'one' })).toBe(0);
    expect(await metricValue(registry, 'tessera_source_circuit_state', { source: 'two' })).toBe(0);
  });
});
