import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * Every setting Tessera reads, validated in one place at boot. Nothing else reads process.env:
 * inject AppConfig instead. A bad value stops the process with one line per problem.
 */

const roles = ['api', 'worker', 'all'] as const;
export type ProcessRole = (typeof roles)[number];

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

const urlWithScheme = (schemes: readonly string[], example: string) =>
  z.string().refine(
    (value) => {
      try {
        const url = new URL(value);
        return schemes.includes(url.protocol) && url.hostname.length > 0;
      } catch {
        return false;
      }
    },
    { message: `must be a ${schemes.map((s) => `${s}//`).join(' or ')} URL, for example ${example}` },
  );

const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: `must be a whole number from ${min} to ${max}` })
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const decimal = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/, { message: `must be a number from ${min} to ${max}` })
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const probability = decimal(0, 1);

/** The identity providers whose tokens the hub accepts (AUTH_ISSUERS, docs/CONFIGURATION.md). */
const PRINCIPAL_SOURCES = ['staff', 'resident', 'service'] as const;
export type TrustedIssuerKind = (typeof PRINCIPAL_SOURCES)[number];

const trustedIssuerSchema = z.strictObject({
  issuer: urlWithScheme(
    ['https:', 'http:'],
    'https://am.nhsidentity.spineservices.nhs.uk/openam/oauth2/realms/root/realms/NHSIdentity/realms/Healthcare',
  ),
  kind: z.enum(PRINCIPAL_SOURCES, { message: 'must be staff, resident or service' }),
  /** The audience this issuer's tokens must name; AUTH_AUDIENCE when absent. */
  audience: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
  /** A staff issuer that also issues client-credentials tokens to services (CIS2-like providers do). */
  services: z.boolean().optional(),
});
export type TrustedIssuer = z.output<typeof trustedIssuerSchema>;

const trustedIssuers = z
  .string()
  .transform((value, context) => {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      context.addIssue({
        code: 'custom',
        message: 'must be a JSON list of {"issuer": url, "kind": "staff"|"resident"|"service", "audience"?: string}',
      });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .array(trustedIssuerSchema, {
        message: 'must be a JSON list of {"issuer": url, "kind": "staff"|"resident"|"service", "audience"?: string}',
      })
      .max(20, 'must list at most 20 issuers')
      .refine((list) => new Set(list.map((entry) => entry.issuer)).size === list.length, { message: 'must not list an issuer twice' }),
  );

const boolean = z.enum(['true', 'false'], { message: 'must be true or false' }).transform((v) => v === 'true');

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production'], { message: 'must be development, test or production' }).default('development'),
    TESSERA_ROLE: z.enum(roles, { message: 'must be api, worker or all' }).default('all'),
    HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
    PORT: integer(0, 65535).default(3000),
    DATABASE_URL: urlWithScheme(['postgres:', 'postgresql:'], 'postgres://postgres@127.0.0.1:5432/tessera').default(
      'postgres://postgres@127.0.0.1:5432/tessera',
    ),
    DATABASE_POOL_SIZE: integer(1, 200).default(10),
    DATABASE_MIGRATE_ON_START: boolean.default(false),
    REDIS_URL: urlWithScheme(['redis:', 'rediss:'], 'redis://127.0.0.1:6379').default('redis://127.0.0.1:6379'),
    REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'must be 1 to 64 letters, digits or _ . : -' })
      .default('tessera'),
    LOG_LEVEL: z.enum(logLevels, { message: `must be one of ${logLevels.join(', ')}` }).default('info'),
    SHUTDOWN_TIMEOUT_MS: integer(0, 600_000).default(10_000),
    WORKER_CONCURRENCY: integer(1, 100).default(5),
    QUEUE_HEARTBEAT_INTERVAL_MS: integer(1_000, 3_600_000).default(30_000),
    HEALTH_CHECK_TIMEOUT_MS: integer(100, 60_000).default(2_000),
    TESSERA_VERSION: z.string().max(64).optional(),
    MLLP_HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
    MLLP_PORT: integer(0, 65535).default(2575),
    SOURCES_FILE: z.string().min(1).optional(),
    GP_CONNECT_ASID: z
      .string()
      .regex(/^\d{12}$/, { message: 'must be a 12-digit Spine ASID' })
      .default('999999999999'),
    GP_CONNECT_ODS_CODE: z
      .string()
      .regex(/^[A-Z0-9]{3,12}$/, { message: 'must be an ODS code' })
      .default('Y9T01'),
    IDENTITY_LINK_THRESHOLD: probability.default(0.95),
    IDENTITY_REVIEW_THRESHOLD: probability.default(0.5),
    IDENTITY_NHS_DISAGREE_WEIGHT: decimal(-60, 60).default(-3),
    IDENTITY_TRACE_MIN_SCORE: probability.default(0.95),
    SOURCE_SYNC_INTERVAL_S: integer(0, 86_400).default(300),
    SOURCE_CONCURRENCY: integer(1, 1_000).default(8),
    SOURCE_QUEUE_LIMIT: integer(0, 100_000).default(256),
    SOURCE_RETRIES: integer(0, 10).default(2),
    SOURCE_FAILURE_THRESHOLD: integer(1, 1_000).default(5),
    SOURCE_CIRCUIT_COOLDOWN_MS: integer(100, 3_600_000).default(30_000),
    RECORD_DEADLINE_MS: integer(100, 60_000).default(3_000),
    RECORD_MAX_DEADLINE_MS: integer(100, 120_000).default(10_000),
    RECORD_CACHE_TTL_S: integer(0, 3_600).default(0),
    RECORD_CACHE_MAX_ENTRIES: integer(1, 1_000_000).default(20_000),
    ACCESS_POLICY_FILE: z.string().min(1, 'must not be empty').default('config/access-policy.json'),
    PHR_ADVICE_DIRS: z
      .string()
      .default('')
      .transform((value) =>
        value
          .split(',')
          .map((dir) => dir.trim())
          .filter(Boolean),
      ),
    AUTH_ISSUERS: trustedIssuers.default([]),
    AUTH_AUDIENCE: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters').default('tessera'),
    AUTH_ROLES_FILE: z.string().min(1, 'must not be empty').default('config/roles.json'),
    AUTH_CLOCK_TOLERANCE_S: integer(0, 300).default(30),
    AUTH_JWKS_COOLDOWN_S: integer(0, 3600).default(30),
    GRAPHQL_MAX_DEPTH: integer(1, 100).default(12),
    GRAPHQL_MAX_ALIASES: integer(0, 1_000).default(30),
    GRAPHQL_MAX_COST: integer(1, 10_000_000).default(50_000),
    GRAPHQL_MAX_TOKENS: integer(100, 1_000_000).default(5_000),
    GRAPHQL_MAX_DIRECTIVES: integer(0, 1_000).default(20),
    RATE_LIMIT_POINTS: integer(0, 10_000_000).default(600),
    RATE_LIMIT_WINDOW_S: integer(1, 86_400).default(60),
  })
  .refine((env) => env.RECORD_DEADLINE_MS <= env.RECORD_MAX_DEADLINE_MS, {
    message: 'must not be above RECORD_MAX_DEADLINE_MS',
    path: ['RECORD_DEADLINE_MS'],
  })
  .refine((env) => env.IDENTITY_REVIEW_THRESHOLD <= env.IDENTITY_LINK_THRESHOLD, {
    message: 'must not be above IDENTITY_LINK_THRESHOLD',
    path: ['IDENTITY_REVIEW_THRESHOLD'],
  });

