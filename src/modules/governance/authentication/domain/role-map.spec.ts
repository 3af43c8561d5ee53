import { readFileSync } from 'node:fs';
import path from 'node:path';

import { RoleMap } from './role-map.js';

const shipped = () => RoleMap.parse(JSON.parse(readFileSync(path.resolve('config/roles.json'), 'utf8')));

describe('RoleMap', () => {
  it.each([
    ['S8000:G8000:R8000', 'clinician', 'professional'],
    ['S8000:G8000:R8001', 'clinician', 'professional'],
    ['S8001:G8002:R8008', 'admin-clerk', 'professional'],
    ['S8000:G8000:R8014', 'social-worker', 'professional'],
    ['S8001:G8005:R8015', 'operator', 'operator'],
    ['SSB00:GSB00:RSB01', 'care-worker', 'professional'],
    ['SSB00:GSB00:RSB02', 'privacy-officer', 'privacy-officer'],
    ['SSB00:GSB00:RSB03', 'analyst', 'analyst'],
    ['SSB00:GSB00:RSB04', 'data-steward', 'operator'],
  ])('the shipped config/roles.json maps %s to %s (%s)', (code, hubRole, principalKind) => {
    expect(shipped().lookup(code)).toMatchObject({ hubRole, principalKind });
  });

  it('matches on the job role whatever the S and G parts say', () => {
    expect(shipped().lookup('S0080:G0450:R8000')).toMatchObject({ jobRole: 'R8000', hubRole: 'clinician' });
    expect(shipped().lookup('r8000')).toMatchObject({ hubRole: 'clinician' });
  });

  it('leaves unknown job roles unmapped', () => {
    expect(shipped().lookup('S8000:G8000:R9999')).toBeUndefined();
    expect(shipped().lookup('')).toBeUndefined();
  });

  it('refuses a file naming a hub role that does not exist, and says where', () => {
    const bad = { roles: { R8000: { name: 'x', hubRole: 'surgeon', principalKind: 'professional' } } };
    expect(() => RoleMap.parse(bad, 'roles.json')).toThrow(/roles\.json is invalid: roles\.R8000\.hubRole/);
  });

  it('refuses a role code that would make a resident or a service (those come from the issuer)', () => {
    const bad = { roles: { R8000: { name: 'x', hubRole: 'resident', principalKind: 'resident' } } };
    expect(() => RoleMap.parse(bad)).toThrow(/principalKind/);
  });
});
