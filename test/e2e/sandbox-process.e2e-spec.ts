import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The sandbox's commands as an operator runs them: the built truth exporter and the sandbox
// process itself, with the environment they document.

function run(script: string, args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [script, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

describe('sandbox commands', () => {
  let folder: string;
  beforeAll(async () => (folder = await mkdtemp(join(tmpdir(), 'tessera-sandbox-'))));
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it('npm run sandbox:truth writes the truth for the settings the sandbox runs with', async () => {
    const out = join(folder, 'truth.csv');
    const truth = run('dist/sandbox/truth-cli.js', ['--out', out, '--size', '300'], {
      SANDBOX_SEED: '77',
      SANDBOX_REFERENCE_DATE: '2026-11-23',
    });
    expect(await truth.exited).toBe(0);
    expect(truth.stdout()).toMatch(/wrote \d+ records of 300 people/);
    const rows = (await readFile(out, 'utf8')).trimEnd().split('\n');
    expect(rows[0]).toBe('system,local_id,person_id,duplicate_of,nhs_number,errors');
    expect(new Set(rows.slice(1).map((row) => row.split(',')[2])).size).toBe(300);

    // The running sandbox with the same settings serves exactly the records the truth names.
    const sandbox = run('dist/sandbox/main.js', [], {
      SANDBOX_PORT: '0',
      DEMO_POPULATION: '300',
      SANDBOX_SEED: '77',
      SANDBOX_REFERENCE_DATE: '2026-11-23',
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        sandbox.child.stdout.on('data', () => {
          const match = /listening on (http:\/\/\S+)/.exec(sandbox.stdout());
          if (match) resolve(match[1]!);
        });
        void sandbox.exited.then((code) => reject(new Error(`sandbox exited with ${code}: ${sandbox.stderr()}`)));
      });
      const pdsRow = rows.find((row) => row.startsWith('pds,'))!.split(',');
      const patient = (await (await fetch(`${url}/pds/FHIR/R4/Patient/${pdsRow[1]}`)).json()) as { id: string };
      expect(patient.id).toBe(pdsRow[1]);
      const info = (await (await fetch(`${url}/sandbox`)).json()) as { systems: Record<string, { records: number }> };
      const socialCareRows = rows.filter((row) => row.startsWith('social-care,')).length;
      expect(info.systems['social-care']!.records).toBe(socialCareRows);
    } finally {
      sandbox.child.kill('SIGTERM');
      expect(await sandbox.exited).toBe(0);
    }
  });

  it('refuses a missing --out and a bad setting with a clear line and no file', async () => {
    const missing = run('dist/sandbox/truth-cli.js', [], {});
    expect(await missing.exited).toBe(2);
    expect(missing.stderr()).toMatch(/--out FILE is required/);
    const bad = run('dist/sandbox/truth-cli.js', ['--out', join(folder, 'bad.csv'), '--size', 'lots'], {});
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toMatch(/DEMO_POPULATION/);
  });

  it('never starts in production', async () => {
    const sandbox = run('dist/sandbox/main.js', [], { NODE_ENV: 'production', SANDBOX_PORT: '0' });
    expect(await sandbox.exited).toBe(2);
    expect(sandbox.stderr()).toMatch(/never runs in production/);
  });
});