/** The version in package.json of the directory the process runs from (npm and Docker both run there). */
function packageVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { name?: string; version?: string };
    return manifest.name === 'tessera' && manifest.version ? manifest.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

export class AppConfig {
  readonly environment: 'development' | 'test' | 'production';
  readonly role: ProcessRole;
  readonly http: { host: string; port: number };
  readonly database: { url: string; poolSize: number; migrateOnStart: boolean };
  readonly redis: { url: string; prefix: string };
  readonly logLevel: LogLevel;
  readonly shutdownTimeoutMs: number;
  readonly worker: { concurrency: number; heartbeatIntervalMs: number };
  readonly healthCheckTimeoutMs: number;
  readonly version: string;
  /** The HL7 v2 MLLP listener (api and all roles). */
  readonly mllp: { host: string; port: number };
  /** A JSON file of sources to seed the registry with at start, if any. */
  readonly sourcesFile?: string;
  /** Who the hub is when it calls GP Connect: its Spine ASID and organisation. */
  readonly gpConnect: { asid: string; odsCode: string };
  /** The master person index's thresholds (docs/IDENTITY.md, "Tuning"). */
  readonly identity: { link: number; review: number; nhsDisagreeWeight: number; traceMinScore: number };
  /** How often each source's identities are synced in the background; 0: never on a schedule (docs/CONNECTORS.md, "Background sync"). */
  readonly sourceSyncIntervalMs: number;
  /** Every source's guard (docs/CONNECTORS.md, "Resilience"): calls in flight and waiting, retries, the circuit breaker. */
  readonly sourceGuard: { concurrency: number; queueLimit: number; retries: number; failureThreshold: number; coolDownMs: number };
  /**
   * Record assembly (docs/AGGREGATION.md): the default and the largest deadline a caller may ask
   * for, and the short-lived section cache (TTL 0: off; entries at most).
   */
  readonly record: { deadlineMs: number; maxDeadlineMs: number; cacheTtlSeconds: number; cacheMaxEntries: number };
  /** The access policy file (docs/SECURITY.md, "Access policy"); read and checked at start. */
  readonly accessPolicyFile: string;
  /** Folders of well-being and condition advice the operator adds to the shipped config/advice (docs/PERSON-HELD-RECORD.md). */
  readonly adviceDirs: string[];
  /** Bearer token checks: trusted issuers, expected audience, role map file, clock skew, JWKS refetch cooldown. */
  readonly authentication: {
    issuers: TrustedIssuer[];
    audience: string;
    rolesFile: string;
    clockToleranceSeconds: number;
    jwksCooldownSeconds: number;
  };
  /** What one GraphQL operation may ask for, checked before any resolver runs (docs/SECURITY.md, "GraphQL protection"). */
  readonly graphqlLimits: { maxDepth: number; maxAliases: number; maxCost: number; maxTokens: number; maxDirectives: number };
  /** Requests each principal may make per window, shared by every api process through Redis; 0 points: no limit. */
  readonly rateLimit: { points: number; windowSeconds: number };

