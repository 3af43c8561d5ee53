import { Redis } from 'ioredis';
import { AppConfig, ConfigError, redactUrl } from './platform/config/index.js';
import { ensureDatabaseExists, pendingMigrations } from './platform/database/index.js';
import { QueueError } from './platform/queue/index.js';

/** A problem that stops the process before it starts, told in one line with what to do. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

/**
 * What an operator reads when the hub cannot start or a command fails: one line per problem,
 * no stack trace. Errors nobody anticipated get `unexpectedPrefix` in front of their message.
 */
export function failureLines(error: unknown, unexpectedPrefix = ''): string[] {
  if (error instanceof ConfigError) return error.problems;
  if (error instanceof QueueError && error.problems.length) return error.problems;
  if (error instanceof StartupError || error instanceof QueueError) return [error.message];
  return [`${unexpectedPrefix}${error instanceof Error ? error.message : String(error)}`];
}

/** Writes each line to stderr as `tessera: <line>` and exits. */
export function exitWithProblems(lines: string[], code = 1): never {
  for (const line of lines) process.stderr.write(`tessera: ${line}\n`);
  process.exit(code);
}

function describe(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case '28P01':
    case '28000':
      return 'login refused (check the user and password)';
    default:
      return code ? `${code}: ${message ?? ''}`.trim() : (message ?? 'unknown error');
  }
}

/**
 * Checks that PostgreSQL and Redis answer (creating the database when it is missing) before
 * the app starts, so a wrong URL gives one clear line rather than a wall of retries.
 */
export async function preflight(config: AppConfig, options: { requireMigrated: boolean; log: (message: string) => void }): Promise<void> {
  try {
    if (await ensureDatabaseExists(config.database.url)) options.log('created the database named in DATABASE_URL');
  } catch (error) {
    throw new StartupError(
      `cannot reach PostgreSQL at ${redactUrl(config.database.url)} (${describe(error)}); start it (Debian: pg_ctlcluster 15 main start) or set DATABASE_URL`,
    );
  }

  if (options.requireMigrated) {
    const pending = await pendingMigrations(config.database);
    if (pending.length) {
      throw new StartupError(
        `the database is ${pending.length} migration(s) behind this version (${pending.join(', ')}); run npm run migrate, or set DATABASE_MIGRATE_ON_START=true`,
      );
    }
  }

  const redis = new Redis(config.redis.url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 5_000,
  });
  // connect() rejects with a generic "Connection is closed"; the cause comes as an event.
  let cause: unknown;
  redis.on('error', (error) => (cause ??= error));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new StartupError(
      `cannot reach Redis at ${redactUrl(config.redis.url)} (${describe(cause ?? error)}); start it (redis-server --daemonize yes) or set REDIS_URL`,
    );
  } finally {
    redis.disconnect();
  }
}
