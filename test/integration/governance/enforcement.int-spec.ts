import { randomBytes } from 'node:crypto';

import { Controller, Get, Module } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';

import type { RunningHub } from '../../../src/bootstrap.js';
import { CurrentPrincipal, type Principal, RequireRoles } from '../../../src/modules/governance/index.js';
import { IdentityIndexRepository } from '../../../src/modules/identity-matching/repositories/identity-index.repository.js';
import { startTestHub } from '../../setup/test-hub.js';
import { bearer, clinicianToken, operatorToken, stewardToken, TEST_AUDIENCE, TEST_STEWARD, testIssuer } from '../../setup/test-issuer.js';
import { addIdentity, addSource, probableExplanation } from '../identity-matching/identity-index-setup.js';

// "No endpoint but health and metrics answers without a valid token" (issue 6), for GraphQL
// resolvers and HTTP controllers alike: every kind of bad token is refused with 401 and its
// reason, a missing role with 403, each refused request leaves one 'denied' audit row, and a
// steward's change is recorded as made by the signed-in steward.

/** An HTTP controller of the kind modules add, to show the guard covers controllers as well as resolvers. */
@Controller('enforcement-probe')
class ProbeController {
  @Get('whoami')
  whoami(@CurrentPrincipal() principal: Principal): { subject: string; roles: string[] } {
    return { subject: principal.subject, roles: principal.roles };
  }