  private constructor(env: z.output<typeof envSchema>) {
    this.environment = env.NODE_ENV;
    this.role = env.TESSERA_ROLE;
    this.http = { host: env.HOST, port: env.PORT };
    this.database = { url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE, migrateOnStart: env.DATABASE_MIGRATE_ON_START };
    this.redis = { url: env.REDIS_URL, prefix: env.REDIS_PREFIX };
    this.logLevel = env.LOG_LEVEL;
    this.shutdownTimeoutMs = env.SHUTDOWN_TIMEOUT_MS;
    this.worker = { concurrency: env.WORKER_CONCURRENCY, heartbeatIntervalMs: env.QUEUE_HEARTBEAT_INTERVAL_MS };
    this.healthCheckTimeoutMs = env.HEALTH_CHECK_TIMEOUT_MS;
    this.version = env.TESSERA_VERSION ?? packageVersion();
    this.mllp = { host: env.MLLP_HOST, port: env.MLLP_PORT };
    if (env.SOURCES_FILE) this.sourcesFile = env.SOURCES_FILE;
    this.gpConnect = { asid: env.GP_CONNECT_ASID, odsCode: env.GP_CONNECT_ODS_CODE };
    this.identity = {
      link: env.IDENTITY_LINK_THRESHOLD,
      review: env.IDENTITY_REVIEW_THRESHOLD,
      nhsDisagreeWeight: env.IDENTITY_NHS_DISAGREE_WEIGHT,
      traceMinScore: env.IDENTITY_TRACE_MIN_SCORE,
    };
    this.sourceSyncIntervalMs = env.SOURCE_SYNC_INTERVAL_S * 1000;
    this.sourceGuard = {
      concurrency: env.SOURCE_CONCURRENCY,
      queueLimit: env.SOURCE_QUEUE_LIMIT,
      retries: env.SOURCE_RETRIES,
      failureThreshold: env.SOURCE_FAILURE_THRESHOLD,
      coolDownMs: env.SOURCE_CIRCUIT_COOLDOWN_MS,
    };
    this.record = {
      deadlineMs: env.RECORD_DEADLINE_MS,
      maxDeadlineMs: env.RECORD_MAX_DEADLINE_MS,
      cacheTtlSeconds: env.RECORD_CACHE_TTL_S,
      cacheMaxEntries: env.RECORD_CACHE_MAX_ENTRIES,
    };
    this.accessPolicyFile = env.ACCESS_POLICY_FILE;
    this.adviceDirs = env.PHR_ADVICE_DIRS;
    this.authentication = {
      issuers: env.AUTH_ISSUERS,
      audience: env.AUTH_AUDIENCE,
      rolesFile: env.AUTH_ROLES_FILE,
      clockToleranceSeconds: env.AUTH_CLOCK_TOLERANCE_S,
      jwksCooldownSeconds: env.AUTH_JWKS_COOLDOWN_S,
    };
    this.graphqlLimits = {
      maxDepth: env.GRAPHQL_MAX_DEPTH,
      maxAliases: env.GRAPHQL_MAX_ALIASES,
      maxCost: env.GRAPHQL_MAX_COST,
      maxTokens: env.GRAPHQL_MAX_TOKENS,
      maxDirectives: env.GRAPHQL_MAX_DIRECTIVES,
    };
    this.rateLimit = { points: env.RATE_LIMIT_POINTS, windowSeconds: env.RATE_LIMIT_WINDOW_S };
  }

  get isProduction(): boolean {
    return this.environment === 'production';
  }

  get servesHttpApi(): boolean {
    return this.role === 'api' || this.role === 'all';
  }

  get runsWorkers(): boolean {
    return this.role === 'worker' || this.role === 'all';
  }

  /** Reads the settings from an environment; throws ConfigError listing every bad variable. */
  static fromEnvironment(env: NodeJS.ProcessEnv, overrides: Partial<Record<keyof typeof envSchema.shape, string>> = {}): AppConfig {
    const input: Record<string, string | undefined> = {};
    for (const key of Object.keys(envSchema.shape)) {
      // An empty variable means "not set", as in most twelve-factor tools.
      const value = overrides[key as keyof typeof envSchema.shape] ?? env[key];
      input[key] = value === '' ? undefined : value;
    }
    const parsed = envSchema.safeParse(input);
    if (!parsed.success) {
      throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`));
    }
    return new AppConfig(parsed.data);
  }
}

/** The URL with any password replaced, safe to print in logs and error messages. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable URL)';
  }
}
