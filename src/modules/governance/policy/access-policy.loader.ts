import { readFileSync } from 'node:fs';

import { type AccessPolicy, AccessPolicyError, parseAccessPolicy } from './access-policy.js';

/**
 * Reads and checks the access policy file (ACCESS_POLICY_FILE) at start. Synchronous on purpose:
 * it runs once before the hub answers anything, and a bad file must stop the start.
 */
export function loadAccessPolicyFile(path: string): AccessPolicy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new AccessPolicyError(
      `cannot read the access policy file ${path}: ${code === 'ENOENT' ? 'no such file' : (code ?? 'unreadable')}`,
      [],
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AccessPolicyError(`the access policy file ${path} is not valid JSON (${(error as Error).message})`, []);
  }
  return parseAccessPolicy(json, `the access policy file ${path}`);
}
