import { AppConfig, ConfigError } from '../../../platform/config/index.js';

function problems(overrides: Record<string, string>): string[] {
  try {
    AppConfig.fromEnvironment({}, overrides);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('authentication settings', () => {
  it('trust no issuer by default, expect the tessera audience and allow 30 s of clock skew', () => {
    expect(AppConfig.fromEnvironment({}).authentication).toEqual({
      issuers: [],
      audience: 'tessera',
      rolesFile: 'config/roles.json',
      clockToleranceSeconds: 30,
      jwksCooldownSeconds: 30,
    });
  });

  it('read AUTH_ISSUERS as a JSON list', () => {
    const issuers = JSON.stringify([
      { issuer: 'https://idp.example/staff', kind: 'staff', services: true },
      { issuer: 'https://idp.example/residents', kind: 'resident', audience: 'portal' },
    ]);
    expect(AppConfig.fromEnvironment({ AUTH_ISSUERS: issuers }).authentication.issuers).toEqual(JSON.parse(issuers));
  });

  it.each([
    ['not json', /^AUTH_ISSUERS must be a JSON list/],
    ['{"issuer": "https://idp.example"}', /^AUTH_ISSUERS must be a JSON list/],
    ['[{"issuer": "ftp://idp.example", "kind": "staff"}]', /^AUTH_ISSUERS\.0\.issuer must be a https:\/\/ or http:\/\/ URL/],
    ['[{"issuer": "https://idp.example", "kind": "admin"}]', /^AUTH_ISSUERS\.0\.kind must be staff, resident or service/],
    [
      '[{"issuer": "https://a.example", "kind": "staff"}, {"issuer": "https://a.example", "kind": "resident"}]',
      /must not list an issuer twice/,
    ],
  ])('refuse AUTH_ISSUERS=%s with a clear message', (value, message) => {
    expect(problems({ AUTH_ISSUERS: value })).toEqual([expect.stringMatching(message)]);
  });

  it('refuse a clock tolerance out of range', () => {
    expect(problems({ AUTH_CLOCK_TOLERANCE_S: '900' })).toEqual(['AUTH_CLOCK_TOLERANCE_S must be at most 300']);
  });
});
