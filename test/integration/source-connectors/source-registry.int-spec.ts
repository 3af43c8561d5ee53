import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import request from 'supertest';

import type { RunningHub } from '../../../src/bootstrap.js';
import { REGISTRY_REFRESH_MS } from '../../../src/modules/source-connectors/index.js';
import { dropDatabase, ensureDatabaseExists, migrateUp } from '../../../src/platform/database/index.js';
import { generatePopulation } from '../../../src/sandbox/population/generate-population.js';
import { startSandbox, type RunningSandbox } from '../../../src/sandbox/server/sandbox-server.js';
import { eventually, startTestHub } from '../../setup/test-hub.js';
import { bearer, operatorToken } from '../../setup/test-issuer.js';
import { freshDatabaseUrl } from '../../setup/test-run.js';

// The registry as an operator uses it: GraphQL to list, add, change and disable sources, and a
// sources file (the sandbox's own manifest) seeded at start.

const SOURCE_FIELDS =
  'id organisationCode name kind protocol baseUrl enabled timeoutMs authentication { type tokenVariable } capabilities { sections demographicSearch acceptsWrites changeFeed }';

/** A fresh ODS-style code per test, so tests sharing the run's database never collide. */
const odsCode = () => `T${randomBytes(3).toString('hex').toUpperCase()}`;

/** Runs a query as a signed-in operator. */
async function graphql(hub: RunningHub, query: string, variables: Record<string, unknown> = {}) {
  const response = await request(hub.url)
    .post('/graphql')
    .set('authorization', bearer(await operatorToken()))
    .send({ query, variables });
  return response.body as {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each test checks the fields it asked for
    data?: Record<string, any>;
    errors?: Array<{ message: string; extensions: { code: string; problems?: string[] } }>;
  };
}

const addSource = `mutation Add($input: AddSourceInput!) { addSource(input: $input) { ${SOURCE_FIELDS} } }`;

