import 'reflect-metadata';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { AuditTrail, type AuditFilter } from './modules/governance/index.js';
import { IdentityMatchingService } from './modules/identity-matching/index.js';
import { OperationsService } from './modules/operations/index.js';
import { AppConfig } from './platform/config/index.js';
import { migrateDown, migrateUp, pendingMigrations } from './platform/database/index.js';
import { exitWithProblems, failureLines, preflight } from './preflight.js';

const usage = `usage: node dist/cli.js <command>
  migrate [up]               apply pending migrations (npm run migrate)
  migrate down [steps]       revert the newest migrations (default 1)
  migrate status             list migrations not yet applied
  dead-letters list [--all] [--limit N]
                             jobs that failed their last attempt (--all includes re-driven ones)
  dead-letters redrive <id>  enqueue a dead-lettered job again
  identity train-model       train the match model on the identity index now (EM; docs/IDENTITY.md)
  audit export [--from ISO] [--to ISO] [--person ID] [--out FILE]
                             the audit trail as FHIR AuditEvent NDJSON (stdout unless --out);
                             --person takes a person id (uuid) or an NHS number`;

class UsageError extends Error {}

function positiveInteger(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`${name} must be a whole number of at least 1`);
  return Number(value);
}

function auditExportArguments(args: string[]): { filter: AuditFilter; out?: string } {
  const filter: AuditFilter = {};
  let out: string | undefined;
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i], args[i + 1]];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    if (flag === '--from' || flag === '--to') {
      const date = new Date(value);
      if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime()))
        throw new UsageError(`${flag} must be an ISO 8601 date or time`);
      filter[flag === '--from' ? 'from' : 'to'] = date;
    } else if (flag === '--person') {
      if (/^\d{10}$/.test(value)) filter.nhsNumber = value;
      else if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) filter.personId = value.toLowerCase();
      else throw new UsageError('--person must be a person id (uuid) or a 10-digit NHS number');
    } else if (flag === '--out') {
      out = value;
    } else {
      throw new UsageError(`unknown audit export option '${flag}'`);
    }
  }
  return { filter, ...(out ? { out } : {}) };
}

async function withService<TService, T>(
  config: AppConfig,
  service: new (...args: never[]) => TService,
  work: (service: TService) => Promise<T>,
): Promise<T> {
  const context = await NestFactory.createApplicationContext(AppModule.register(config, { graphql: false }), {
    logger: ['error'],
    abortOnError: false,
  });
  try {
    return await work(context.get(service));
  } finally {
    await context.close();
  }
}

async function run(args: string[]): Promise<void> {
  // The CLI neither serves HTTP nor runs workers; logs only what goes wrong.
  const config = AppConfig.fromEnvironment(process.env, { TESSERA_ROLE: 'api', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  const [command, sub, ...rest] = args;
  await preflight(config, { requireMigrated: command !== 'migrate', log: (message) => console.log(message) });

  if (command === 'migrate') {
    if (sub === undefined || sub === 'up') {
      const { applied } = await migrateUp(config.database);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'no migrations pending');
    } else if (sub === 'down') {
      const { applied } = await migrateDown(config.database, positiveInteger(rest[0], 1, 'steps'));
      console.log(applied.length ? `reverted: ${applied.join(', ')}` : 'no migrations to revert');
    } else if (sub === 'status') {
      const pending = await pendingMigrations(config.database);
      console.log(pending.length ? `pending: ${pending.join(', ')}` : 'up to date');
    } else {
      throw new UsageError(`unknown migrate command '${sub}'`);
    }
    return;
  }

  if (command === 'dead-letters') {
    if (sub === 'list') {
      const limitIndex = rest.indexOf('--limit');
      const limit = positiveInteger(limitIndex >= 0 ? rest[limitIndex + 1] : undefined, 50, '--limit');
      const letters = await withService(config, OperationsService, (ops) =>
        ops.listDeadLetters({ includeRedriven: rest.includes('--all'), limit }),
      );
      console.log(JSON.stringify(letters, null, 2));
    } else if (sub === 'redrive' && rest[0]) {
      const id = rest[0];
      const jobId = await withService(config, OperationsService, (ops) => ops.redriveDeadLetter(id));
      console.log(`re-driven as job ${jobId}`);
    } else {
      throw new UsageError(sub === 'redrive' ? 'dead-letters redrive needs an id' : `unknown dead-letters command '${sub ?? ''}'`);
    }
    return;
  }

  if (command === 'identity') {
    if (sub !== 'train-model') throw new UsageError(`unknown identity command '${sub ?? ''}'`);
    const trained = await withService(config, IdentityMatchingService, (identity) => identity.trainModel());
    console.log(
      trained ? `trained match model ${trained.version}` : 'too few identities in the index to train on; the current model stays',
    );
    return;
  }

  if (command === 'audit') {
    if (sub !== 'export') throw new UsageError(`unknown audit command '${sub ?? ''}'`);
    const { filter, out } = auditExportArguments(rest);
    const target = out ? createWriteStream(out) : process.stdout;
    const count = await withService(config, AuditTrail, (trail) => trail.exportNdjson(filter, target));
    if (out) {
      target.end();
      await finished(target);
    }
    // stdout may be the NDJSON itself: the summary goes to stderr.
    process.stderr.write(`exported ${count} audit event(s)${out ? ` to ${out}` : ''}\n`);
    return;
  }

  throw new UsageError(command ? `unknown command '${command}'` : 'no command given');
}

run(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`tessera: ${error.message}\n${usage}\n`);
      process.exit(2);
    }
    exitWithProblems(failureLines(error));
  },
);
