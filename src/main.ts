import 'reflect-metadata';
import { pino } from 'pino';
import { startHub } from './bootstrap.js';
import { AppConfig } from './platform/config/index.js';
import { migrateUp } from './platform/database/index.js';
import { exitWithProblems, failureLines, preflight } from './preflight.js';

async function main(): Promise<void> {
  const config = AppConfig.fromEnvironment(process.env);

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
      (error: unknown) => exitWithProblems([`error while stopping: ${(error as Error).message}`]),
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((error: unknown) => exitWithProblems(failureLines(error, 'failed to start: ')));
