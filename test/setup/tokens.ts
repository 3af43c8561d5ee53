// Tokens from the sandbox identity providers, for tests of anything behind authentication.
// GET <sandbox>/idp/users lists the demo users (ids like "gp.amara.okafor", "resident.<given>.<family>").

/** Options of the sandbox token endpoint: make expired, future-dated or wrong-audience tokens. */
export interface TokenOptions {
  /** Default `tessera`, the hub's AUTH_AUDIENCE. */
  audience?: string;
  /** Lifetime in seconds (default 3600). */
  expiresIn?: number;
  /** Unix seconds; backdate with expiresIn to get an expired token. */
  issuedAt?: number;
}

/** The sandbox's demo service client (src/sandbox/systems/idp/idp.router.ts). */
export const SANDBOX_SERVICE_CLIENT = { id: 'tessera-demo-service', secret: 'sandbox-service-secret-not-for-production' };

/** A signed access token for a demo user (staff or resident), as the sandbox issues it. */
export async function tokenFor(sandboxUrl: string, user: string, options: TokenOptions = {}): Promise<string> {
  const response = await fetch(`${sandboxUrl}/idp/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user, ...options }),
  });
  if (!response.ok) throw new Error(`sandbox token for ${user}: HTTP ${response.status} ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** A client-credentials token for the sandbox's demo service client (scope tessera:service). */
export async function serviceToken(sandboxUrl: string, options: { scope?: string; audience?: string } = {}): Promise<string> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: SANDBOX_SERVICE_CLIENT.id,
    client_secret: SANDBOX_SERVICE_CLIENT.secret,
    ...options,
  });
  const response = await fetch(`${sandboxUrl}/idp/token`, { method: 'POST', body: form });
  if (!response.ok) throw new Error(`sandbox service token: HTTP ${response.status} ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** The demo users of one kind, as GET /idp/users lists them. */
export async function sandboxUsers(sandboxUrl: string, kind?: 'staff' | 'resident'): Promise<SandboxUser[]> {
  const response = await fetch(`${sandboxUrl}/idp/users${kind ? `?kind=${kind}` : ''}`);
  if (!response.ok) throw new Error(`sandbox users: HTTP ${response.status}`);
  return (await response.json()) as SandboxUser[];
}

export interface SandboxUser {
  id: string;
  kind: 'staff' | 'resident';
  persona: string;
  name: string;
  sub: string;
  organisation: { code: string; name: string };
  nhsNumber?: string;
  identityProofingLevel?: 'P5' | 'P9';
}

/** The AUTH_ISSUERS value for a hub that trusts the sandbox's staff (and service) and resident providers. */
export function sandboxIssuers(sandboxUrl: string): string {
  return JSON.stringify([
    { issuer: `${sandboxUrl}/idp/staff`, kind: 'staff', services: true },
    { issuer: `${sandboxUrl}/idp/residents`, kind: 'resident' },
  ]);
}
