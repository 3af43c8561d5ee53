import { z } from 'zod';

// The sandbox's settings, from the environment like the hub's. It refuses to run in
// production: synthetic patients must never sit beside real ones.

const hostPort = /^[A-Za-z0-9.-]+:\d{1,5}$/;

const schema = z.object({
  NODE_ENV: z.string().optional(),
  SANDBOX_HOST: z.string().min(1).default('127.0.0.1'),
  SANDBOX_PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
  SANDBOX_PUBLIC_URL: z.url().optional(),
  DEMO_POPULATION: z.coerce.number().int().min(1).max(500_000).default(2_000),
  SANDBOX_SEED: z.coerce.number().int().min(0).max(2_147_483_647).default(20_261_123),
  SANDBOX_REFERENCE_DATE: z.iso.date().optional(),
  SANDBOX_HL7_TARGET: z.string().regex(hostPort, 'must be host:port, e.g. 127.0.0.1:2575').optional(),
  SANDBOX_EVENT_INTERVAL_MS: z.coerce.number().int().min(0).max(86_400_000).default(0),
});

export interface SandboxConfig {
  host: string;
  port: number;
  publicUrl?: string;
  population: number;
  seed: number;
  referenceDate: string;
  hl7Target?: string;
  eventIntervalMs: number;
}

export class SandboxConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid sandbox configuration: ${problems.join('; ')}`);
  }
}

/** Today's date in UTC, the default "today" of the population. */
export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

export function sandboxConfigFromEnvironment(environment: NodeJS.ProcessEnv): SandboxConfig {
  const blank = (value: string | undefined) => (value === '' ? undefined : value);
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, blank(value)])));
  if (!parsed.success) {
    // Name the variable and the rule, never echo the value.
    throw new SandboxConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const env = parsed.data;
  if (env.NODE_ENV === 'production') {
    throw new SandboxConfigError(['NODE_ENV: the sandbox never runs in production (it serves synthetic patients)']);
  }
  return {
    host: env.SANDBOX_HOST,
    port: env.SANDBOX_PORT,
    ...(env.SANDBOX_PUBLIC_URL ? { publicUrl: env.SANDBOX_PUBLIC_URL.replace(/\/$/, '') } : {}),
    population: env.DEMO_POPULATION,
    seed: env.SANDBOX_SEED,
    referenceDate: env.SANDBOX_REFERENCE_DATE ?? todayUtc(),
    ...(env.SANDBOX_HL7_TARGET ? { hl7Target: env.SANDBOX_HL7_TARGET } : {}),
    eventIntervalMs: env.SANDBOX_EVENT_INTERVAL_MS,
  };
}
