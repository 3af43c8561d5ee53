import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Registry } from 'prom-client';

import { generatePopulation } from '../../../../src/sandbox/population/generate-population.js';
import { startSandbox, type RunningSandbox } from '../../../../src/sandbox/server/sandbox-server.js';
import { caught } from '../../../setup/caught.js';
import { FhirR4Connector } from '../../../../src/modules/source-connectors/connectors/fhir-r4.connector.js';
import { GpConnectConnector } from '../../../../src/modules/source-connectors/connectors/gp-connect.connector.js';
import { PdsConnector } from '../../../../src/modules/source-connectors/connectors/pds.connector.js';
import { SocialCareConnector } from '../../../../src/modules/source-connectors/connectors/social-care.connector.js';
import type {
  SourceConnector,
  SourceEndpoint,
  SourceProtocol,
} from '../../../../src/modules/source-connectors/connectors/source-connector.js';
import { SourceGuard } from '../../../../src/modules/source-connectors/connectors/source-guard.js';

// Every connector against the same bad days, through the sandbox's fault switches: a slow
// source, a failing one, one that is down, one answering garbage and a host nobody listens on.
// Each must give a precise error kind and leave its circuit in the right state.

interface Case {
  // HTTP faults only: hub-hosted sources read the hub's own database.
  protocol: Exclude<SourceProtocol, 'hub-hosted'>;
  system: 'acute' | 'gp' | 'social-care' | 'pds';
  /** Base URL under a root: the sandbox, a garbage server or a closed port. */
  baseUrl: (root: string) => string;
  localId: () => string;
}

describe('every connector on a source’s bad day', () => {
  let sandbox: RunningSandbox;
  let garbage: Server;
  let garbageUrl: string;
  let closedUrl: string;

  beforeAll(async () => {
    sandbox = await startSandbox({
      population: generatePopulation({ seed: 21, size: 600, referenceDate: '2026-11-23' }),
      host: '127.0.0.1',
      port: 0,
    });
    garbage = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"resourceType": "Patient", oops');
    });
    await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
    garbageUrl = `http://127.0.0.1:${(garbage.address() as AddressInfo).port}`;
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
  });
  afterAll(async () => {
    await sandbox.stop();
    await new Promise((resolve) => garbage.close(resolve));
  });
  afterEach(() => fetch(`${sandbox.url}/sandbox/faults`, { method: 'DELETE' }));

  const living = (system: 'acute' | 'gp' | 'social-care' | 'pds') =>
    sandbox.context.directories[system].records.find(
      (record) => !record.duplicateOf && !record.deathDate && record.nhsNumber && !record.errors.includes('wrong-nhs-number'),
    )!;

  const cases: Case[] = [
    { protocol: 'fhir-r4', system: 'acute', baseUrl: (root) => `${root}/acute`, localId: () => living('acute').localId },
    {
      protocol: 'gp-connect',
      system: 'gp',
      baseUrl: (root) => `${root}/gp/${living('gp').organisationCode}/STU3/1/gpconnect`,
      localId: () => living('gp').nhsNumber!,
    },
    {
      protocol: 'social-care-json',
      system: 'social-care',
      baseUrl: (root) => `${root}/social-care/api/v1`,
      localId: () => living('social-care').localId,
    },
    { protocol: 'pds-fhir', system: 'pds', baseUrl: (root) => `${root}/pds/FHIR/R4`, localId: () => living('pds').localId },
  ];

  function build(testCase: Case, root: string): { connector: SourceConnector; guard: SourceGuard } {
    const endpoint: SourceEndpoint = {
      id: `faults-${testCase.system}`,
      organisationCode: 'R9A',
      kind: testCase.system === 'pds' ? 'pds' : testCase.system,
      protocol: testCase.protocol,
      baseUrl: testCase.baseUrl(root),
      authentication: { type: 'none' },
      timeoutMs: 300,
    };
    const guard = new SourceGuard(endpoint.id, new Registry(), { timeoutMs: 300, retries: 0, failureThreshold: 3, coolDownMs: 60_000 });
    switch (testCase.protocol) {
      case 'fhir-r4':
        return { connector: new FhirR4Connector(endpoint, { guard }), guard };
      case 'gp-connect':
        return {
          connector: new GpConnectConnector(endpoint, {
            guard,
            consumer: {
              asid: '918999198738',
              systemUrl: 'https://tessera.example',
              organisation: { odsCode: 'Y9T01', name: 'Tessera' },
              device: { system: 'https://tessera.example/device', value: 'hub', model: 'Tessera', version: '0.1' },
              practitioner: { id: 'svc', sdsUserId: 'UNK', sdsRoleProfileId: 'UNK', family: 'Service', given: ['Tessera'] },
            },
          }),
          guard,
        };
      case 'social-care-json':
        return { connector: new SocialCareConnector(endpoint, { guard }), guard };
      case 'pds-fhir':
        return { connector: new PdsConnector(endpoint, { guard }), guard };
    }
  }

  const fault = (system: string, body: unknown) =>
    fetch(`${sandbox.url}/sandbox/faults/${system}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  describe.each(cases)('$protocol', (testCase) => {
    it('reads a patient on a good day, leaving the circuit closed', async () => {
      const { connector, guard } = build(testCase, sandbox.url);
      const patient = await connector.readPatient(testCase.localId());
      expect(patient.resourceType).toBe('Patient');
      expect(guard.state()).toMatchObject({ circuit: 'closed', consecutiveFailures: 0 });
    });

    it('times out on a slow source, and opens the circuit after three in a row', async () => {
      const { connector, guard } = build(testCase, sandbox.url);
      await fault(testCase.system, { latencyMs: 2_000 });
      const kinds = [];
      for (let call = 0; call < 4; call++) kinds.push((await caught(connector.readPatient(testCase.localId()))).kind);
      expect(kinds).toEqual(['timeout', 'timeout', 'timeout', 'circuit-open']);
      expect(guard.state()).toMatchObject({ circuit: 'open', lastErrorKind: 'timeout' });
    });

    it('reports a 5xx as http-error with its status', async () => {
      const { connector, guard } = build(testCase, sandbox.url);
      await fault(testCase.system, { errorRate: 1 });
      const error = await caught(connector.readPatient(testCase.localId()));
      expect(error).toMatchObject({ kind: 'http-error', status: 500 });
      expect(error.message).not.toMatch(/simulated fault/);
      expect(guard.state()).toMatchObject({ circuit: 'closed', consecutiveFailures: 1 });
    });

    it('reports a source that resets connections as unreachable', async () => {
      const { connector } = build(testCase, sandbox.url);
      await fault(testCase.system, { down: true });
      expect((await caught(connector.readPatient(testCase.localId()))).kind).toBe('unreachable');
    });

    it('reports garbage as malformed, and a closed port as unreachable', async () => {
      expect((await caught(build(testCase, garbageUrl).connector.readPatient(testCase.localId()))).kind).toBe('malformed');
      const { connector, guard } = build(testCase, closedUrl);
      expect((await caught(connector.readPatient(testCase.localId()))).kind).toBe('unreachable');
      expect(guard.state()).toMatchObject({ consecutiveFailures: 1, lastErrorKind: 'unreachable' });
    });
  });
});