  @Get('operators-only')
  @RequireRoles('operator')
  operatorsOnly(): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A token with `alg: none` and no signature, otherwise well-formed and naming the trusted issuer. */
function unsignedToken(): string {
  const now = nowSeconds();
  const claims = { iss: testIssuer().staffIssuer, sub: 'test-operator-0001', aud: TEST_AUDIENCE, iat: now, exp: now + 600 };
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`;
}

/** Each bad token and the reason the hub must give. */
const badTokens: Array<[string, () => Promise<string | undefined>, string]> = [
  ['no token', async () => undefined, 'missing-token'],
  ['an expired token', () => operatorToken({ issuedAt: nowSeconds() - 7200, expiresIn: 3600 }), 'expired'],
  ['a token from an issuer the hub does not trust', () => operatorToken({ issuer: 'http://127.0.0.1:9/not-trusted' }), 'unknown-issuer'],
  ['a token for another audience', () => operatorToken({ audience: 'another-service' }), 'wrong-audience'],
  ['an unsigned token (alg none)', async () => unsignedToken(), 'algorithm-not-allowed'],
  ['a token signed with a key the issuer does not publish', () => operatorToken({ foreignKey: true }), 'bad-signature'],
];

describe('authentication and roles on every endpoint', () => {
  let hub: RunningHub;

  beforeAll(async () => {
    hub = await startTestHub({ TESSERA_ROLE: 'api' }, [ProbeModule]);
  });
  afterAll(() => hub?.stop());

  const graphql = (query: string, token?: string, variables: Record<string, unknown> = {}, requestId?: string) => {
    const call = request(hub.url).post('/graphql');
    if (token) call.set('authorization', bearer(token));
    if (requestId) call.set('x-request-id', requestId);
    return call.send({ query, variables });
  };
  const http = (path: string, token?: string) => {
    const call = request(hub.url).get(path);
    if (token) call.set('authorization', bearer(token));
    return call;
  };
  const deniedRows = (requestId: string) =>
    hub.app
      .get(DataSource)
      .query<Array<{ action: string; outcome: string; outcome_reason: string; subject: string; principal_kind: string }>>(
        `SELECT action, outcome, outcome_reason, subject, principal_kind FROM audit_event WHERE request_id = $1`,
        [requestId],
      );

  describe.each(badTokens)('refuses %s', (_what, token, reason) => {
    it(`on GraphQL with 401 UNAUTHENTICATED (${reason})`, async () => {
      const response = await graphql('{ version }', await token());
      expect(response.status).toBe(401);
      expect(response.body.data ?? null).toBeNull();
      expect(response.body.errors).toHaveLength(1);
      expect(response.body.errors[0].extensions).toEqual({ code: 'UNAUTHENTICATED', reason });
      expect(response.headers['www-authenticate']).toMatch(/^Bearer /);
    });

    it(`on an HTTP controller with 401 (${reason})`, async () => {
      const response = await http('/enforcement-probe/whoami', await token());
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ statusCode: 401, error: 'UNAUTHENTICATED', reason });
      expect(response.headers['www-authenticate']).toBe(
        reason === 'missing-token'
          ? 'Bearer realm="tessera"'
          : `Bearer realm="tessera", error="invalid_token", error_description="${reason}"`,
      );
    });
  });

  it('teaches nothing of the schema without a token: introspection, parse and validation errors are refused first', async () => {
    for (const query of ['{ __schema { types { name } } }', '{ nosuchfield }', '{ version', 'query { record(personId: 1) { x } }']) {
      const response = await graphql(query);
      expect(response.status).toBe(401);
      expect(response.body).toEqual({
        errors: [{ message: expect.any(String), extensions: { code: 'UNAUTHENTICATED', reason: 'missing-token' } }],
      });
      expect(JSON.stringify(response.body)).not.toMatch(/__Schema|nosuchfield|Cannot query|Syntax Error|RecordSection/);
    }
    const viaGet = await request(hub.url).get('/graphql').query({ query: '{ __typename }' });
    expect(viaGet.status).toBe(401);
    // Signed in, the same mistakes get GraphQL's own help.
    const signedIn = await graphql('{ nosuchfield }', await clinicianToken());
    expect(signedIn.status).toBe(400);
    expect(signedIn.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('answers liveness, readiness and metrics without a token', async () => {
    await http('/health/live').expect(200, { status: 'ok' });
    await http('/health/ready').expect(200);
    await http('/metrics').expect(200);
  });

  it('lets any signed-in principal ask the version, and tells an HTTP handler who is asking', async () => {
    const clinician = await clinicianToken('Y01234');
    expect((await graphql('{ version }', clinician).expect(200)).body).toEqual({ data: { version: '0.1.0' } });
    const whoami = await http('/enforcement-probe/whoami', clinician).expect(200);
    expect(whoami.body).toEqual({ subject: 'test-clinician-Y01234', roles: ['clinician'] });
  });

  it('refuses operator endpoints to a clinician with FORBIDDEN (403 over HTTP), and serves them to an operator', async () => {
    const clinician = await clinicianToken();
    const operator = await operatorToken();
    for (const query of ['{ deadLetters { id } }', '{ sources { id } }', '{ matchReviews { id } }']) {
      // One refused field of a GraphQL query: a GraphQL error, the response itself stays 200.
      const refused = await graphql(query, clinician).expect(200);
      expect(refused.body.data).toBeNull();
      expect(refused.body.errors[0]).toMatchObject({ extensions: { code: 'FORBIDDEN', reason: 'missing-role' } });
      const served = await graphql(query, operator).expect(200);
      expect(served.body.errors).toBeUndefined();
    }
    const refusedHttp = await http('/enforcement-probe/operators-only', clinician);
    expect(refusedHttp.status).toBe(403);
    expect(refusedHttp.body).toMatchObject({ error: 'FORBIDDEN', reason: 'missing-role' });
    await http('/enforcement-probe/operators-only', operator).expect(200, { ok: true });
  });

  it('lets a data steward review identities but not run operator endpoints', async () => {
    const steward = await stewardToken();
    expect((await graphql('{ matchReviews { id } }', steward).expect(200)).body.errors).toBeUndefined();
    const refused = await graphql('{ deadLetters { id } }', steward).expect(200);
    expect(refused.body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'missing-role' });
  });

  it('leaves one denied audit row per refused request, without a subject when no token was valid', async () => {
    const anonymous = `enforce-${randomBytes(6).toString('hex')}`;
    const noToken = await graphql('{ deadLetters { id } sources { id } version }', undefined, {}, anonymous);
    expect(noToken.status).toBe(401);
    expect(noToken.body.errors.length).toBeGreaterThanOrEqual(1);
    expect(await deniedRows(anonymous)).toEqual([
      { action: 'execute', outcome: 'denied', outcome_reason: 'missing-token', subject: '', principal_kind: 'unauthenticated' },
    ]);

    const expired = `enforce-${randomBytes(6).toString('hex')}`;
    await graphql('{ version }', await operatorToken({ issuedAt: nowSeconds() - 7200, expiresIn: 60 }), {}, expired).expect(401);
    expect(await deniedRows(expired)).toEqual([expect.objectContaining({ outcome: 'denied', outcome_reason: 'expired', subject: '' })]);

    const forbidden = `enforce-${randomBytes(6).toString('hex')}`;
    const refused = await graphql('{ deadLetters { id } sources { id } }', await clinicianToken('Y05678'), {}, forbidden);
    expect(refused.body.errors.length).toBeGreaterThanOrEqual(1);
    for (const error of refused.body.errors as Array<{ extensions: { code: string } }>) expect(error.extensions.code).toBe('FORBIDDEN');
    expect(await deniedRows(forbidden)).toEqual([
      {
        action: 'execute',
        outcome: 'denied',
        outcome_reason: 'missing-role',
        subject: 'test-clinician-Y05678',
        principal_kind: 'professional',
      },
    ]);

    // A request that is let through is not recorded as denied.
    const allowed = `enforce-${randomBytes(6).toString('hex')}`;
    await graphql('{ version }', await clinicianToken(), {}, allowed).expect(200);
    expect(await deniedRows(allowed)).toEqual([]);
  });

  it('records a steward change as made by the signed-in steward', async () => {
    const source = await addSource(hub);
    const [kept, stray] = await Promise.all([
      addIdentity(hub, source, { given: 'Ada', family: 'Lovelace', birthDate: '1955-12-10', postcode: 'W1 1AA' }),
      addIdentity(hub, source, { given: 'A', family: 'Lovelace', postcode: 'W1 1AA' }),
    ]);
    const index = hub.app.get(IdentityIndexRepository);
    const place = (sourceIdentityId: string) =>
      index.linkIdentity({
        sourceIdentityId,
        method: 'probabilistic',
        score: 0.95,
        explanation: probableExplanation(0.95),
        actor: 'matcher',
      });
    const person = await place(kept);
    await place(stray);

    const linked = await graphql(
      'mutation L($s: ID!, $p: ID!) { linkIdentity(sourceIdentityId: $s, personId: $p, reason: "same hospital number") { event { id actor } } }',
      await stewardToken(),
      { s: stray, p: person.personId },
    ).expect(200);
    expect(linked.body.errors).toBeUndefined();
    const event = linked.body.data.linkIdentity.event as { id: string; actor: string };
    const [stored] = await hub.app
      .get(DataSource)
      .query<Array<{ actor: string }>>(`SELECT actor FROM identity_event WHERE id = $1`, [event.id]);
    expect(stored!.actor).toBe(`${TEST_STEWARD.sub} (${TEST_STEWARD.name})`);
    expect(event.actor).toBe(stored!.actor);
  });
});
