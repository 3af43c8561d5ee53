import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { Inject, Injectable } from '@nestjs/common';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type RemoteJWKSet } from 'jose';

import { AppConfig, type TrustedIssuer } from '../../../platform/config/index.js';
import type { Principal } from '../domain/principal.js';
import { GovernanceError, GovernanceErrorCode } from '../governance.errors.js';
import { authenticationFailed } from './domain/authentication-failure.js';
import { principalFromClaims } from './domain/principal-from-claims.js';
import { RoleMap } from './domain/role-map.js';

/** Asymmetric algorithms only: `none` and HMAC (HS256 "signed" with a public key) are refused outright. */
export const ALLOWED_ALGORITHMS = ['RS256', 'ES256', 'PS256'] as const;

/** Longer than any real JWT; anything bigger is refused before it is parsed. */
const MAX_TOKEN_LENGTH = 16_384;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const FETCH_TIMEOUT_MS = 5_000;
/** How long fetched keys are trusted before a refetch, even when no unknown kid forces one. */
const JWKS_MAX_AGE_MS = 10 * 60_000;

/**
 * Checks a bearer token against the configured issuers (AUTH_ISSUERS) and turns it into a Principal.
 * Every refusal is a GovernanceError UNAUTHENTICATED with a reason code; neither the token nor its
 * claims are ever logged or put in a message.
 */
@Injectable()
export class TokenVerifier {
  private readonly issuers: ReadonlyMap<string, TrustedIssuer>;
  private readonly roles: RoleMap | undefined;
  private readonly defaultAudience: string;
  private readonly clockToleranceSeconds: number;
  private readonly jwksCooldownMs: number;
  /** One key set per issuer, found through its discovery document once and then kept (jose refetches on an unknown kid). */
  private readonly keySets = new Map<string, Promise<RemoteJWKSet>>();

  constructor(@Inject(AppConfig) config: AppConfig) {
    const settings = config.authentication;
    this.issuers = new Map(settings.issuers.map((entry) => [entry.issuer, entry]));
    // Only read when some issuer is trusted: a hub that trusts none accepts no token and needs no role map.
    this.roles = settings.issuers.length > 0 ? loadRoleMap(settings.rolesFile) : undefined;
    this.defaultAudience = settings.audience;
    this.clockToleranceSeconds = settings.clockToleranceSeconds;
    this.jwksCooldownMs = settings.jwksCooldownSeconds * 1000;
  }

  /**
   * `authorization` is the Authorization header's value ("Bearer <jwt>") or the bare token (as a
   * WebSocket's connection parameters carry it).
   */
  async verify(authorization: string | undefined): Promise<Principal> {
    const token = bearerToken(authorization);
    const { algorithm, issuer } = peek(token);
    if (!ALLOWED_ALGORITHMS.some((allowed) => allowed === algorithm)) {
      throw authenticationFailed('algorithm-not-allowed', `tokens must be signed with ${ALLOWED_ALGORITHMS.join(', ')}`);
    }
    const trusted = issuer ? this.issuers.get(issuer) : undefined;
    if (!trusted || !this.roles) throw authenticationFailed('unknown-issuer', 'the token comes from an issuer this hub does not trust');

    const keys = await this.keySet(trusted);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: trusted.issuer,
        audience: trusted.audience ?? this.defaultAudience,
        algorithms: [...ALLOWED_ALGORITHMS],
        clockTolerance: this.clockToleranceSeconds,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (error) {
      throw verificationFailure(error);
    }
    // jose checks iat only against a maximum age; a token issued in the future is not valid yet either.
    const now = Math.floor(Date.now() / 1000);
    if (typeof payload.iat === 'number' && payload.iat > now + this.clockToleranceSeconds) {
      throw authenticationFailed('not-yet-valid', 'the token was issued in the future (iat); check the clocks');
    }
    return principalFromClaims(payload, trusted, this.roles);
  }

  private keySet(trusted: TrustedIssuer): Promise<RemoteJWKSet> {
    let keys = this.keySets.get(trusted.issuer);
    if (!keys) {
      keys = discoverKeySet(trusted.issuer, this.jwksCooldownMs);
      this.keySets.set(trusted.issuer, keys);
      // A failed discovery is retried by the next request rather than cached.
      keys.catch(() => this.keySets.delete(trusted.issuer));
    }
    return keys;
  }
}

