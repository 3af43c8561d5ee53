import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { decodeJwt } from 'jose';

import { generatePopulation } from '../../../../src/sandbox/population/generate-population.js';
import { startSandbox, type RunningSandbox } from '../../../../src/sandbox/server/sandbox-server.js';
import { SourceHttpClient, SourceHttpError } from '../../../../src/modules/source-connectors/connectors/http-client.js';
import type { SourceAuthentication, SourceEndpoint } from '../../../../src/modules/source-connectors/connectors/source-connector.js';
import { caught } from '../../../setup/caught.js';

// Authentication against real servers (the sandbox's staff identity provider for OAuth2 client
// credentials) and the mapping of HTTP answers to SourceErrors.

interface TestServer {
  url: string;
  authorizations: (string | undefined)[];
  close: () => Promise<void>;
}

async function startTestServer(handler: (request: IncomingMessage, response: ServerResponse, seen: number) => void): Promise<TestServer> {
  const authorizations: (string | undefined)[] = [];
  const server = createServer((request, response) => {
    authorizations.push(request.headers.authorization);
    handler(request, response, authorizations.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, authorizations, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const patientServer = () =>
  startTestServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/fhir+json' });
    response.end(JSON.stringify({ resourceType: 'Patient', id: 'p1' }));
  });

function endpoint(baseUrl: string, authentication: SourceAuthentication): SourceEndpoint {
  return { id: 'test-source', organisationCode: 'R9A', kind: 'acute', protocol: 'fhir-r4', baseUrl, authentication, timeoutMs: 2_000 };
}

const signal = () => AbortSignal.timeout(5_000);
const SANDBOX_SECRET = 'sandbox-service-secret-not-for-production';

describe('SourceHttpClient', () => {
  describe('bearer tokens', () => {
    it('reads the token from the named variable at call time', async () => {
      const server = await patientServer();
      try {
        const environment: NodeJS.ProcessEnv = {};
        const client = new SourceHttpClient(endpoint(server.url, { type: 'bearer', tokenVariable: 'ACUTE_TOKEN' }), { environment });
        const missing = await caught(client.getResource(`${server.url}/Patient/p1`, ['Patient'], signal()));
        expect(missing.kind).toBe('unauthorised');
        expect(missing.message).toBe('the bearer token for source test-source is missing: set the environment variable ACUTE_TOKEN');
        expect(server.authorizations).toHaveLength(0);

        environment.ACUTE_TOKEN = 'token-one';
        await expect(client.getResource(`${server.url}/Patient/p1`, ['Patient'], signal())).resolves.toMatchObject({ id: 'p1' });
        environment.ACUTE_TOKEN = 'token-two';
        await client.getResource(`${server.url}/Patient/p1`, ['Patient'], signal());
        expect(server.authorizations).toEqual(['Bearer token-one', 'Bearer token-two']);
      } finally {
        await server.close();
      }
    });

    it('sends no Authorization header for a source without authentication', async () => {
      const server = await patientServer();
      try {
        await new SourceHttpClient(endpoint(server.url, { type: 'none' })).getResource(`${server.url}/Patient/p1`, ['Patient'], signal());
        expect(server.authorizations).toEqual([undefined]);
      } finally {
        await server.close();
      }
    });
  });

  describe('OAuth2 client credentials against the sandbox identity provider', () => {
    let sandbox: RunningSandbox;
    beforeAll(async () => {
      sandbox = await startSandbox({
        population: generatePopulation({ seed: 43, size: 50, referenceDate: '2026-11-23' }),
        host: '127.0.0.1',
        port: 0,
      });
    });
    afterAll(() => sandbox.stop());

    const credentials = (secretVariable = 'DEMO_SERVICE_SECRET'): SourceAuthentication => ({
      type: 'client-credentials',
      tokenUrl: `${sandbox.url}/idp/staff/token`,
      clientId: 'tessera-demo-service',
      secretVariable,
      scope: 'records:read',
    });

    it('obtains a token, sends it, and reuses it until shortly before it expires', async () => {
      const server = await patientServer();
      try {
        const client = new SourceHttpClient(endpoint(server.url, credentials()), { environment: { DEMO_SERVICE_SECRET: SANDBOX_SECRET } });
        await Promise.all([
          client.getResource(`${server.url}/Patient/p1`, ['Patient'], signal()),
          client.getResource(`${server.url}/Patient/p1`, ['Patient'], signal()),
        ]);
        await client.getResource(`${server.url}/Patient/p1`, ['Patient'], signal());
        expect(server.authorizations).toHaveLength(3);
        // One token (each issued token has its own jti), asked for once though two calls came together.
        expect(new Set(server.authorizations).size).toBe(1);
        const claims = decodeJwt(server.authorizations[0]!.replace(/^Bearer /, ''));
        expect(claims).toMatchObject({ iss: `${sandbox.url}/idp/staff`, sub: 'tessera-demo-service', scope: 'records:read' });
      } finally {
        await server.close();
      }
    });

    it('asks for a new token once when the source answers 401 to the cached one', async () => {
      const server = await startTestServer((_request, response, seen) => {
        response.writeHead(seen === 2 ? 401 : 200, { 'content-type': 'application/fhir+json' });
        response.end(
          JSON.stringify(
            seen === 2
              ? { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] }
              : { resourceType: 'Patient', id: 'p1' },
          ),
        );
      });
      try {
        const client = new SourceHttpClient(endpoint(server.url, credentials()), { environment: { DEMO_SERVICE_SECRET: SANDBOX_SECRET } });
        await client.getResource(`${server.url}/Patient/p1`, ['Patient'], signal());
        await client.getResource(`${server.url}/Patient/p1`, ['Patient'], signal());
        expect(server.authorizations).toHaveLength(3);
        expect(server.authorizations[1]).toBe(server.authorizations[0]);
        expect(server.authorizations[2]).not.toBe(server.authorizations[1]);
      } finally {
        await server.close();
      }
    });

    it('gives unauthorised naming the variable when the secret is not set, without calling anyone', async () => {
      const server = await patientServer();
      try {
        const client = new SourceHttpClient(endpoint(server.url, credentials('MISSING_SECRET')), { environment: {} });
        const error = await caught(client.getResource(`${server.url}/Patient/p1`, ['Patient'], signal()));
        expect(error.kind).toBe('unauthorised');
        expect(error.message).toBe('the client secret for source test-source is missing: set the environment variable MISSING_SECRET');
        expect(server.authorizations).toHaveLength(0);
      } finally {
        await server.close();
      }
    });

    it('gives unauthorised with the OAuth code when the identity provider refuses the secret, never echoing it', async () => {
      const server = await patientServer();
      try {
        const client = new SourceHttpClient(endpoint(server.url, credentials()), {
          environment: { DEMO_SERVICE_SECRET: 'wrong-secret-value' },
        });
        const error = await caught(client.getResource(`${server.url}/Patient/p1`, ['Patient'], signal()));
        expect(error).toMatchObject({ kind: 'unauthorised', status: 401, outcomeCode: 'invalid_client' });
        expect(error.message).toBe('the token endpoint of source test-source refused client tessera-demo-service: 401 (invalid_client)');
        expect(error.message).not.toContain('wrong-secret-value');
      } finally {
        await server.close();
      }
    });
  });

  describe('mapping answers to errors', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer((request, response) => {
        const status = Number(/\/status\/(\d+)/.exec(request.url ?? '')?.[1] ?? 200);
        if (status === 302) {
          response.writeHead(302, { location: 'http://elsewhere.example/Patient/p1' });
          return response.end();
        }
        response.writeHead(status, { 'content-type': 'application/fhir+json' });
        response.end(
          JSON.stringify({
            resourceType: 'OperationOutcome',
            issue: [
              {
                severity: 'error',
                code: 'value',
                details: { coding: [{ system: 'https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode', code: 'INVALID_VALUE' }] },
                diagnostics: 'Invalid value - Smith in field family',
              },
            ],
          }),
        );
      });
    });
    afterAll(() => server.close());

    it.each([
      [404, 'not-found', 'source test-source has no such resource (INVALID_VALUE)'],
      [401, 'unauthorised', 'source test-source refused our credentials: 401 (INVALID_VALUE)'],
      [403, 'unauthorised', 'source test-source refused our credentials: 403 (INVALID_VALUE)'],
      [400, 'http-error', 'source test-source answered 400 (INVALID_VALUE)'],
      [422, 'http-error', 'source test-source answered 422 (INVALID_VALUE)'],
      [503, 'http-error', 'source test-source answered 503 (INVALID_VALUE)'],
    ])('maps %i to %s with the coded reason and never the diagnostics', async (status, kind, message) => {
      const client = new SourceHttpClient(endpoint(server.url, { type: 'none' }));
      const error = await caught(client.getResource(`${server.url}/status/${status}`, ['Patient'], signal()));
      expect(error).toBeInstanceOf(SourceHttpError);
      expect(error).toMatchObject({ kind, status, outcomeCode: 'INVALID_VALUE', message });
      expect(error.message).not.toContain('Smith');
    });

    it('does not follow a redirect (it could carry credentials elsewhere)', async () => {
      const client = new SourceHttpClient(endpoint(server.url, { type: 'bearer', tokenVariable: 'T' }), {
        environment: { T: 'secret-token' },
      });
      const error = await caught(client.getResource(`${server.url}/status/302`, ['Patient'], signal()));
      expect(error).toMatchObject({ kind: 'http-error', status: 302 });
      expect(error.message).not.toContain('secret-token');
    });

    it('gives timeout when the signal aborts before an answer', async () => {
      const slow = await startTestServer(() => undefined);
      try {
        const client = new SourceHttpClient(endpoint(slow.url, { type: 'none' }));
        const error = await caught(client.getResource(`${slow.url}/Patient/p1`, ['Patient'], AbortSignal.timeout(100)));
        expect(error.kind).toBe('timeout');
      } finally {
        slow.close().catch(() => undefined);
      }
    });
  });
});
