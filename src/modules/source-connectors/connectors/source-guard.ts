import {
  BrokenCircuitError,
  BulkheadRejectedError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TimeoutStrategy,
  bulkhead,
  circuitBreaker,
  handleWhen,
  IsolatedCircuitError,
  TaskCancelledError,
  retry,
  timeout,
  type BulkheadPolicy,
  type CircuitBreakerPolicy,
  type RetryPolicy,
  type TimeoutPolicy,
} from 'cockatiel';
// instanceof rather than cockatiel's isXxxError helpers: in 3.2.1 isTaskCancelledError and
// isIsolatedCircuitError test for the bulkhead's marker and so answer wrongly.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

import { SourceError, type SourceErrorKind } from './source-connector.js';

// Every call to a source goes through one guard per source, so that a source's bad day (slow,
// failing, down) costs the hub a bounded amount of time and concurrency and never spreads.
// Layers, outermost first: concurrency limit → retries (idempotent reads only) → circuit
// breaker → deadline → the call. Retries sit outside the breaker so that an opening circuit
// stops them, and the deadline sits inside so that each attempt gets the whole deadline.

export interface SourceGuardSettings {
  /** Deadline of one attempt; the fetch is aborted when it passes. */
  timeoutMs: number;
  /** Extra attempts after the first for idempotent reads (0: none). */
  retries: number;
  /** First retry delay; later ones grow exponentially with decorrelated jitter. */
  retryInitialDelayMs: number;
  retryMaxDelayMs: number;
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit refuses calls before letting one probe through. */
  coolDownMs: number;
  /** Calls in flight to this source at once. */
  concurrency: number;
  /** Calls waiting for a slot; beyond that a call is refused at once. */
  queueLimit: number;
}

export const DEFAULT_SOURCE_GUARD_SETTINGS: Readonly<SourceGuardSettings> = {
  timeoutMs: 5_000,
  retries: 2,
  retryInitialDelayMs: 100,
  retryMaxDelayMs: 2_000,
  failureThreshold: 5,
  coolDownMs: 30_000,
  concurrency: 8,
  queueLimit: 64,
};

export type CircuitStateName = 'closed' | 'half-open' | 'open';

/** What health detail and operator GraphQL show about a source's connection. */
export interface SourceGuardState {
  circuit: CircuitStateName;
  /** Failures that count against the source (timeouts, unreachable, 5xx, malformed) in a row. */
  consecutiveFailures: number;
  lastErrorKind?: SourceErrorKind;
  lastErrorAt?: Date;
  /** When an open circuit lets its next probe through. */
  probeAfter?: Date;
}

export interface SourceCallOptions {
  /** Only idempotent reads (GET) are retried. */
  idempotent: boolean;
  /** The caller's own cancellation; it ends waits, retries and the fetch. */
  signal?: AbortSignal;
}

const CIRCUIT_GAUGE_VALUE: Record<CircuitStateName, number> = { closed: 0, 'half-open': 1, open: 2 };

/** Failures that say the source is unwell, as opposed to answers about the request (404, 401, 400). */
export function countsAgainstSource(error: unknown): boolean {
  if (!(error instanceof SourceError)) return false;
  switch (error.kind) {
    case 'timeout':
    case 'unreachable':
    case 'malformed':
      return true;
    case 'http-error':
      return error.status === undefined || error.status >= 500;
    case 'not-found':
    case 'unauthorised':
    case 'unsupported':
    case 'circuit-open':
      return false;
  }
}

/** A malformed body will be malformed again, and a 4xx is about the request: only these are worth another try. */
function isRetryable(error: unknown): boolean {
  return countsAgainstSource(error) && !(error instanceof SourceError && error.kind === 'malformed');
}

interface SourceMetrics {
  duration: Histogram<'source' | 'operation' | 'outcome'>;
  errors: Counter<'source' | 'kind'>;
  circuit: Gauge<'source'>;
}