function loadRoleMap(file: string): RoleMap {
  const path = resolve(file);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the role map ${path} (AUTH_ROLES_FILE): ${(error as Error).message}`, { cause: error });
  }
  return RoleMap.parse(json, path);
}

function bearerToken(authorization: string | undefined): string {
  const value = authorization?.trim();
  if (!value) throw authenticationFailed('missing-token', 'send an Authorization: Bearer <token> header');
  const parts = value.split(/\s+/);
  let token: string;
  if (parts.length === 1) token = value;
  else if (parts.length === 2 && parts[0]?.toLowerCase() === 'bearer') token = parts[1] as string;
  else throw authenticationFailed('malformed-token', 'the Authorization header must be "Bearer <token>"');
  if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) {
    throw authenticationFailed('malformed-token', 'the bearer token is not a signed JWT (header.payload.signature)');
  }
  return token;
}

/** Reads the unverified header and issuer only to pick the checks; nothing here is trusted yet. */
function peek(token: string): { algorithm: string | undefined; issuer: string | undefined } {
  try {
    const header = decodeProtectedHeader(token);
    const claims = decodeJwt(token);
    return { algorithm: header.alg, issuer: claims.iss };
  } catch {
    throw authenticationFailed('malformed-token', 'the bearer token is not a well-formed JWT');
  }
}

async function discoverKeySet(issuer: string, cooldownMs: number): Promise<RemoteJWKSet> {
  const discoveryUrl = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  let document: { issuer?: unknown; jwks_uri?: unknown };
  try {
    const response = await fetch(discoveryUrl, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`discovery answered HTTP ${response.status}`);
    document = (await response.json()) as typeof document;
  } catch (error) {
    throw issuerUnavailable(`cannot read the issuer's discovery document at ${discoveryUrl}`, error);
  }
  // An issuer whose discovery document names another issuer is misconfigured or impersonated (OIDC Discovery 4.3).
  if (document.issuer !== issuer) throw issuerUnavailable(`the discovery document at ${discoveryUrl} names a different issuer`);
  let jwksUri: URL;
  try {
    jwksUri = new URL(String(document.jwks_uri));
    if (jwksUri.protocol !== 'https:' && jwksUri.protocol !== 'http:') throw new Error('not http(s)');
  } catch {
    throw issuerUnavailable(`the discovery document at ${discoveryUrl} has no usable jwks_uri`);
  }
  return createRemoteJWKSet(jwksUri, { timeoutDuration: FETCH_TIMEOUT_MS, cooldownDuration: cooldownMs, cacheMaxAge: JWKS_MAX_AGE_MS });
}

/** The issuer cannot be reached or is misconfigured: not the caller's fault, so the network cause is kept. */
function issuerUnavailable(message: string, cause?: unknown): GovernanceError {
  return new GovernanceError(
    GovernanceErrorCode.Unauthenticated,
    'issuer-unavailable',
    message,
    cause === undefined ? undefined : { cause },
  );
}

/** Maps jose's errors to reason codes. Claim errors carry the payload, so they are never kept as a cause. */
function verificationFailure(error: unknown): GovernanceError {
  if (error instanceof GovernanceError) return error;
  if (error instanceof errors.JWTExpired) return authenticationFailed('expired', 'the token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'aud':
        return authenticationFailed('wrong-audience', 'the token was issued for another audience');
      case 'iss':
        return authenticationFailed('unknown-issuer', 'the token comes from an issuer this hub does not trust');
      case 'nbf':
        return authenticationFailed('not-yet-valid', 'the token is not valid yet (nbf)');
      default:
        return authenticationFailed('invalid-claims', `the token's ${error.claim} claim is missing or invalid`);
    }
  }
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return authenticationFailed('bad-signature', 'the token signature does not verify');
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return authenticationFailed('bad-signature', 'the token is signed with a key the issuer does not publish');
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return authenticationFailed('algorithm-not-allowed', `tokens must be signed with ${ALLOWED_ALGORITHMS.join(', ')}`);
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return authenticationFailed('malformed-token', 'the bearer token is not a well-formed JWT');
  }
  // Anything else is the issuer's key endpoint failing (timeout, bad JSON, network): not the caller's fault.
  return issuerUnavailable("cannot fetch the issuer's signing keys", error);
}
