import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/** The one signing algorithm both sandbox providers use, as CIS2 and NHS login do. */
export const SIGNING_ALGORITHM = 'RS256';

/** How long a replaced key stays in the JWKS when a rotation names no grace period. */
export const DEFAULT_ROTATION_GRACE_SECONDS = 3600;

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  /** Public members only: this is what the JWKS serves. */
  publicJwk: JWK;
  createdAt: number;
  /** Set when a newer key replaced this one: the moment it leaves the JWKS (epoch ms). */
  retiresAt?: number;
}

export interface RotationResult {
  kid: string;
  retiring: Array<{ kid: string; retiresAt: string }>;
}

/**
 * One provider's signing keys. The newest key signs; keys it replaced stay published until
 * their grace period ends, so tokens signed just before a rotation still verify (JWKS rotation).
 */
export class SigningKeyRing {
  private keys: SigningKey[] = [];

  private constructor(private readonly now: () => Date) {}

  static async create(now: () => Date): Promise<SigningKeyRing> {
    const ring = new SigningKeyRing(now);
    ring.keys.push(await generateSigningKey(now().getTime()));
    return ring;
  }

  get currentKid(): string {
    return this.current().kid;
  }

  /** Adds a new current key; the replaced ones leave the JWKS after `graceSeconds` (0: at once). */
  async rotate(graceSeconds = DEFAULT_ROTATION_GRACE_SECONDS): Promise<RotationResult> {
    const key = await generateSigningKey(this.now().getTime());
    const retiresAt = key.createdAt + graceSeconds * 1000;
    for (const existing of this.keys) {
      existing.retiresAt = Math.min(existing.retiresAt ?? Number.POSITIVE_INFINITY, retiresAt);
    }
    this.keys.push(key);
    this.prune();
    return {
      kid: key.kid,
      retiring: this.keys
        .filter((existing) => existing.retiresAt !== undefined)
        .map((existing) => ({ kid: existing.kid, retiresAt: new Date(existing.retiresAt as number).toISOString() })),
    };
  }

  /** The published key set: public members only, never `d` or the other private RSA members. */
  jwks(): { keys: JWK[] } {
    this.prune();
    return { keys: this.keys.map((key) => ({ ...key.publicJwk })) };
  }

  /** Signs a JWT with the current key; the registered claims are already in `payload`. */
  async sign(payload: JWTPayload): Promise<string> {
    const key = this.current();
    return new SignJWT(payload).setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
  }

  private current(): SigningKey {
    return this.keys[this.keys.length - 1] as SigningKey;
  }

  private prune(): void {
    const now = this.now().getTime();
    const current = this.current();
    this.keys = this.keys.filter((key) => key === current || key.retiresAt === undefined || key.retiresAt > now);
  }
}

async function generateSigningKey(createdAt: number): Promise<SigningKey> {
  // Extractable, so the public half can be exported to the JWKS (and the private half if a test needs it).
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true, modulusLength: 2048 });
  const exported = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(exported);
  const publicJwk: JWK = { kty: exported.kty, n: exported.n, e: exported.e, kid, alg: SIGNING_ALGORITHM, use: 'sig' };
  return { kid, privateKey, publicJwk, createdAt };
}