/** One set of metrics per registry, shared by every source's guard (labelled by source). */
function sourceMetrics(registry: Registry): SourceMetrics {
  const existing = registry.getSingleMetric('tessera_source_request_duration_seconds');
  if (existing) {
    return {
      duration: existing as Histogram<'source' | 'operation' | 'outcome'>,
      errors: registry.getSingleMetric('tessera_source_errors_total') as Counter<'source' | 'kind'>,
      circuit: registry.getSingleMetric('tessera_source_circuit_state') as Gauge<'source'>,
    };
  }
  return {
    duration: new Histogram({
      name: 'tessera_source_request_duration_seconds',
      help: 'Duration of calls to a source as the caller saw them (retries included), by outcome (success or error kind)',
      labelNames: ['source', 'operation', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'tessera_source_errors_total',
      help: 'Failed attempts to call a source (each retry counts), and calls refused by an open circuit, by kind',
      labelNames: ['source', 'kind'],
      registers: [registry],
    }),
    circuit: new Gauge({
      name: 'tessera_source_circuit_state',
      help: 'Circuit breaker state per source: 0 closed, 1 half-open, 2 open',
      labelNames: ['source'],
      registers: [registry],
    }),
  };
}

export class SourceGuard {
  readonly settings: Readonly<SourceGuardSettings>;
  private readonly concurrencyLimit: BulkheadPolicy;
  private readonly retries: RetryPolicy;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly deadline: TimeoutPolicy;
  private readonly metrics: SourceMetrics;
  private consecutiveFailures = 0;
  private lastError?: { kind: SourceErrorKind; at: Date };
  private openedAt?: Date;

  constructor(
    readonly sourceId: string,
    registry: Registry,
    settings: Partial<SourceGuardSettings> = {},
  ) {
    this.settings = { ...DEFAULT_SOURCE_GUARD_SETTINGS, ...settings };
    const { timeoutMs, retries, retryInitialDelayMs, retryMaxDelayMs, failureThreshold, coolDownMs, concurrency, queueLimit } =
      this.settings;
    this.concurrencyLimit = bulkhead(concurrency, queueLimit);
    this.retries = retry(handleWhen(isRetryable), {
      maxAttempts: retries,
      backoff: new ExponentialBackoff({ initialDelay: retryInitialDelayMs, maxDelay: retryMaxDelayMs }),
    });
    this.breaker = circuitBreaker(handleWhen(countsAgainstSource), {
      breaker: new ConsecutiveBreaker(failureThreshold),
      halfOpenAfter: coolDownMs,
    });
    this.deadline = timeout(timeoutMs, TimeoutStrategy.Aggressive);

    this.metrics = sourceMetrics(registry);
    this.metrics.circuit.set({ source: sourceId }, 0);
    this.breaker.onStateChange((state) => {
      const name = circuitStateName(state);
      if (name === 'open') this.openedAt = new Date();
      this.metrics.circuit.set({ source: sourceId }, CIRCUIT_GAUGE_VALUE[name]);
    });
  }

  /**
   * Runs one call to the source under every protection. `call` gets a signal that aborts at the
   * deadline (or when the caller cancels) and must pass it to fetch. Whatever fails comes out as
   * a SourceError.
   */
  async run<T>(operation: string, call: (signal: AbortSignal) => Promise<T>, options: SourceCallOptions): Promise<T> {
    const started = process.hrtime.bigint();
    let outcome = 'success';
    try {
      return await this.concurrencyLimit.execute(
        ({ signal }) =>
          options.idempotent
            ? this.retries.execute(({ signal: attemptSignal }) => this.attempt(call, attemptSignal), signal)
            : this.attempt(call, signal),
        options.signal,
      );
    } catch (error) {
      const sourceError = this.toSourceError(error, options.signal);
      outcome = sourceError.kind;
      // Attempts already counted themselves; a refusal before any attempt is counted here.
      if (error instanceof BulkheadRejectedError || (options.signal?.aborted && !(error instanceof SourceError)))
        this.noteError(sourceError);
      throw sourceError;
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.duration.observe({ source: this.sourceId, operation, outcome }, seconds);
    }
  }

  /** Circuit state and recent failures, for health detail and operators. */
  state(): SourceGuardState {
    const circuit = circuitStateName(this.breaker.state);
    return {
      circuit,
      consecutiveFailures: this.consecutiveFailures,
      ...(this.lastError && { lastErrorKind: this.lastError.kind, lastErrorAt: this.lastError.at }),
      ...(circuit === 'open' && this.openedAt && { probeAfter: new Date(this.openedAt.getTime() + this.settings.coolDownMs) }),
    };
  }

  /** Drops this source's series, e.g. when the source is removed from the registry. */
  dispose(): void {
    this.metrics.circuit.remove({ source: this.sourceId });
  }

  private async attempt<T>(call: (signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T> {
    try {
      const result = await this.breaker.execute(
        ({ signal: breakerSignal }) =>
          this.deadline
            .execute(({ signal: deadlineSignal }) => call(deadlineSignal), breakerSignal)
            .catch((error: unknown) => {
              throw this.toSourceError(error, signal);
            }),
        signal,
      );
      this.consecutiveFailures = 0;
      return result;
    } catch (error) {
      const sourceError = this.toSourceError(error, signal);
      if (countsAgainstSource(sourceError)) this.consecutiveFailures++;
      else if (sourceError.kind !== 'circuit-open') this.consecutiveFailures = 0;
      this.noteError(sourceError);
      throw sourceError;
    }
  }

  private noteError(error: SourceError): void {
    // A 404 is an answer, not a failure of the source.
    if (error.kind === 'not-found') return;
    // Refusals by the open circuit are counted, but the last error shown stays the cause.
    if (error.kind !== 'circuit-open') this.lastError = { kind: error.kind, at: new Date() };
    this.metrics.errors.inc({ source: this.sourceId, kind: error.kind });
  }

  private toSourceError(error: unknown, callerSignal: AbortSignal | undefined): SourceError {
    if (error instanceof SourceError) return error;
    if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
      return new SourceError(
        'circuit-open',
        this.sourceId,
        `source ${this.sourceId} is failing; calls are refused until its circuit half-opens`,
      );
    }
    if (error instanceof BulkheadRejectedError) {
      return new SourceError(
        'timeout',
        this.sourceId,
        `source ${this.sourceId} has ${this.settings.concurrency} calls in flight and ${this.settings.queueLimit} waiting; this one was refused`,
      );
    }
    if (callerSignal?.aborted)
      return new SourceError('timeout', this.sourceId, `the call to source ${this.sourceId} was cancelled by its caller`);
    if (error instanceof TaskCancelledError) {
      return new SourceError('timeout', this.sourceId, `source ${this.sourceId} did not answer within ${this.settings.timeoutMs} ms`);
    }
    // Not expected: connectors map their own failures. Keep the class name only; messages may carry content.
    const name = error instanceof Error ? error.name : typeof error;
    return new SourceError('malformed', this.sourceId, `the call to source ${this.sourceId} failed unexpectedly (${name})`);
  }
}

function circuitStateName(state: CircuitState): CircuitStateName {
  switch (state) {
    case CircuitState.Closed:
      return 'closed';
    case CircuitState.HalfOpen:
      return 'half-open';
    case CircuitState.Open:
    case CircuitState.Isolated:
      return 'open';
  }
}
