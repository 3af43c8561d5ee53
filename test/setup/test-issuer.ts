// An in-process OIDC issuer for the test suite: real RS256 tokens for any principal shape, so that
// tests which do not run the sandbox still talk to a hub that enforces authentication (issue 6).
// It serves two issuers like the sandbox does: `<base>/staff` (CIS2-like staff, and service
// clients) and `<base>/residents` (NHS login-like), each with discovery and a JWKS.
import { generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';

import { SignJWT } from 'jose';

export const TEST_AUDIENCE = 'tessera';

/** Demo role codes (config/roles.json) by hub role. */
export const ROLE_CODES = {
  clinician: 'S8000:G8000:R8000',
  'admin-clerk': 'S8001:G8002:R8008',
  'social-worker': 'S8000:G8000:R8014',
  operator: 'S8001:G8005:R8015',
  'care-worker': 'SSB00:GSB00:RSB01',
  'privacy-officer': 'SSB00:GSB00:RSB02',
  analyst: 'SSB00:GSB00:RSB03',
  'data-steward': 'SSB00:GSB00:RSB04',
} as const;
export type StaffRole = keyof typeof ROLE_CODES;

export interface StaffShape {
  kind: 'staff';
  sub: string;
  name: string;
  roles: StaffRole[];
  organisation?: { code: string; name: string };
}
export interface ResidentShape {
  kind: 'resident';
  sub: string;
  nhsNumber: string;
  proofing?: 'P0' | 'P5' | 'P9';
  given?: string;
  family?: string;
}
export interface ServiceShape {
  kind: 'service';
  clientId: string;
  scope?: string;
}
export type PrincipalShape = StaffShape | ResidentShape | ServiceShape;

/** Ways to spoil a token, for tests of refusals. */
export interface SigningOptions {
  audience?: string;
  /** Lifetime in seconds (default 3600). */
  expiresIn?: number;
  /** Unix seconds (default now). */
  issuedAt?: number;
  /** Sign as another issuer URL (one the hub does not trust). */
  issuer?: string;
  /** Sign with a key the issuer does not publish (the signature will not verify). */
  foreignKey?: boolean;
}

export interface TestIssuer {
  url: string;
  staffIssuer: string;
  residentIssuer: string;
  /** The AUTH_ISSUERS value that trusts both of this issuer's providers. */
  authIssuers: string;
  sign(shape: PrincipalShape, options?: SigningOptions): Promise<string>;
}

let running: TestIssuer | undefined;

/**
 * This test file's issuer, started on first use. Synchronous so that testConfig() can trust it:
 * the key pair is made synchronously and a server listening on port 0 without a host has its
 * port at once (with a host, Node resolves it first). The server is unref'd: it never keeps Jest alive.
 */
export function testIssuer(): TestIssuer {
  if (running) return running;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const kid = `test-${randomUUID().slice(0, 8)}`;
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };

  let base = '';
  const server: Server = createServer((req, res) => {
    // It listens on every interface (see above), so it answers only this machine.
    const remote = req.socket.remoteAddress ?? '';
    if (!['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(remote)) {
      res.writeHead(403).end();
      return;
    }
    const match = /^\/(staff|residents)\/(\.well-known\/openid-configuration|jwks\.json)$/.exec(req.url ?? '');
    if (!match) {
      res.writeHead(404).end();
      return;
    }
    const issuer = `${base}/${match[1]}`;
    const body =
      match[2] === 'jwks.json'
        ? { keys: [jwk] }
        : { issuer, jwks_uri: `${issuer}/jwks.json`, id_token_signing_alg_values_supported: ['RS256'] };
    // No keep-alive: an idle socket to this issuer would keep Jest from exiting.
    res.writeHead(200, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify(body));
  });
  server.listen(0);
  server.unref();
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the test issuer did not get a port');
  base = `http://127.0.0.1:${address.port}`;
  const staffIssuer = `${base}/staff`;
  const residentIssuer = `${base}/residents`;

  running = {
    url: base,
    staffIssuer,
    residentIssuer,
    authIssuers: JSON.stringify([
      { issuer: staffIssuer, kind: 'staff', services: true },
      { issuer: residentIssuer, kind: 'resident' },
    ]),
    sign: (shape, options = {}) =>
      sign(shape, options, { staffIssuer, residentIssuer, kid, key: options.foreignKey ? foreign : privateKey }),
  };
  return running;
}

async function sign(
  shape: PrincipalShape,
  options: SigningOptions,
  issuer: { staffIssuer: string; residentIssuer: string; kid: string; key: KeyObject },
): Promise<string> {
  const issuedAt = options.issuedAt ?? Math.floor(Date.now() / 1000);
  const iss = options.issuer ?? (shape.kind === 'resident' ? issuer.residentIssuer : issuer.staffIssuer);
  return new SignJWT(claimsOf(shape))
    .setProtectedHeader({ alg: 'RS256', kid: issuer.kid, typ: 'JWT' })
    .setIssuer(iss)
    .setSubject(shape.kind === 'service' ? shape.clientId : shape.sub)
    .setAudience(options.audience ?? TEST_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + (options.expiresIn ?? 3600))
    .setJti(randomUUID())
    .sign(issuer.key);
}

/** The claims CIS2, NHS login and a client-credentials grant put in their tokens (principal-from-claims.ts reads them). */
function claimsOf(shape: PrincipalShape): Record<string, unknown> {
  switch (shape.kind) {
    case 'staff': {
      const organisation = shape.organisation ?? { code: 'Y00001', name: 'Tessera Test Organisation' };
      const roles = shape.roles.map((role, index) => ({
        person_roleid: `${shape.sub}-${index + 1}`,
        role_code: ROLE_CODES[role],
        org_code: organisation.code,
      }));
      return {
        name: shape.name,
        nhsid_nrbac_roles: roles,
        nhsid_user_orgs: [{ org_code: organisation.code, org_name: organisation.name }],
        ...(roles.length ? { selected_roleid: roles[0]!.person_roleid } : {}),
      };
    }
    case 'resident':
      return {
        nhs_number: shape.nhsNumber,
        identity_proofing_level: shape.proofing ?? 'P9',
        ...(shape.given ? { given_name: shape.given } : {}),
        ...(shape.family ? { family_name: shape.family } : {}),
      };
    case 'service':
      return { client_id: shape.clientId, scope: shape.scope ?? 'tessera:service' };
  }
}

/** An operator (Systems Support Access Role): dead letters, sources, stewardship. */
export function operatorToken(options?: SigningOptions): Promise<string> {
  return testIssuer().sign({ kind: 'staff', sub: 'test-operator-0001', name: 'Olu Operator', roles: ['operator'] }, options);
}

/** The data steward stewardToken() signs for. */
export const TEST_STEWARD = { sub: 'test-steward-0001', name: 'Sam Steward' } as const;

/** A data steward: reviews identity links. */
export function stewardToken(options?: SigningOptions): Promise<string> {
  return testIssuer().sign({ kind: 'staff', ...TEST_STEWARD, roles: ['data-steward'] }, options);
}

/** A clinician acting for an organisation (ODS code). */
export function clinicianToken(organisationCode = 'Y00001', options?: SigningOptions): Promise<string> {
  return testIssuer().sign(
    {
      kind: 'staff',
      sub: `test-clinician-${organisationCode}`,
      name: 'Cleo Clinician',
      roles: ['clinician'],
      organisation: { code: organisationCode, name: `Organisation ${organisationCode}` },
    },
    options,
  );
}

/** A resident signed in with NHS login (P9 unless said otherwise). */
export function residentToken(nhsNumber: string, proofing: 'P0' | 'P5' | 'P9' = 'P9', options?: SigningOptions): Promise<string> {
  return testIssuer().sign({ kind: 'resident', sub: `test-resident-${nhsNumber}`, nhsNumber, proofing }, options);
}

/** A service client (client credentials). */
export function serviceClientToken(clientId = 'test-service', options?: SigningOptions): Promise<string> {
  return testIssuer().sign({ kind: 'service', clientId }, options);
}

/** `Authorization` header value for a token. */
export const bearer = (token: string): string => `Bearer ${token}`;
