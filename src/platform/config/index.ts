// Typed, validated settings from the environment.
export { AppConfig, ConfigError, redactUrl } from './app-config.js';
export type { LogLevel, ProcessRole, TrustedIssuer, TrustedIssuerKind } from './app-config.js';
export { ConfigModule } from './config.module.js';
