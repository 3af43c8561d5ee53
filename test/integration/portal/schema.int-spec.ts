import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { GraphQLSchemaHost } from '@nestjs/graphql';
import { buildSchema, type GraphQLSchema, isSpecifiedDirective, isSpecifiedScalarType, printSchema, printType } from 'graphql';

import type { RunningHub } from '../../../src/bootstrap.js';
import { startTestHub } from '../../setup/test-hub.js';

// docs/schema.graphql is the schema portal developers read and reviewers diff: it must be the
// schema the hub serves. Compared as schemas, so Prettier's layout of the file does not matter.

const SCHEMA_FILE = join(process.cwd(), 'docs', 'schema.graphql');

/** Each named type and custom directive, to say which ones differ (GraphQL's own are left out). */
function definitions(schema: GraphQLSchema): Map<string, string> {
  const types = Object.values(schema.getTypeMap()).filter((type) => !type.name.startsWith('__') && !isSpecifiedScalarType(type));
  return new Map([
    ...types.map((type): [string, string] => [type.name, printType(type)]),
    ...schema
      .getDirectives()
      .filter((directive) => !isSpecifiedDirective(directive))
      .map((directive): [string, string] => [
        `@${directive.name}`,
        `(${directive.args.map((arg) => `${arg.name}: ${String(arg.type)}`).join(', ')}) on ${directive.locations.join(' | ')}`,
      ]),
  ]);
}

describe('docs/schema.graphql', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub({ TESSERA_ROLE: 'api' });
  });
  afterAll(() => hub?.stop());

  it('is the schema the hub serves', () => {
    const live = hub.app.get(GraphQLSchemaHost).schema;
    const documented = buildSchema(readFileSync(SCHEMA_FILE, 'utf8'));
    if (printSchema(documented) === printSchema(live)) return;

    const ours = definitions(documented);
    const theirs = definitions(live);
    const differing = [...new Set([...ours.keys(), ...theirs.keys()])].filter((name) => ours.get(name) !== theirs.get(name)).sort();
    throw new Error(
      `docs/schema.graphql differs from the schema the hub serves (${differing.join(', ') || 'order or schema definition'}): run npm run schema:export`,
    );
  });
});
