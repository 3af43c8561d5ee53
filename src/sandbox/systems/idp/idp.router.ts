import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';

import express, { type Request, type Response, type Router } from 'express';
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';

import type { SandboxContext } from '../../server/sandbox-context.js';
import { buildDemoUsers, type DemoUser, type DemoUserKind } from './demo-users.js';
import { DEFAULT_ROTATION_GRACE_SECONDS, SIGNING_ALGORITHM, SigningKeyRing } from './signing-keys.js';
import { userClaims, userScope } from './token-claims.js';

// /idp: two OpenID providers on one prefix, a CIS2-like one for staff and an NHS login-like one
// for residents. There is no sign-in page: POST /idp/token hands out a signed token for any demo
// user, which is what tests and the demo need. docs/SANDBOX.md, "Identity providers".

export const PROVIDERS = ['staff', 'residents'] as const;
export type ProviderId = (typeof PROVIDERS)[number];

const PROVIDER_KIND: Record<ProviderId, DemoUserKind> = { staff: 'staff', residents: 'resident' };

export const DEFAULT_AUDIENCE = 'tessera';
export const DEFAULT_EXPIRES_IN_SECONDS = 3600;
const MAX_EXPIRES_IN_SECONDS = 86_400;
/** How far `issuedAt` may be moved: back far enough to make long-expired tokens, forward for clock-skew tests. */
const MAX_BACKDATE_SECONDS = 30 * 86_400;
const MAX_FORWARD_DATE_SECONDS = 86_400;

export const SERVICE_CLIENT_ID = 'tessera-demo-service';
/** Sandbox only: override with SANDBOX_SERVICE_CLIENT_SECRET. Never a real credential. */
export const DEFAULT_SERVICE_CLIENT_SECRET = 'sandbox-service-secret-not-for-production';
const DEFAULT_SERVICE_SCOPE = 'tessera:service';

const userTokenRequestSchema = z.strictObject({
  user: z.string().min(1).max(200),
  audience: z.string().min(1).max(200).optional(),
  expiresIn: z.number().int().min(1).max(MAX_EXPIRES_IN_SECONDS).optional(),
  /** Unix seconds: backdate the token (issuedAt + expiresIn in the past makes an expired token). */
  issuedAt: z.number().int().optional(),
});

const clientCredentialsSchema = z.object({
  grant_type: z.literal('client_credentials'),
  client_id: z.string().max(200).optional(),
  client_secret: z.string().max(500).optional(),
  scope: z
    .string()
    .max(500)
    .regex(/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/, 'space-separated scope tokens')
    .optional(),
  audience: z.string().min(1).max(200).optional(),
});

const rotateKeysSchema = z.strictObject({
  graceSeconds: z.number().int().min(0).max(MAX_EXPIRES_IN_SECONDS).optional(),
});

class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly description: string,
  ) {
    super(description);
  }
}

