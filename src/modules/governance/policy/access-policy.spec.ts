import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { AccessPolicyError, parseAccessPolicy } from './access-policy.js';
import { loadAccessPolicyFile } from './access-policy.loader.js';

const DEFAULT_FILE = resolve(process.cwd(), 'config/access-policy.json');

// The parsed default file, to break one key at a time (JSON.parse gives it as untyped JSON).
function defaultJson() {
  return JSON.parse(JSON.stringify(loadAccessPolicyFile(DEFAULT_FILE), (key, value) => (key === 'sensitiveCodes' ? undefined : value)));
}

function problemsOf(json: unknown): string[] {
  try {
    parseAccessPolicy(json);
  } catch (error) {
    expect(error).toBeInstanceOf(AccessPolicyError);
    return (error as AccessPolicyError).problems;
  }
  throw new Error('the policy was accepted');
}

describe('the access policy file', () => {
  it('loads the documented default policy', () => {
    const policy = loadAccessPolicyFile(DEFAULT_FILE);
    expect(policy.roles['care-worker'].sections).toEqual(['allergies', 'medications', 'appointments', 'carePlans']);
    expect(policy.sensitiveCodes.get('86406008')).toBe('sexual-health');
  });

  it('names the key of a misspelt setting', () => {
    const json = defaultJson();
    json['breakGlass'].maximumMinute = 5;
    expect(problemsOf(json)).toEqual([expect.stringMatching(/^breakGlass: .*maximumMinute/)]);
  });

  it('names a role missing from the matrix and an unknown section', () => {
    const json = defaultJson();
    delete json['roles']['admin-clerk'];
    json['roles']['clinician'].sections.push('x-rays');
    const problems = problemsOf(json);
    expect(problems).toContainEqual(expect.stringMatching(/^roles\.admin-clerk: /));
    expect(problems).toContainEqual(expect.stringMatching(/^roles\.clinician\.sections\[8\]: /));
  });

  it('refuses a bad ODS pattern, a short network and a non-SNOMED code, each by position', () => {
    const json = defaultJson();
    json['sharing'].networks[0].organisations = ['f83*'];
    json['sensitive'].lists[1].codes[0].code = 'IVF';
    const problems = problemsOf(json);
    expect(problems).toContainEqual(expect.stringMatching(/^sharing\.networks\[0\]\.organisations\[0\]: must be an ODS code/));
    expect(problems).toContainEqual(expect.stringMatching(/^sharing\.networks\[0\]\.organisations: a network needs at least two/));
    expect(problems).toContainEqual('sensitive.lists[1].codes[0].code: must be a SNOMED CT concept id (6 to 18 digits)');
  });

  it('refuses a code in two sensitive lists and a shareable label equal to the privacy label', () => {
    const json = defaultJson();
    json['sensitive'].lists[1].codes.push({ code: '86406008', display: 'HIV' });
    json['sensitive'].shareableLabel = { ...json['privacyLabel'] };
    expect(problemsOf(json)).toEqual([
      'sensitive.lists[1].codes: 86406008 is already in the list "sexual-health"',
      'sensitive.shareableLabel: must differ from privacyLabel',
    ]);
  });

  it('stops with a clear message when the file is missing or not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-policy-'));
    expect(() => loadAccessPolicyFile(join(dir, 'none.json'))).toThrow(/cannot read the access policy file .*none\.json: no such file/);
    writeFileSync(join(dir, 'bad.json'), '{ "version": 1,');
    expect(() => loadAccessPolicyFile(join(dir, 'bad.json'))).toThrow(/bad\.json is not valid JSON/);
    writeFileSync(join(dir, 'old.json'), JSON.stringify({ ...defaultJson(), version: 2 }));
    expect(() => loadAccessPolicyFile(join(dir, 'old.json'))).toThrow(/old\.json is invalid:\n {2}version: must be 1/);
  });
});
