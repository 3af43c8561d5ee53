import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';

import { NestFactory } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { printSchema } from 'graphql';
import { format, resolveConfig } from 'prettier';

import { AppModule } from './app.module.js';
import { AppConfig, redactUrl } from './platform/config/index.js';
import { dropDatabase, ensureDatabaseExists, migrateUp } from './platform/database/index.js';
import { exitWithProblems, failureLines, StartupError } from './preflight.js';

// `npm run schema:export`: writes the GraphQL schema the hub serves to docs/schema.graphql, for
// portal developers and for review (test/integration/portal/schema.int-spec.ts fails when it is
// out of date). The app is built as the api role builds it, without listening, on a throwaway
// database of the PostgreSQL server in DATABASE_URL (created, migrated, dropped: the hub reads
// its tables at start, and nothing of yours is touched). Redis is not needed.

export const SCHEMA_FILE = 'docs/schema.graphql';

/** A database of its own on the same server, named so that a leftover is recognisable. */
function throwawayDatabaseUrl(url: string): string {
  const throwaway = new URL(url);
  throwaway.pathname = `/tessera_schema_export_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  return throwaway.toString();
}

async function run(): Promise<void> {
  const configured = AppConfig.fromEnvironment(process.env);
  const databaseUrl = throwawayDatabaseUrl(configured.database.url);
  await ensureDatabaseExists(databaseUrl).catch((error: unknown) => {
    throw new StartupError(
      `cannot create a database at ${redactUrl(configured.database.url)} (${(error as Error).message}); set DATABASE_URL`,
    );
  });
  try {
    const config = AppConfig.fromEnvironment(process.env, {
      TESSERA_ROLE: 'api',
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: '2',
      MLLP_PORT: '0',
      LOG_LEVEL: 'silent',
    });
    await migrateUp(config.database);
    const app = await NestFactory.create(AppModule.register(config, { graphql: true }), { logger: false, abortOnError: false });
    try {
      await app.init();
      const file = resolve(SCHEMA_FILE);
      const sdl = printSchema(app.get(GraphQLSchemaHost).schema);
      // Written as Prettier would write it, so that `npm run lint` passes on the file.
      await writeFile(file, await format(sdl, { ...(await resolveConfig(file)), filepath: file }));
      process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
    } finally {
      await app.close();
    }
  } finally {
    await dropDatabase(databaseUrl);
  }
}

run().catch((error: unknown) => exitWithProblems(failureLines(error, 'schema export failed: ')));
