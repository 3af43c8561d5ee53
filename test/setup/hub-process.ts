import { type ChildProcess, spawn } from 'node:child_process';

import { testIssuer } from './test-issuer.js';

export interface HubProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Resolves with the URL from the "listening on" line, or rejects if the process exits first. */
  listening: Promise<string>;
}

/** Runs the built hub (`node dist/main.js`) as operators do, with the given environment; it trusts this file's test issuer. */
export function spawnHub(env: Record<string, string>): HubProcess {
  const child = spawn(process.execPath, ['dist/main.js'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      MLLP_PORT: '0',
      LOG_LEVEL: 'info',
      AUTH_ISSUERS: testIssuer().authIssuers,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listening = new Promise<string>((resolve, reject) => {
    const look = () => {
      const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', look);
    void exited.then((code) => reject(new Error(`hub exited with ${code} before listening: ${err}`)));
  });
  listening.catch(() => undefined);
  return { child, stdout: () => out, stderr: () => err, exited, listening };
}
