import { generatePopulation } from '../population/generate-population.js';
import { startSandbox, type RunningSandbox } from './sandbox-server.js';

// Faults are what the hub's resilience tests stand on: each must take effect on the system
// it names, leave the others alone, and clear.

describe('the sandbox server and its fault switches', () => {
  let sandbox: RunningSandbox;
  const put = (system: string, body: unknown) =>
    fetch(`${sandbox.url}/sandbox/faults/${system}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const pds = () => fetch(`${sandbox.url}/pds/FHIR/R4/Patient/${sandbox.context.population.people[0]!.nhsNumber}`);

  beforeAll(async () => {
    sandbox = await startSandbox({
      population: generatePopulation({ seed: 5, size: 200, referenceDate: '2026-11-23' }),
      host: '127.0.0.1',
      port: 0,
    });
  });
  afterAll(() => sandbox.stop());
  afterEach(() => fetch(`${sandbox.url}/sandbox/faults`, { method: 'DELETE' }));

  it('describes itself: population, seed and each system with its record count', async () => {
    const body = (await (await fetch(`${sandbox.url}/sandbox`)).json()) as {
      people: number;
      seed: number;
      systems: Record<string, { url: string; records?: number }>;
    };
    expect(body.people).toBe(200);
    expect(body.seed).toBe(5);
    expect(Object.keys(body.systems).sort()).toEqual(['acute', 'gp', 'idp', 'mental-health', 'pds', 'social-care']);
    expect(body.systems.pds!.records).toBe(200);
    expect(body.systems.gp!.url).toBe(`${sandbox.url}/gp`);
  });

  it('adds latency to one system only, then clears it', async () => {
    expect((await pds()).status).toBe(200);
    expect((await put('pds', { latencyMs: 300 })).status).toBe(200);
    let started = performance.now();
    expect((await pds()).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    started = performance.now();
    await fetch(`${sandbox.url}/sandbox`);
    expect(performance.now() - started).toBeLessThan(250);
    await fetch(`${sandbox.url}/sandbox/faults/pds`, { method: 'DELETE' });
    started = performance.now();
    expect((await pds()).status).toBe(200);
    expect(performance.now() - started).toBeLessThan(250);
  });

  it('fails the share of requests asked for with a FHIR OperationOutcome', async () => {
    await put('pds', { errorRate: 1 });
    const failed = await pds();
    expect(failed.status).toBe(500);
    expect(((await failed.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
    await put('pds', { errorRate: 0.5 });
    const statuses = await Promise.all(Array.from({ length: 20 }, () => pds().then((response) => response.status)));
    expect(statuses.filter((status) => status === 500)).toHaveLength(10);
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
  });

  it('resets connections while a system is down', async () => {
    await put('pds', { down: true });
    await expect(pds()).rejects.toThrow();
    const faults = (await (await fetch(`${sandbox.url}/sandbox/faults`)).json()) as Record<string, { down: boolean }>;
    expect(faults.pds!.down).toBe(true);
    expect(faults.acute!.down).toBe(false);
  });

  it('holds requests while a system hangs, and lets them go when the fault clears', async () => {
    await put('pds', { hang: true });
    let settled = false;
    const held = pds().then(
      () => (settled = true),
      () => (settled = true),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled).toBe(false);
    await fetch(`${sandbox.url}/sandbox/faults/pds`, { method: 'DELETE' });
    await held;
    expect(settled).toBe(true);
    expect((await pds()).status).toBe(200);
  });

  it('refuses a bad fault with a message naming the field, and an unknown system', async () => {
    const bad = await put('pds', { latencyMs: -5, errorRate: 2 });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { message: string };
    expect(body.message).toMatch(/latencyMs/);
    expect(body.message).toMatch(/errorRate/);
    expect((await put('pds', { surprise: true })).status).toBe(400);
    const unknown = await put('billing', { down: true });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { message: string }).message).toMatch(/billing/);
    expect((await pds()).status).toBe(200);
  });

  it('answers an unknown path with a clear 404', async () => {
    const response = await fetch(`${sandbox.url}/nowhere`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { message: string }).message).toMatch(/no simulated system/);
  });
});

describe('the source manifest', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({
      population: generatePopulation({ seed: 6, size: 100, referenceDate: '2026-11-23' }),
      host: '127.0.0.1',
      port: 0,
    });
  });
  afterAll(() => sandbox.stop());

  it('lists every source to register, each base URL answering in its protocol, and the identity providers', async () => {
    const manifest = (await (await fetch(`${sandbox.url}/sandbox/sources`)).json()) as {
      sources: Array<{ kind: string; protocol: string; baseUrl: string; organisation: { code: string } }>;
      identityProviders: Array<{ issuer: string }>;
    };
    expect(manifest.sources.filter((source) => source.kind === 'gp')).toHaveLength(30);
    expect(new Set(manifest.sources.map((source) => source.kind))).toEqual(new Set(['gp', 'acute', 'mental-health', 'social-care', 'pds']));
    const gp = manifest.sources.find((source) => source.kind === 'gp')!;
    expect((await fetch(`${gp.baseUrl}/fhir/metadata`)).status).toBe(200);
    for (const kind of ['acute', 'mental-health']) {
      const source = manifest.sources.find((candidate) => candidate.kind === kind)!;
      expect(((await (await fetch(`${source.baseUrl}/metadata`)).json()) as { resourceType: string }).resourceType).toBe(
        'CapabilityStatement',
      );
    }
    const socialCare = manifest.sources.find((source) => source.kind === 'social-care')!;
    expect((await fetch(`${socialCare.baseUrl}/clients?pageSize=1`)).status).toBe(200);
    const person = sandbox.context.population.people[0]!;
    const pds = manifest.sources.find((source) => source.kind === 'pds')!;
    expect((await fetch(`${pds.baseUrl}/Patient/${person.nhsNumber}`)).status).toBe(200);
    for (const provider of manifest.identityProviders) {
      const discovery = (await (await fetch(`${provider.issuer}/.well-known/openid-configuration`)).json()) as { issuer: string };
      expect(discovery.issuer).toBe(provider.issuer);
    }
  });
});