describe('the source registry through operator GraphQL', () => {
  let hub: RunningHub;
  let other: RunningHub;
  beforeAll(async () => {
    [hub, other] = await Promise.all([startTestHub(), startTestHub()]);
  });
  afterAll(() => Promise.all([hub.stop(), other.stop()]));

  it('adds a source with defaults, lists it and reads it', async () => {
    const code = odsCode();
    const added = await graphql(hub, addSource, {
      input: {
        organisationCode: code,
        name: 'Test Hospital',
        kind: 'acute',
        protocol: 'fhir-r4',
        baseUrl: 'http://127.0.0.1:4000/acute/',
        capabilities: { sections: ['allergies', 'conditions'], demographicSearch: true },
      },
    });
    expect(added.errors).toBeUndefined();
    const source = added.data!.addSource;
    expect(source).toMatchObject({
      organisationCode: code,
      baseUrl: 'http://127.0.0.1:4000/acute',
      enabled: true,
      timeoutMs: 5000,
      authentication: { type: 'none' },
      capabilities: { sections: ['allergies', 'conditions'], demographicSearch: true, acceptsWrites: false, changeFeed: 'none' },
    });
    const listed = await graphql(
      hub,
      `
        {
          sources {
            id
            organisationCode
          }
        }
      `,
    );
    expect(listed.data!.sources).toContainEqual({ id: source.id, organisationCode: code });
    const read = await graphql(
      hub,
      `
        query Read($id: ID!) {
          source(id: $id) {
            name
          }
        }
      `,
      { id: source.id },
    );
    expect(read.data!.source).toEqual({ name: 'Test Hospital' });
  });

  it('refuses a bad source naming every problem, and stores nothing', async () => {
    const code = odsCode();
    const refused = await graphql(hub, addSource, {
      input: {
        organisationCode: code.toLowerCase(),
        name: 'Bad',
        kind: 'hospital',
        protocol: 'fhir-r4',
        baseUrl: 'http://user:secret@example.org/fhir',
        timeoutMs: 5,
        authentication: { type: 'bearer', tokenVariable: 'not a variable' },
        capabilities: { sections: ['allergies', 'gossip'] },
      },
    });
    expect(refused.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
    const problems = refused.errors![0]!.extensions.problems!.join('\n');
    for (const field of ['organisationCode', 'kind', 'baseUrl', 'timeoutMs', 'authentication.tokenVariable', 'capabilities.sections.1'])
      expect(problems).toContain(`${field}:`);
    expect(problems).not.toContain('secret');
    const listed = await graphql(
      hub,
      `
        {
          sources {
            organisationCode
          }
        }
      `,
    );
    expect(listed.data!.sources.map((source: { organisationCode: string }) => source.organisationCode)).not.toContain(code.toLowerCase());
    const mismatch = await graphql(hub, addSource, {
      input: { organisationCode: odsCode(), name: 'PDS?', kind: 'acute', protocol: 'pds-fhir', baseUrl: 'https://pds.example/FHIR/R4' },
    });
    expect(mismatch.errors![0]!.extensions.problems).toEqual(['protocol: this protocol cannot serve this kind of source']);
  });

  it('refuses a second source of the same kind for one organisation', async () => {
    const input = {
      organisationCode: odsCode(),
      name: 'Mental health',
      kind: 'mental-health',
      protocol: 'fhir-r4',
      baseUrl: 'https://mh.example/fhir',
    };
    expect((await graphql(hub, addSource, { input })).errors).toBeUndefined();
    const again = await graphql(hub, addSource, { input: { ...input, name: 'Again' } });
    expect(again.errors![0]!.message).toMatch(/already registered/);
  });

  it('changes and disables a source, and another hub instance sees it without a restart', async () => {
    const added = await graphql(hub, addSource, {
      input: {
        organisationCode: odsCode(),
        name: 'Council',
        kind: 'social-care',
        protocol: 'social-care-json',
        baseUrl: 'https://council.example/api/v1',
      },
    });
    const id = added.data!.addSource.id as string;
    // The other hub has read the source as it was, so its cache holds the old version.
    await eventually(
      async () =>
        (
          await graphql(
            other,
            `
              query R($id: ID!) {
                source(id: $id) {
                  enabled
                }
              }
            `,
            { id },
          )
        ).data?.source?.enabled === true
          ? true
          : undefined,
      REGISTRY_REFRESH_MS * 3,
    );
    const changed = await graphql(
      hub,
      `
        mutation C($id: ID!, $input: ChangeSourceInput!) {
          changeSource(id: $id, input: $input) {
            timeoutMs
            name
          }
        }
      `,
      { id, input: { timeoutMs: 1500 } },
    );
    expect(changed.data!.changeSource).toEqual({ timeoutMs: 1500, name: 'Council' });
    const badChange = await graphql(
      hub,
      `
        mutation C($id: ID!, $input: ChangeSourceInput!) {
          changeSource(id: $id, input: $input) {
            id
          }
        }
      `,
      { id, input: { protocol: 'gp-connect' } },
    );
    expect(badChange.errors![0]!.extensions.problems).toEqual(['protocol: this protocol cannot serve this kind of source']);
    const disabled = await graphql(
      hub,
      `
        mutation D($id: ID!) {
          disableSource(id: $id) {
            enabled
          }
        }
      `,
      { id },
    );
    expect(disabled.data!.disableSource).toEqual({ enabled: false });
    await eventually(
      async () => {
        const seen = await graphql(
          other,
          `
            query R($id: ID!) {
              source(id: $id) {
                enabled
                timeoutMs
              }
            }
          `,
          { id },
        );
        return seen.data?.source?.enabled === false && seen.data.source.timeoutMs === 1500 ? true : undefined;
      },
      REGISTRY_REFRESH_MS * 3,
      'the other hub to see the change',
    );
  });

  it('answers NOT_FOUND for an unknown or malformed id', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-an-id']) {
      const missing = await graphql(
        hub,
        `
          query R($id: ID!) {
            source(id: $id) {
              id
            }
          }
        `,
        { id },
      );
      expect(missing.errors![0]!.extensions.code).toBe('NOT_FOUND');
    }
  });
});

