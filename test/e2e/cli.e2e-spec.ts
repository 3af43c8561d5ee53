import { spawnSync } from 'node:child_process';
import { fileRedisPrefix, redisUrl, runDatabaseUrl } from '../setup/test-run.js';

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, ['dist/cli.js', ...args], {
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: runDatabaseUrl(), REDIS_URL: redisUrl, REDIS_PREFIX: fileRedisPrefix() },
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

  it('explains its usage when the command is wrong', () => {
    const { code, stderr } = cli('dead-letters', 'purge');
    expect(code).toBe(2);
    expect(stderr).toMatch(/^tessera: unknown dead-letters command 'purge'\nusage: node dist\/cli.js <command>/);
    expect(cli('migrate', 'down', 'zero')).toMatchObject({ code: 2 });
  });
});
