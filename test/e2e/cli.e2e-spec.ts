import { spawnSync } from 'node:child_process';
import { dropDatabase, ensureDatabaseExists, migrateUp } from '../../src/platform/database/index.js';
import { fileRedisPrefix, freshDatabaseUrl, redisUrl, runDatabaseUrl } from '../setup/test-run.js';

function cli(...args: string[]) {
  return cliOn(runDatabaseUrl(), ...args);
}

function cliOn(databaseUrl: string, ...args: string[]) {
  const result = spawnSync(process.execPath, ['dist/cli.js', ...args], {
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, REDIS_PREFIX: fileRedisPrefix() },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the operator CLI', () => {
  it('reports the schema up to date after the run migrated it', () => {
    expect(cli('migrate', 'status')).toMatchObject({ code: 0, stdout: 'up to date\n' });
  });

  it('lists dead letters as JSON', () => {
    const { code, stdout } = cli('dead-letters', 'list', '--limit', '5');
    expect(code).toBe(0);
    expect(Array.isArray(JSON.parse(stdout))).toBe(true);
  });

  it('refuses to re-drive a dead letter that does not exist, in one line', () => {
    expect(cli('dead-letters', 'redrive', 'no-such-id')).toMatchObject({ code: 1, stderr: 'tessera: no dead letter with id no-such-id\n' });
  });

  it('trains the match model only when the index has identities to learn from', async () => {
    // An empty index of its own: training here must not change the model other tests match with.
    const databaseUrl = freshDatabaseUrl('train');
    await ensureDatabaseExists(databaseUrl);
    await migrateUp({ url: databaseUrl, poolSize: 1 });
    try {
      expect(cliOn(databaseUrl, 'identity', 'train-model')).toMatchObject({
        code: 0,
        stdout: 'too few identities in the index to train on; the current model stays\n',
      });
      expect(cliOn(databaseUrl, 'identity', 'forget')).toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/^tessera: unknown identity command 'forget'/),
      });
    } finally {
      await dropDatabase(databaseUrl);
    }
  });

  it('explains its usage when the command is wrong', () => {
    const { code, stderr } = cli('dead-letters', 'purge');
    expect(code).toBe(2);
    expect(stderr).toMatch(/^tessera: unknown dead-letters command 'purge'\nusage: node dist\/cli.js <command>/);
    expect(cli('migrate', 'down', 'zero')).toMatchObject({ code: 2 });
  });
});