describe('seeding the registry from a sources file', () => {
  let sandbox: RunningSandbox;
  let folder: string;
  const databaseUrl = freshDatabaseUrl('sources');

  beforeAll(async () => {
    sandbox = await startSandbox({
      population: generatePopulation({ seed: 4, size: 100, referenceDate: '2026-11-23' }),
      host: '127.0.0.1',
      port: 0,
    });
    folder = await mkdtemp(join(tmpdir(), 'tessera-sources-'));
    await ensureDatabaseExists(databaseUrl);
    await migrateUp({ url: databaseUrl, poolSize: 1 });
  });
  afterAll(async () => {
    await sandbox.stop();
    await rm(folder, { recursive: true, force: true });
    await dropDatabase(databaseUrl);
  });

  it('registers every source of the sandbox manifest at start, and adds only on the next start', async () => {
    const file = join(folder, 'sources.json');
    await writeFile(file, await (await fetch(`${sandbox.url}/sandbox/sources`)).text());
    let hub = await startTestHub({ DATABASE_URL: databaseUrl, SOURCES_FILE: file });
    try {
      const listed = (
        await graphql(
          hub,
          `
            {
              sources {
                id
                kind
                protocol
                organisationCode
                baseUrl
                enabled
              }
            }
          `,
        )
      ).data!.sources as Array<Record<string, string>>;
      // The manifest's 34, and the source the hub registers for its own shared care plans.
      expect(listed).toHaveLength(35);
      expect(listed.filter((source) => source.protocol === 'hub-hosted')).toHaveLength(1);
      expect(listed.filter((source) => source.kind === 'gp')).toHaveLength(30);
      expect(listed.find((source) => source.kind === 'acute')).toMatchObject({
        organisationCode: 'R9A',
        protocol: 'fhir-r4',
        baseUrl: `${sandbox.url}/acute`,
      });
      const acute = listed.find((source) => source.kind === 'acute')!;
      await graphql(
        hub,
        `
          mutation D($id: ID!) {
            disableSource(id: $id) {
              enabled
            }
          }
        `,
        { id: acute.id },
      );
    } finally {
      await hub.stop();
    }
    hub = await startTestHub({ DATABASE_URL: databaseUrl, SOURCES_FILE: file });
    try {
      const listed = (
        await graphql(
          hub,
          `
            {
              sources {
                kind
                enabled
              }
            }
          `,
        )
      ).data!.sources as Array<{ kind: string; enabled: boolean }>;
      expect(listed).toHaveLength(35);
      // The operator's change survives the restart: the file only adds.
      expect(listed.find((source) => source.kind === 'acute')!.enabled).toBe(false);
    } finally {
      await hub.stop();
    }
  });

  it('refuses to start with a bad sources file, naming each entry and field', async () => {
    const file = join(folder, 'bad.json');
    await writeFile(file, JSON.stringify([{ organisationCode: 'X1', name: 'x', kind: 'acute', protocol: 'fhir-r4', baseUrl: 'ftp://x' }]));
    await expect(startTestHub({ DATABASE_URL: databaseUrl, SOURCES_FILE: file })).rejects.toThrow(
      /sources\[0\]\.organisationCode: must be an ODS code[\s\S]*sources\[0\]\.baseUrl/,
    );
    await writeFile(file, '{ not json');
    await expect(startTestHub({ DATABASE_URL: databaseUrl, SOURCES_FILE: file })).rejects.toThrow(/not valid JSON/);
    await expect(startTestHub({ DATABASE_URL: databaseUrl, SOURCES_FILE: join(folder, 'missing.json') })).rejects.toThrow(/no such file/);
  });
});
