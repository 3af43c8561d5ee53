import path from 'node:path';

import { decodeJwt, decodeProtectedHeader, exportSPKI, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';

import { AppConfig } from '../../../src/platform/config/index.js';
import { GovernanceError, GovernanceErrorCode, TokenVerifier, type AuthenticationFailure } from '../../../src/modules/governance/index.js';
import { generatePopulation } from '../../../src/sandbox/population/generate-population.js';
import { startSandbox, type RunningSandbox } from '../../../src/sandbox/server/sandbox-server.js';
import { sandboxIssuers, sandboxUsers, serviceToken, tokenFor, type SandboxUser } from '../../setup/tokens.js';

function verifierTrusting(issuers: string, extra: Partial<Record<'AUTH_JWKS_COOLDOWN_S' | 'AUTH_AUDIENCE', string>> = {}): TokenVerifier {
  const config = AppConfig.fromEnvironment(
    {},
    {
      AUTH_ISSUERS: issuers,
      AUTH_ROLES_FILE: path.resolve('config/roles.json'),
      // The sandbox rotates keys on demand: let an unknown kid refetch the key set at once.
      AUTH_JWKS_COOLDOWN_S: '0',
      ...extra,
    },
  );
  return new TokenVerifier(config);
}

/** The refusal a verification ends in; fails the test if it succeeds. */
async function refusalOf(verification: Promise<unknown>): Promise<GovernanceError> {
  try {
    await verification;
  } catch (error) {
    if (error instanceof GovernanceError) return error;
    throw error;
  }
  throw new Error('the token was accepted');
}

async function expectRefused(verifier: TokenVerifier, authorization: string | undefined, reason: AuthenticationFailure): Promise<void> {
  const error = await refusalOf(verifier.verify(authorization));
  expect({ code: error.code, reason: error.reason }).toEqual({ code: GovernanceErrorCode.Unauthenticated, reason });
  // The refusal never echoes the token (or any part of it that could be replayed).
  if (authorization) {
    for (const part of authorization.replace(/^Bearer /, '').split('.')) {
      if (part.length > 8) expect(error.message).not.toContain(part);
    }
  }
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('TokenVerifier against the sandbox identity providers', () => {
  let sandbox: RunningSandbox;
  let verifier: TokenVerifier;
  let staff: SandboxUser[];
  let residents: SandboxUser[];
  const user = (persona: string) => staff.find((candidate) => candidate.persona === persona) as SandboxUser;

  beforeAll(async () => {
    sandbox = await startSandbox({
      population: generatePopulation({ seed: 61, size: 200, referenceDate: '2026-11-23' }),
      host: '127.0.0.1',
      port: 0,
    });
    verifier = verifierTrusting(sandboxIssuers(sandbox.url));
    staff = await sandboxUsers(sandbox.url, 'staff');
    residents = await sandboxUsers(sandbox.url, 'resident');
  });
  afterAll(() => sandbox.stop());

  describe('accepts', () => {
    it.each([
      ['gp', 'professional', 'clinician', 'S8000:G8000:R8000'],
      ['practice-nurse', 'professional', 'clinician', 'S8000:G8000:R8001'],
      ['admin-clerk', 'professional', 'admin-clerk', 'S8001:G8002:R8008'],
      ['social-worker', 'professional', 'social-worker', 'S8000:G8000:R8014'],
      ['care-worker', 'professional', 'care-worker', 'SSB00:GSB00:RSB01'],
      ['operator', 'operator', 'operator', 'S8001:G8005:R8015'],
      ['privacy-officer', 'privacy-officer', 'privacy-officer', 'SSB00:GSB00:RSB02'],
      ['analyst', 'analyst', 'analyst', 'SSB00:GSB00:RSB03'],
    ])('a %s as a %s with the %s role', async (persona, kind, role, roleCode) => {
      const person = user(persona);
      const principal = await verifier.verify(`Bearer ${await tokenFor(sandbox.url, person.id)}`);
      expect(principal).toEqual({
        kind,
        subject: person.sub,
        issuer: `${sandbox.url}/idp/staff`,
        name: person.name,
        roles: [role],
        roleCodes: [roleCode],
        organisation: person.organisation,
        // The OIDC scopes CIS2 grants: none of them a SMART scope, so the FHIR facade's scope check does not apply.
        scopes: ['openid', 'profile', 'nationalrbacaccess', 'associatedorgs'],
      });
    });

    it('a resident with their NHS number and proofing level, P9 and P5', async () => {
      const verified = residents.find((resident) => resident.identityProofingLevel === 'P9') as SandboxUser;
      const selfAsserted = residents.find((resident) => resident.identityProofingLevel === 'P5') as SandboxUser;
      for (const resident of [verified, selfAsserted]) {
        const principal = await verifier.verify(`Bearer ${await tokenFor(sandbox.url, resident.id)}`);
        expect(principal).toEqual({
          kind: 'resident',
          subject: resident.sub,
          issuer: `${sandbox.url}/idp/residents`,
          name: resident.name,
          roles: ['resident'],
          roleCodes: [],
          nhsNumber: resident.nhsNumber,
          proofingLevel: resident.identityProofingLevel,
          scopes: ['openid', 'profile', 'gp_registration_details'],
        });
      }
    });

    it('a service client with its scopes', async () => {
      const principal = await verifier.verify(`Bearer ${await serviceToken(sandbox.url)}`);
      expect(principal).toEqual({
        kind: 'service',
        subject: 'tessera-demo-service',
        issuer: `${sandbox.url}/idp/staff`,
        roles: ['service'],
        roleCodes: [],
        scopes: ['tessera:service'],
      });
    });

    it('a bare token (as WebSocket connection parameters carry it)', async () => {
      await expect(verifier.verify(await tokenFor(sandbox.url, user('gp').id))).resolves.toMatchObject({ kind: 'professional' });
    });

    it('a token expired less than the clock tolerance ago', async () => {
      const token = await tokenFor(sandbox.url, user('gp').id, { issuedAt: nowSeconds() - 70, expiresIn: 60 });
      await expect(verifier.verify(`Bearer ${token}`)).resolves.toMatchObject({ kind: 'professional' });
    });
  });

  describe('refuses', () => {
    it('no token at all', async () => {
      await expectRefused(verifier, undefined, 'missing-token');
      await expectRefused(verifier, '   ', 'missing-token');
    });

    it('malformed tokens and other schemes', async () => {
      await expectRefused(verifier, 'Bearer not-a-jwt', 'malformed-token');
      await expectRefused(verifier, 'Bearer aaaa.bbbb.cccc', 'malformed-token');
      await expectRefused(verifier, 'Basic dXNlcjpwYXNz', 'malformed-token');
      await expectRefused(verifier, `Bearer ${'a'.repeat(20_000)}.b.c`, 'malformed-token');
    });

    it('an expired token', async () => {
      const token = await tokenFor(sandbox.url, user('gp').id, { issuedAt: nowSeconds() - 7200, expiresIn: 600 });
      await expectRefused(verifier, `Bearer ${token}`, 'expired');
    });

    it('a token issued in the future', async () => {
      const token = await tokenFor(sandbox.url, user('gp').id, { issuedAt: nowSeconds() + 3600 });
      await expectRefused(verifier, `Bearer ${token}`, 'not-yet-valid');
    });

    it('a token from an issuer the hub does not trust', async () => {
      const residentsOnly = verifierTrusting(JSON.stringify([{ issuer: `${sandbox.url}/idp/residents`, kind: 'resident' }]));
      await expectRefused(residentsOnly, `Bearer ${await tokenFor(sandbox.url, user('gp').id)}`, 'unknown-issuer');
      await expectRefused(residentsOnly, `Bearer ${await serviceToken(sandbox.url)}`, 'unknown-issuer');
    });

    it('a service token from a staff issuer not trusted for services', async () => {
      const staffOnly = verifierTrusting(JSON.stringify([{ issuer: `${sandbox.url}/idp/staff`, kind: 'staff' }]));
      await expectRefused(staffOnly, `Bearer ${await serviceToken(sandbox.url)}`, 'unknown-issuer');
      await expect(staffOnly.verify(`Bearer ${await tokenFor(sandbox.url, user('gp').id)}`)).resolves.toMatchObject({
        kind: 'professional',
      });
    });

    it('a token for another audience', async () => {
      const token = await tokenFor(sandbox.url, user('gp').id, { audience: 'another-hub' });
      await expectRefused(verifier, `Bearer ${token}`, 'wrong-audience');
      const otherHub = verifierTrusting(sandboxIssuers(sandbox.url), { AUTH_AUDIENCE: 'another-hub' });
      await expect(otherHub.verify(`Bearer ${token}`)).resolves.toMatchObject({ kind: 'professional' });
    });

    it('an unsigned token (alg: none)', async () => {
      const real = decodeJwt(await tokenFor(sandbox.url, user('gp').id));
      await expectRefused(verifier, `Bearer ${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(real)}.`, 'algorithm-not-allowed');
    });

    it('a token with a changed signature', async () => {
      const [header, payload, signature] = (await tokenFor(sandbox.url, user('gp').id)).split('.') as [string, string, string];
      const middle = Math.floor(signature.length / 2);
      const flipped = `${signature.slice(0, middle)}${signature[middle] === 'A' ? 'B' : 'A'}${signature.slice(middle + 1)}`;
      await expectRefused(verifier, `Bearer ${header}.${payload}.${flipped}`, 'bad-signature');
    });

    it('a token whose claims were changed after signing (another resident’s NHS number)', async () => {
      const [a, b] = residents as [SandboxUser, SandboxUser];
      const [header, payload, signature] = (await tokenFor(sandbox.url, a.id)).split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      const forged = base64url({ ...claims, nhs_number: b.nhsNumber });
      await expectRefused(verifier, `Bearer ${header}.${forged}.${signature}`, 'bad-signature');
    });

    it('a token signed with HS256 using the issuer’s public key as the secret', async () => {
      const real = await tokenFor(sandbox.url, user('gp').id);
      const { kid } = decodeProtectedHeader(real);
      const jwks = (await (await fetch(`${sandbox.url}/idp/staff/jwks.json`)).json()) as { keys: JWK[] };
      const publicKey = await importJWK(jwks.keys.find((key) => key.kid === kid) as JWK, 'RS256', { extractable: true });
      const secret = new TextEncoder().encode(await exportSPKI(publicKey as CryptoKey));
      const forged = await new SignJWT(decodeJwt(real)).setProtectedHeader({ alg: 'HS256', kid, typ: 'JWT' }).sign(secret);
      await expectRefused(verifier, `Bearer ${forged}`, 'algorithm-not-allowed');
    });

    it('a token signed with a key the issuer does not publish', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      const claims = decodeJwt(await tokenFor(sandbox.url, user('gp').id));
      const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'attacker-key', typ: 'JWT' }).sign(privateKey);
      await expectRefused(verifier, `Bearer ${forged}`, 'bad-signature');
    });
  });

  it('follows a key rotation: tokens signed with the new key verify, and so do those signed just before', async () => {
    const before = await tokenFor(sandbox.url, user('gp').id);
    await expect(verifier.verify(`Bearer ${before}`)).resolves.toMatchObject({ kind: 'professional' });

    const rotation = await fetch(`${sandbox.url}/idp/staff/rotate-keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(rotation.status).toBe(200);
    const after = await tokenFor(sandbox.url, user('gp').id);
    expect(decodeProtectedHeader(after).kid).not.toBe(decodeProtectedHeader(before).kid);

    await expect(verifier.verify(`Bearer ${after}`)).resolves.toMatchObject({ kind: 'professional', subject: user('gp').sub });
    await expect(verifier.verify(`Bearer ${before}`)).resolves.toMatchObject({ kind: 'professional' });
  });

  it('reports an issuer whose discovery document cannot be read as unavailable, not as the caller’s fault', async () => {
    const misconfigured = verifierTrusting(JSON.stringify([{ issuer: `${sandbox.url}/idp/nowhere`, kind: 'staff' }]));
    const claims = decodeJwt(await tokenFor(sandbox.url, user('gp').id));
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({ ...claims, iss: `${sandbox.url}/idp/nowhere` }).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
    await expectRefused(misconfigured, `Bearer ${token}`, 'issuer-unavailable');
  });
});