export async function identityProviderRouter(context: SandboxContext): Promise<Router> {
  const users = buildDemoUsers(context.population, context.directories.pds);
  const usersById = new Map(users.map((user) => [user.id, user]));
  const keyRings: Record<ProviderId, SigningKeyRing> = {
    staff: await SigningKeyRing.create(context.now),
    residents: await SigningKeyRing.create(context.now),
  };
  const serviceSecret = process.env.SANDBOX_SERVICE_CLIENT_SECRET || DEFAULT_SERVICE_CLIENT_SECRET;
  const issuer = (provider: ProviderId) => `${context.publicUrl}/idp/${provider}`;
  const nowSeconds = () => Math.floor(context.now().getTime() / 1000);

  async function issueUserToken(body: unknown, only?: ProviderId) {
    const parsed = userTokenRequestSchema.safeParse(body);
    if (!parsed.success) throw invalidRequest(parsed.error, 'send JSON {"user": "<id>"} with optional audience, expiresIn, issuedAt');
    const request = parsed.data;
    const user = usersById.get(request.user);
    const provider = user && providerOf(user);
    if (!user || !provider || (only && provider !== only)) {
      const where = only ? `the ${only} provider` : 'the sandbox';
      throw new OAuthError(404, 'unknown_user', `${where} has no demo user "${request.user}"; GET /idp/users lists them`);
    }
    const now = nowSeconds();
    const issuedAt = request.issuedAt ?? now;
    if (issuedAt < now - MAX_BACKDATE_SECONDS || issuedAt > now + MAX_FORWARD_DATE_SECONDS) {
      throw new OAuthError(400, 'invalid_request', 'issuedAt must be Unix seconds between 30 days ago and one day ahead');
    }
    const expiresAt = issuedAt + (request.expiresIn ?? DEFAULT_EXPIRES_IN_SECONDS);
    const registered = {
      iss: issuer(provider),
      sub: user.sub,
      aud: request.audience ?? DEFAULT_AUDIENCE,
      iat: issuedAt,
      exp: expiresAt,
    };
    const claims = userClaims(user);
    const ring = keyRings[provider];
    const [accessToken, idToken] = await Promise.all([
      ring.sign({ ...registered, jti: randomUUID(), ...claims, scope: userScope(user) }),
      ring.sign({ ...registered, jti: randomUUID(), ...claims, auth_time: issuedAt }),
    ]);
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      // An already-expired token reports no lifetime left rather than a negative one.
      expires_in: Math.max(0, expiresAt - now),
      id_token: idToken,
      scope: userScope(user),
    };
  }

  async function issueServiceToken(body: Record<string, unknown>, authorization: string | undefined) {
    const parsed = clientCredentialsSchema.safeParse(body);
    if (!parsed.success) throw invalidRequest(parsed.error, 'send grant_type=client_credentials with client_id and client_secret');
    const basic = parseBasicAuthorization(authorization);
    const clientId = basic?.clientId ?? parsed.data.client_id;
    const clientSecret = basic?.clientSecret ?? parsed.data.client_secret;
    if (clientId !== SERVICE_CLIENT_ID || clientSecret === undefined || !sameSecret(clientSecret, serviceSecret)) {
      throw new OAuthError(401, 'invalid_client', 'unknown client or wrong client secret');
    }
    const now = nowSeconds();
    const scope = parsed.data.scope ?? DEFAULT_SERVICE_SCOPE;
    const accessToken = await keyRings.staff.sign({
      iss: issuer('staff'),
      sub: SERVICE_CLIENT_ID,
      aud: parsed.data.audience ?? DEFAULT_AUDIENCE,
      iat: now,
      exp: now + DEFAULT_EXPIRES_IN_SECONDS,
      jti: randomUUID(),
      client_id: SERVICE_CLIENT_ID,
      scope,
    });
    return { access_token: accessToken, token_type: 'Bearer', expires_in: DEFAULT_EXPIRES_IN_SECONDS, scope };
  }

  function tokenEndpoint(only?: ProviderId) {
    return async (request: Request, response: Response): Promise<void> => {
      try {
        const body: unknown = request.body;
        if (!isRecord(body)) {
          throw new OAuthError(400, 'invalid_request', 'send JSON {"user": "<id>"} or a form-encoded grant_type=client_credentials');
        }
        let result: object;
        if (body.grant_type === undefined) result = await issueUserToken(body, only);
        else if (body.grant_type !== 'client_credentials') {
          throw new OAuthError(400, 'unsupported_grant_type', 'only client_credentials is supported (or JSON {"user": "<id>"})');
        } else if (only === 'residents') {
          throw new OAuthError(400, 'unauthorized_client', 'service clients are issued by the staff provider');
        } else result = await issueServiceToken(body, request.get('authorization'));
        response.set('Cache-Control', 'no-store').json(result);
      } catch (error) {
        sendOAuthError(response, error);
      }
    };
  }

  const router = express.Router();
  // The sandbox parses JSON; OAuth clients post forms.
  router.use(express.urlencoded({ extended: false, limit: '16kb' }));

  router.get('/', (_request, response) => {
    response.json({
      providers: Object.fromEntries(
        PROVIDERS.map((provider) => [
          provider,
          { issuer: issuer(provider), discovery: `${issuer(provider)}/.well-known/openid-configuration` },
        ]),
      ),
      users: `${context.publicUrl}/idp/users`,
      token: `${context.publicUrl}/idp/token`,
    });
  });

  router.get('/users', (request, response) => {
    const kind = request.query.kind;
    if (kind !== undefined && kind !== 'staff' && kind !== 'resident') {
      response.status(400).json({ error: 'invalid_request', error_description: 'kind must be "staff" or "resident"' });
      return;
    }
    response.json(users.filter((user) => kind === undefined || user.kind === kind).map(publicUser));
  });

  router.get('/users/:id', (request, response) => {
    const user = usersById.get(request.params.id);
    if (!user) {
      response.status(404).json({ error: 'unknown_user', error_description: `no demo user "${request.params.id}"` });
      return;
    }
    response.json(publicUser(user));
  });

  router.post('/token', tokenEndpoint());

  for (const provider of PROVIDERS) {
    const ring = keyRings[provider];

    router.get(`/${provider}/.well-known/openid-configuration`, (_request, response) => {
      response.set('Cache-Control', 'public, max-age=300').json(discoveryDocument(issuer(provider), provider));
    });

    router.get(`/${provider}/jwks.json`, (_request, response) => {
      response.set('Cache-Control', 'public, max-age=300').json(ring.jwks());
    });

    router.post(`/${provider}/token`, tokenEndpoint(provider));

    router.post(`/${provider}/rotate-keys`, async (request, response) => {
      const parsed = rotateKeysSchema.safeParse(request.body ?? {});
      if (!parsed.success) {
        sendOAuthError(response, invalidRequest(parsed.error, 'send {} or {"graceSeconds": <0..86400>}'));
        return;
      }
      const rotation = await ring.rotate(parsed.data.graceSeconds ?? DEFAULT_ROTATION_GRACE_SECONDS);
      response.json({ provider, ...rotation, jwks: ring.jwks().keys.map((key) => key.kid) });
    });

    router.get(`/${provider}/userinfo`, async (request, response) => {
      const token = /^Bearer (\S+)$/i.exec(request.get('authorization') ?? '')?.[1];
      if (!token) {
        response.set('WWW-Authenticate', 'Bearer').status(401).json({ error: 'invalid_token', error_description: 'send a Bearer token' });
        return;
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, createLocalJWKSet(ring.jwks()), {
          issuer: issuer(provider),
          algorithms: [SIGNING_ALGORITHM],
          currentDate: context.now(),
        }));
      } catch {
        response
          .set('WWW-Authenticate', 'Bearer error="invalid_token"')
          .status(401)
          .json({ error: 'invalid_token', error_description: 'the token is expired, malformed or not signed by this provider' });
        return;
      }
      const { iss: _iss, aud: _aud, exp: _exp, iat: _iat, nbf: _nbf, jti: _jti, scope: _scope, ...claims } = payload;
      response.set('Cache-Control', 'no-store').json(claims);
    });
  }

  return router;
}

