import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';

import { isValidNhsNumber } from '../../../fhir/index.js';
import { generatePopulation } from '../../population/generate-population.js';
import { startSandbox, type RunningSandbox } from '../../server/sandbox-server.js';

const SEED = 4242;
const SIZE = 300;
const REFERENCE_DATE = '2025-06-01';

interface PublicUser {
  id: string;
  kind: 'staff' | 'resident';
  persona: string;
  name: string;
  sub: string;
  roles: Array<{ code: string; roleCode: string; roleName: string; source: string }>;
  organisation: { code: string; name: string };
  nhsNumber?: string;
  birthDate?: string;
  identityProofingLevel?: 'P9' | 'P5';
  carerFor?: { nhsNumber: string; name: string; relationship: string };
}

interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  id_token?: string;
  scope?: string;
}

async function start(seed = SEED): Promise<RunningSandbox> {
  const population = generatePopulation({ seed, size: SIZE, referenceDate: REFERENCE_DATE });
  return startSandbox({ population, host: '127.0.0.1', port: 0 });
}

function postJson(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function token(base: string, user: string, extra: Record<string, unknown> = {}): Promise<TokenResponse> {
  const response = await postJson(`${base}/idp/token`, { user, ...extra });
  expect(response.status).toBe(200);
  return (await response.json()) as TokenResponse;
}

async function users(base: string): Promise<PublicUser[]> {
  const response = await fetch(`${base}/idp/users`);
  expect(response.status).toBe(200);
  return (await response.json()) as PublicUser[];
}

async function discovery(
  base: string,
  provider: 'staff' | 'residents',
): Promise<Record<string, unknown> & { issuer: string; jwks_uri: string }> {
  const response = await fetch(`${base}/idp/${provider}/.well-known/openid-configuration`);
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown> & { issuer: string; jwks_uri: string };
}

async function verify(base: string, provider: 'staff' | 'residents', jwt: string, audience = 'tessera'): Promise<JWTPayload> {
  const config = await discovery(base, provider);
  const jwks = createRemoteJWKSet(new URL(config.jwks_uri), { cooldownDuration: 0 });
  const { payload } = await jwtVerify(jwt, jwks, { issuer: config.issuer, audience, algorithms: ['RS256'] });
  return payload;
}

describe('sandbox identity providers (/idp)', () => {
  let sandbox: RunningSandbox;
  let base: string;

  beforeAll(async () => {
    sandbox = await start();
    base = sandbox.url;
  });

  afterAll(() => sandbox.stop());

  it.each(['staff', 'residents'] as const)('publishes a consistent discovery document for %s', async (provider) => {
    const config = await discovery(base, provider);

    expect(config.issuer).toBe(`${base}/idp/${provider}`);
    expect(config.id_token_signing_alg_values_supported).toContain('RS256');
    expect(config.token_endpoint).toBe(`${base}/idp/${provider}/token`);
    const jwks = await fetch(config.jwks_uri);
    expect(jwks.status).toBe(200);
    const { keys } = (await jwks.json()) as { keys: Array<Record<string, unknown>> };
    expect(keys.length).toBeGreaterThan(0);
  });

  it('publishes public keys only, each with a kid, alg and use', async () => {
    for (const provider of ['staff', 'residents'] as const) {
      const { keys } = (await (await fetch(`${base}/idp/${provider}/jwks.json`)).json()) as { keys: Array<Record<string, unknown>> };
      for (const key of keys) {
        expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) });
        for (const privateMember of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']) expect(key).not.toHaveProperty(privateMember);
      }
    }
    const staffKids = ((await (await fetch(`${base}/idp/staff/jwks.json`)).json()) as { keys: Array<{ kid: string }> }).keys.map(
      (k) => k.kid,
    );
    const residentKids = ((await (await fetch(`${base}/idp/residents/jwks.json`)).json()) as { keys: Array<{ kid: string }> }).keys.map(
      (k) => k.kid,
    );
    expect(staffKids.some((kid) => residentKids.includes(kid))).toBe(false);
  });

  it('issues a staff token that verifies against the discovery issuer and carries national RBAC roles', async () => {
    const gp = (await users(base)).find((user) => user.persona === 'gp')!;
    const issued = await token(base, gp.id);

    expect(issued).toMatchObject({ token_type: 'Bearer', expires_in: 3600, id_token: expect.any(String) });
    const claims = await verify(base, 'staff', issued.access_token);
    expect(claims).toMatchObject({ sub: gp.sub, aud: 'tessera', jti: expect.any(String) });
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(claims.nhsid_nrbac_roles).toEqual([
      expect.objectContaining({ org_code: gp.organisation.code, role_code: 'S8000:G8000:R8000', person_roleid: expect.any(String) }),
    ]);
    expect(gp.organisation.code).toMatch(/^F83\d{3}$/);
    const idClaims = await verify(base, 'staff', issued.id_token!);
    expect(idClaims.sub).toBe(gp.sub);
  });

  it('issues a resident token whose NHS number is valid and belongs to a living person of the borough', async () => {
    const residents = (await users(base)).filter((user) => user.kind === 'resident');
    expect(residents.length).toBeGreaterThanOrEqual(5);
    const resident = residents.find((user) => user.identityProofingLevel === 'P9' && !user.carerFor)!;

    const claims = await verify(base, 'residents', (await token(base, resident.id)).access_token);

    expect(claims).toMatchObject({
      nhs_number: resident.nhsNumber,
      identity_proofing_level: 'P9',
      vot: 'P9.Cp.Cd',
      birthdate: resident.birthDate,
    });
    expect(claims.given_name).toEqual(expect.any(String));
    expect(claims.family_name).toEqual(expect.any(String));
    expect(isValidNhsNumber(claims.nhs_number as string)).toBe(true);
    const person = sandbox.context.population.people.find((candidate) => candidate.nhsNumber === claims.nhs_number);
    expect(person).toBeDefined();
    expect(person!.deathDate).toBeUndefined();
    expect(person!.gp?.practiceCode).toBe(resident.organisation.code);
  });

  it('offers one resident proofed to P5 only and one carer of a member of their household', async () => {
    const residents = (await users(base)).filter((user) => user.kind === 'resident');
    const p5 = residents.filter((user) => user.identityProofingLevel === 'P5');
    expect(p5).toHaveLength(1);
    const claims = await verify(base, 'residents', (await token(base, p5[0]!.id)).access_token);
    expect(claims).toMatchObject({ identity_proofing_level: 'P5', vot: 'P5.Cp.Cd' });

    const carers = residents.filter((user) => user.carerFor);
    expect(carers).toHaveLength(1);
    const people = sandbox.context.population.people;
    const carer = people.find((person) => person.nhsNumber === carers[0]!.nhsNumber)!;
    const caredFor = people.find((person) => person.nhsNumber === carers[0]!.carerFor!.nhsNumber)!;
    expect(caredFor.householdId).toBe(carer.householdId);
    expect(caredFor.id).not.toBe(carer.id);
  });

  it('lists a staff user for every persona, with readable ids and organisations of the borough', async () => {
    const all = await users(base);
    const staff = all.filter((user) => user.kind === 'staff');
    const byPersona = new Map(staff.map((user) => [user.persona, user]));

    expect([...byPersona.keys()].sort()).toEqual(
      [
        'admin-clerk',
        'analyst',
        'care-worker',
        'gp',
        'hospital-doctor',
        'mental-health-nurse',
        'operator',
        'practice-nurse',
        'privacy-officer',
        'social-worker',
      ].sort(),
    );
    expect(byPersona.get('gp')!.id).toBe('gp.amara.okafor');
    expect(byPersona.get('practice-nurse')!.organisation).toEqual(byPersona.get('gp')!.organisation);
    // The GP has demo residents among their patients.
    expect(all.some((user) => user.kind === 'resident' && user.organisation.code === byPersona.get('gp')!.organisation.code)).toBe(true);
    expect(byPersona.get('hospital-doctor')!.organisation.code).toBe('R9A');
    expect(byPersona.get('mental-health-nurse')!.organisation.code).toBe('R9M');
    expect(byPersona.get('social-worker')!.organisation.code).toBe('E09000019');
    expect(byPersona.get('care-worker')!.roles[0]).toMatchObject({ source: 'sandbox' });
    for (const user of staff) expect(user.roles[0]!.roleCode).toMatch(/^S\w+:G\w+:R\w+$/);
    const one = await fetch(`${base}/idp/users/gp.amara.okafor`);
    expect(((await one.json()) as PublicUser).persona).toBe('gp');
  });

  it('answers 404 unknown_user for a user it does not know, and for a user of the other provider', async () => {
    const unknown = await postJson(`${base}/idp/token`, { user: 'gp.nobody.here' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'unknown_user', error_description: expect.stringContaining('gp.nobody.here') });

    const wrongProvider = await postJson(`${base}/idp/residents/token`, { user: 'gp.amara.okafor' });
    expect(wrongProvider.status).toBe(404);
  });

  it.each([
    ['an empty object', {}],
    ['a numeric user', { user: 42 }],
    ['an unknown member', { user: 'gp.amara.okafor', expires: 60 }],
    ['a zero lifetime', { user: 'gp.amara.okafor', expiresIn: 0 }],
    ['a lifetime over a day', { user: 'gp.amara.okafor', expiresIn: 86_401 }],
    ['an issue time far in the past', { user: 'gp.amara.okafor', issuedAt: 1 }],
    ['an array', [{ user: 'gp.amara.okafor' }]],
  ])('answers 400 invalid_request for %s', async (_label, body) => {
    const response = await postJson(`${base}/idp/token`, body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request', error_description: expect.any(String) });
  });

  it('answers 400 invalid_request when the body is not JSON at all', async () => {
    const response = await fetch(`${base}/idp/token`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'user=gp' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('makes backdated tokens that have expired and tokens for another audience, which verifiers refuse', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await token(base, 'gp.amara.okafor', { issuedAt: now - 7200, expiresIn: 3600 });
    expect(expired.expires_in).toBe(0);
    await expect(verify(base, 'staff', expired.access_token)).rejects.toBeInstanceOf(errors.JWTExpired);

    const elsewhere = await token(base, 'gp.amara.okafor', { audience: 'another-service', expiresIn: 60 });
    await expect(verify(base, 'staff', elsewhere.access_token)).rejects.toBeInstanceOf(errors.JWTClaimValidationFailed);
    expect((await verify(base, 'staff', elsewhere.access_token, 'another-service')).exp).toBeLessThanOrEqual(now + 61);
  });

  it('issues service tokens for the client credentials grant and refuses a wrong secret', async () => {
    const form = (secret: string) =>
      new URLSearchParams({ grant_type: 'client_credentials', client_id: 'tessera-demo-service', client_secret: secret });
    const ok = await fetch(`${base}/idp/token`, { method: 'POST', body: form('sandbox-service-secret-not-for-production') });
    expect(ok.status).toBe(200);
    const issued = (await ok.json()) as TokenResponse;
    const claims = await verify(base, 'staff', issued.access_token);
    expect(claims).toMatchObject({ client_id: 'tessera-demo-service', sub: 'tessera-demo-service', scope: 'tessera:service' });

    const basic = Buffer.from('tessera-demo-service:sandbox-service-secret-not-for-production').toString('base64');
    const withBasic = await fetch(`${base}/idp/staff/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    expect(withBasic.status).toBe(200);

    const wrong = await fetch(`${base}/idp/token`, { method: 'POST', body: form('guess') });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_client' });

    const otherGrant = await fetch(`${base}/idp/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'password' }) });
    expect(otherGrant.status).toBe(400);
    expect(await otherGrant.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('answers userinfo with the claims of its own tokens and refuses the other provider’s', async () => {
    const issued = await token(base, 'gp.amara.okafor');
    const info = await fetch(`${base}/idp/staff/userinfo`, { headers: { authorization: `Bearer ${issued.access_token}` } });
    expect(info.status).toBe(200);
    expect(await info.json()).toMatchObject({ given_name: 'Amara', family_name: 'Okafor', nhsid_nrbac_roles: expect.any(Array) });

    const foreign = await fetch(`${base}/idp/residents/userinfo`, { headers: { authorization: `Bearer ${issued.access_token}` } });
    expect(foreign.status).toBe(401);
  });
});

describe('sandbox identity provider users', () => {
  it('are the same for the same seed and change with the seed', async () => {
    const [first, second, other] = await Promise.all([start(), start(), start(SEED + 1)]);
    try {
      const [a, b, c] = await Promise.all([users(first.url), users(second.url), users(other.url)]);
      expect(b).toEqual(a);
      const nhsNumbers = (list: PublicUser[]) => list.filter((user) => user.kind === 'resident').map((user) => user.nhsNumber);
      expect(nhsNumbers(c)).not.toEqual(nhsNumbers(a));
    } finally {
      await Promise.all([first.stop(), second.stop(), other.stop()]);
    }
  });
});

describe('sandbox identity provider key rotation', () => {
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    sandbox = await start();
  });

  afterAll(() => sandbox.stop());

  it('keeps tokens signed before a rotation valid and signs new ones with the new key', async () => {
    const base = sandbox.url;
    const config = await discovery(base, 'staff');
    // One long-lived key set, as a verifier caches it: it must pick up the new key by itself.
    const jwks = createRemoteJWKSet(new URL(config.jwks_uri), { cooldownDuration: 0 });
    const check = (jwt: string) => jwtVerify(jwt, jwks, { issuer: config.issuer, audience: 'tessera' });

    const before = await token(base, 'gp.amara.okafor');
    await check(before.access_token);
    const rotation = await fetch(`${base}/idp/staff/rotate-keys`, { method: 'POST' });
    expect(rotation.status).toBe(200);
    const rotated = (await rotation.json()) as { kid: string; jwks: string[] };
    const after = await token(base, 'gp.amara.okafor');

    const oldKid = decodeProtectedHeader(before.access_token).kid;
    expect(decodeProtectedHeader(after.access_token).kid).toBe(rotated.kid);
    expect(rotated.kid).not.toBe(oldKid);
    expect(rotated.jwks).toEqual(expect.arrayContaining([oldKid, rotated.kid]));
    await expect(check(before.access_token)).resolves.toBeDefined();
    await expect(check(after.access_token)).resolves.toBeDefined();
    // The residents' provider rotates on its own.
    expect(
      decodeProtectedHeader((await token(base, (await users(base)).find((u) => u.kind === 'resident')!.id)).access_token).kid,
    ).not.toBe(rotated.kid);
  });

  it('drops a replaced key at once when the grace period is zero', async () => {
    const base = sandbox.url;
    const before = await token(base, 'doctor.priya.raman');
    const rotation = await postJson(`${base}/idp/staff/rotate-keys`, { graceSeconds: 0 });
    expect(rotation.status).toBe(200);

    await expect(verify(base, 'staff', before.access_token)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    await expect(verify(base, 'staff', (await token(base, 'doctor.priya.raman')).access_token)).resolves.toBeDefined();
    const { keys } = (await (await fetch(`${base}/idp/staff/jwks.json`)).json()) as { keys: unknown[] };
    expect(keys).toHaveLength(1);
  });

  it('refuses a malformed rotation request', async () => {
    const response = await postJson(`${sandbox.url}/idp/staff/rotate-keys`, { graceSeconds: -1 });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });
});
