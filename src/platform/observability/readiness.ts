import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/index.js';
import { RedisConnections } from '../queue/index.js';
import { HealthDetails } from './health-details.js';
import { LifecycleState } from './lifecycle-state.js';
import { withTimeout } from './with-timeout.js';

export interface DependencyCheck {
  status: 'up' | 'down';
  latencyMs: number;
  /** An error code or 'timeout'; never a message that could carry connection secrets. */
  error?: string;
}

export interface ReadinessReport {
  status: 'ok' | 'unavailable' | 'shutting-down';
  role: string;
  checks: { database: DependencyCheck; redis: DependencyCheck };
  /** What modules report for information (sources and their circuits); never changes `status`. */
  details?: Record<string, unknown>;
}

function errorCode(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'timeout';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'error';
}

/** Whether this process can do its work now: PostgreSQL and Redis both answer, and it is not draining. */
@Injectable()
export class Readiness {
  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly redis: RedisConnections,
    private readonly lifecycle: LifecycleState,
    private readonly details: HealthDetails,
  ) {}

  async check(): Promise<ReadinessReport> {
    const timeoutMs = this.config.healthCheckTimeoutMs;
    const [database, redis, details] = await Promise.all([
      this.probe(() => withTimeout(this.dataSource.query('SELECT 1'), timeoutMs, 'PostgreSQL')),
      this.probe(() => withTimeout(this.redis.shared.ping(), timeoutMs, 'Redis')),
      this.details.collect(timeoutMs),
    ]);
    const healthy = database.status === 'up' && redis.status === 'up';
    const status = this.lifecycle.shuttingDown ? 'shutting-down' : healthy ? 'ok' : 'unavailable';
    return { status, role: this.config.role, checks: { database, redis }, ...(Object.keys(details).length ? { details } : {}) };
  }

  private async probe(call: () => Promise<unknown>): Promise<DependencyCheck> {
    const started = performance.now();
    try {
      await call();
      return { status: 'up', latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      return { status: 'down', latencyMs: Math.round(performance.now() - started), error: errorCode(error) };
    }
  }
}