function providerOf(user: DemoUser): ProviderId | undefined {
  return PROVIDERS.find((provider) => PROVIDER_KIND[provider] === user.kind);
}

function discoveryDocument(issuer: string, provider: ProviderId) {
  const staff = provider === 'staff';
  return {
    issuer,
    jwks_uri: `${issuer}/jwks.json`,
    token_endpoint: `${issuer}/token`,
    userinfo_endpoint: `${issuer}/userinfo`,
    // No sign-in page: tokens come straight from the token endpoint (JSON {"user"} or client credentials).
    response_types_supported: ['id_token', 'token'],
    grant_types_supported: staff ? ['client_credentials'] : [],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [SIGNING_ALGORITHM],
    token_endpoint_auth_methods_supported: staff ? ['client_secret_post', 'client_secret_basic'] : ['none'],
    scopes_supported: staff
      ? ['openid', 'profile', 'nationalrbacaccess', 'associatedorgs', DEFAULT_SERVICE_SCOPE]
      : ['openid', 'profile', 'gp_registration_details'],
    claims_supported: staff
      ? [
          'sub',
          'name',
          'given_name',
          'family_name',
          'title',
          'uid',
          'nhsid_useruid',
          'nhsid_nrbac_roles',
          'nhsid_user_orgs',
          'selected_roleid',
          'authentication_assurance_level',
          'id_assurance_level',
          'acr',
          'client_id',
        ]
      : ['sub', 'nhs_number', 'identity_proofing_level', 'vot', 'vtm', 'birthdate', 'family_name', 'given_name', 'gp_registration_details'],
    service_documentation: 'docs/SANDBOX.md',
  };
}

/** What GET /idp/users shows of a user: who to sign in as, and what their token will carry. */
function publicUser(user: DemoUser) {
  const common = {
    id: user.id,
    kind: user.kind,
    persona: user.persona,
    name: user.name,
    description: user.description,
    sub: user.sub,
    roles: user.roles,
    organisation: user.organisation,
  };
  if (user.kind === 'staff') return { ...common, nhsidNrbacRoles: user.nrbacRoles };
  return {
    ...common,
    nhsNumber: user.nhsNumber,
    birthDate: user.birthDate,
    identityProofingLevel: user.identityProofingLevel,
    ...(user.carerFor ? { carerFor: user.carerFor } : {}),
  };
}

function invalidRequest(error: z.ZodError, hint: string): OAuthError {
  const problems = error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`);
  return new OAuthError(400, 'invalid_request', `${problems.join('; ')} (${hint})`);
}

function sendOAuthError(response: Response, error: unknown): void {
  if (!(error instanceof OAuthError)) throw error;
  if (error.code === 'invalid_client') response.set('WWW-Authenticate', 'Basic realm="sandbox-idp"');
  response.set('Cache-Control', 'no-store').status(error.status).json({ error: error.code, error_description: error.description });
}

/** client_secret_basic: both parts are form-urlencoded before base64 (RFC 6749, 2.3.1). */
function parseBasicAuthorization(header: string | undefined): { clientId: string; clientSecret: string } | undefined {
  const encoded = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header ?? '')?.[1];
  if (!encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    const part = (text: string) => decodeURIComponent(text.replace(/\+/g, ' '));
    return { clientId: part(decoded.slice(0, colon)), clientSecret: part(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
