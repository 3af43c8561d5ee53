import { AppConfig, ConfigError, redactUrl } from './app-config.js';

describe('AppConfig', () => {
  it('has defaults that work on a developer machine', () => {
    const config = AppConfig.fromEnvironment({});
    expect(config.role).toBe('all');
    expect(config.http).toEqual({ host: '127.0.0.1', port: 3000 });
    expect(config.database.url).toBe('postgres://postgres@127.0.0.1:5432/tessera');
    expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379', prefix: 'tessera' });
    expect(config.database.migrateOnStart).toBe(false);
    expect(config.servesHttpApi && config.runsWorkers).toBe(true);
  });

  it('reads the environment, treating empty variables as unset', () => {
    const config = AppConfig.fromEnvironment({ TESSERA_ROLE: 'worker', PORT: '8080', DATABASE_MIGRATE_ON_START: 'true', LOG_LEVEL: '' });
    expect(config.role).toBe('worker');
    expect(config.servesHttpApi).toBe(false);
    expect(config.runsWorkers).toBe(true);
    expect(config.http.port).toBe(8080);
    expect(config.database.migrateOnStart).toBe(true);
    expect(config.logLevel).toBe('info');
  });

  it('reads extra advice folders as a comma-separated list, none by default', () => {
    expect(AppConfig.fromEnvironment({}).adviceDirs).toEqual([]);
    expect(AppConfig.fromEnvironment({ PHR_ADVICE_DIRS: ' /etc/tessera/advice , ./local-advice,' }).adviceDirs).toEqual([
      '/etc/tessera/advice',
      './local-advice',
    ]);
  });

  it('lists every bad variable, each with what it must be', () => {
    let error: unknown;
    try {
      AppConfig.fromEnvironment({
        PORT: '70000',
        DATABASE_URL: 'mysql://db/x',
        DATABASE_MIGRATE_ON_START: 'yes',
        REDIS_PREFIX: 'has space',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'PORT must be at most 65535',
      'DATABASE_URL must be a postgres:// or postgresql:// URL, for example postgres://postgres@127.0.0.1:5432/tessera',
      'DATABASE_MIGRATE_ON_START must be true or false',
      'REDIS_PREFIX must be 1 to 64 letters, digits or _ . : -',
    ]);
  });

  it('never echoes a value back, so a secret in a bad URL is not printed', () => {
    expect(() => AppConfig.fromEnvironment({ REDIS_URL: 'http://user:hunter2@cache' })).toThrow(/^(?!.*hunter2)/s);
  });
});

describe('redactUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(redactUrl('postgres://tessera:s3cret@db.internal:5432/tessera')).toBe('postgres://tessera:***@db.internal:5432/tessera');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactUrl('::not a url')).toBe('(unparseable URL)');
  });
});
