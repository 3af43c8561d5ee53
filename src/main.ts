import 'reflect-metadata';
import { pino } from 'pino';
import { startHub } from './bootstrap.js';
import { AppConfig, ConfigError } from './platform/config/index.js';
import { migrateUp } from './platform/database/index.js';
import { QueueError } from './platform/queue/index.js';
import { preflight, StartupError } from './preflight.js';

/** One line per problem on stderr, no stack trace: what an operator needs to fix a bad start. */
function fail(lines: string[]): never {
  for (const line of lines) process.stderr.write(`tessera: ${line}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = AppConfig.fromEnvironment(process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.problems);
    throw error;
  }

  // Lines before and after Nest's own logger exists, in the same JSON shape.
  const log = pino({ level: config.logLevel, base: { service: 'tessera', role: config.role }, messageKey: 'message' });
  await preflight(config, { requireMigrated: !config.database.migrateOnStart, log: (message) => log.info(message) });
  if (config.database.migrateOnStart) {
    const { applied } = await migrateUp(config.database);
    log.info(`migrations applied: ${applied.length ? applied.join(', ') : 'none pending'}`);
  }

  const hub = await startHub(config);
  log.info(
    `${config.role} role of Tessera ${config.version} listening on ${hub.url}${config.servesHttpApi ? ` (GraphQL at ${hub.url}/graphql)` : ''}`,
  );

  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = true;
    log.info(`${signal} received; finishing requests and jobs in progress`);
    // A last resort should something hold the process open past the drain.
    setTimeout(() => process.exit(1), config.shutdownTimeoutMs * 2 + 5_000).unref();
    hub.stop().then(
      () => process.exit(0),
      (error: unknown) => fail([`error while stopping: ${(error as Error).message}`]),
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((error: unknown) => {
  if (error instanceof StartupError) fail([error.message]);
  if (error instanceof QueueError) fail(error.problems.length ? error.problems : [error.message]);
  const message = error instanceof Error ? error.message : String(error);
  fail([`failed to start: ${message}`]);
});
