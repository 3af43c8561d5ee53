import { sandboxConfigFromEnvironment, SandboxConfigError, todayUtc } from './sandbox-config.js';

describe('sandbox configuration', () => {
  it('has defaults for a demo: port 4000, 2,000 people, today as the reference date', () => {
    const config = sandboxConfigFromEnvironment({});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 4000, population: 2_000, eventIntervalMs: 0, referenceDate: todayUtc() });
    expect(config.hl7Target).toBeUndefined();
  });

  it('reads the documented variables', () => {
    const config = sandboxConfigFromEnvironment({
      SANDBOX_PORT: '4100',
      DEMO_POPULATION: '206000',
      SANDBOX_SEED: '9',
      SANDBOX_REFERENCE_DATE: '2026-01-31',
      SANDBOX_HL7_TARGET: '127.0.0.1:2575',
      SANDBOX_PUBLIC_URL: 'http://sandbox.local:4100/',
    });
    expect(config).toMatchObject({
      port: 4100,
      population: 206_000,
      seed: 9,
      referenceDate: '2026-01-31',
      hl7Target: '127.0.0.1:2575',
      publicUrl: 'http://sandbox.local:4100',
    });
  });

  it('names each bad variable without echoing its value', () => {
    let caught: unknown;
    try {
      sandboxConfigFromEnvironment({ SANDBOX_PORT: 'secret-ish', DEMO_POPULATION: '0', SANDBOX_HL7_TARGET: 'nohost' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SandboxConfigError);
    const problems = (caught as SandboxConfigError).problems.join('\n');
    expect(problems).toMatch(/SANDBOX_PORT/);
    expect(problems).toMatch(/DEMO_POPULATION/);
    expect(problems).toMatch(/SANDBOX_HL7_TARGET: must be host:port/);
    expect(problems).not.toMatch(/secret-ish/);
  });

  it('never runs in production', () => {
    expect(() => sandboxConfigFromEnvironment({ NODE_ENV: 'production' })).toThrow(/never runs in production/);
  });
});
