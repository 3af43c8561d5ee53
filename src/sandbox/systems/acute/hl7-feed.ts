import type { Hl7Message } from '@medplum/core';
import { Hl7Client, ReturnAckCategory } from '@medplum/hl7';

import type { SandboxContext, SandboxEvent } from '../../server/sandbox-context.js';
import { messageForEvent } from './hl7-messages.js';

// The trust's outbound interface: each live event becomes an HL7 v2 message sent over MLLP to
// the hub, one at a time and in order. A message leaves the queue only on an AA; anything else
// (AE/AR, no ACK, hub down) keeps it at the head and retries with capped backoff, as an
// integration engine does, so nothing is lost and nothing overtakes.

export interface Hl7FeedOptions {
  /** Most messages held while the hub is away; past it new events are refused and counted. */
  maxQueue: number;
  /** How long to wait for the ACK before giving the connection up and retrying. */
  ackTimeoutMs: number;
  connectTimeoutMs: number;
  minBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_FEED_OPTIONS: Hl7FeedOptions = {
  maxQueue: 10_000,
  ackTimeoutMs: 10_000,
  connectTimeoutMs: 5_000,
  minBackoffMs: 250,
  maxBackoffMs: 10_000,
};

/** What GET /sandbox/feed reports. Holds no clinical content. */
export interface Hl7FeedStatus {
  target: string;
  running: boolean;
  connected: boolean;
  /** Messages waiting, the one in flight included. */
  queued: number;
  /** Messages accepted into the queue since start. */
  enqueued: number;
  /** Transmissions, retries included. */
  sent: number;
  /** Messages the hub accepted (AA): delivered. */
  acked: number;
  /** Negative ACKs received (AE, AR, CE, CR); each is retried. */
  rejected: number;
  /** Retries after any failure: negative ACK, no ACK in time, or no connection. */
  retried: number;
  /** Events refused because the queue was full. */
  overflowed: number;
  /** Events no message could be built for (the person has no trust record). */
  skipped: number;
  lastError?: string;
  lastErrorAt?: string;
  lastAckAt?: string;
}

export interface Hl7Target {
  host: string;
  port: number;
}

/** Parses "host:port" (IPv6 as "[::1]:2575"), with a clear error for anything else. */
export function parseHl7Target(target: string): Hl7Target {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(target.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port < 1 || port > 65_535) {
    throw new Error(`hl7Target must be host:port with a port from 1 to 65535 (e.g. 127.0.0.1:2575), not "${target}"`);
  }
  return { host: (match[1] ?? match[2]) as string, port };
}

interface QueuedMessage {
  message: Hl7Message;
  controlId: string;
}

type Attempt = { outcome: 'acked' } | { outcome: 'failed'; reason: string };

const feeds = new WeakMap<SandboxContext, Hl7Feed>();

/** The feed running for a sandbox, if it has one (GET /sandbox/feed). */
export function feedOf(context: SandboxContext): Hl7Feed | undefined {
  return feeds.get(context);
}

export class Hl7Feed {
  private readonly target: Hl7Target;
  private readonly options: Hl7FeedOptions;
  private readonly queue: QueuedMessage[] = [];
  private readonly counts = { enqueued: 0, sent: 0, acked: 0, rejected: 0, retried: 0, overflowed: 0, skipped: 0 };
  private lastError?: { text: string; at: string };
  private lastAckAt?: string;
  private client?: Hl7Client;
  private running = false;
  private pumping?: Promise<void>;
  private backoffMs = 0;
  private wakeUp?: () => void;
  /** MSH-10: a prefix from the start time keeps ids unique across restarts of the sandbox. */
  private readonly controlIdPrefix = `R9A${Date.now().toString(36).toUpperCase()}`;
  private controlIds = 0;
  private readonly listener = (event: SandboxEvent): void => this.accept(event);

  constructor(
    private readonly context: SandboxContext,
    target: string,
    options: Partial<Hl7FeedOptions> = {},
  ) {
    this.target = parseHl7Target(target);
    this.options = { ...DEFAULT_FEED_OPTIONS, ...options };
    feeds.set(context, this);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.context.events.on('event', this.listener);
    this.pump();
  }

  /** Stops sending and closes the connection; resolves promptly even when the hub is down. */
  async stop(): Promise<void> {
    this.running = false;
    this.context.events.off('event', this.listener);
    this.wakeUp?.();
    await this.dropClient();
    await withDeadline(this.pumping ?? Promise.resolve(), 2_000);
  }

  status(): Hl7FeedStatus {
    return {
      target: `${this.target.host}:${this.target.port}`,
      running: this.running,
      connected: this.client?.connection !== undefined && !this.client.connection.isClosed(),
      queued: this.queue.length,
      ...this.counts,
      lastError: this.lastError?.text,
      lastErrorAt: this.lastError?.at,
      lastAckAt: this.lastAckAt,
    };
  }

  private accept(event: SandboxEvent): void {
    if (this.queue.length >= this.options.maxQueue) {
      this.counts.overflowed += 1;
      return;
    }
    const controlId = `${this.controlIdPrefix}${String(++this.controlIds).padStart(8, '0')}`;
    let message: Hl7Message | undefined;
    try {
      message = messageForEvent(this.context, event, { controlId, createdAt: this.context.now() });
    } catch {
      message = undefined;
    }
    if (!message) {
      this.counts.skipped += 1;
      return;
    }
    this.queue.push({ message, controlId });
    this.counts.enqueued += 1;
    this.pump();
  }

  private pump(): void {
    if (this.pumping || !this.running || this.queue.length === 0) return;
    this.pumping = this.drain()
      .catch(() => {
        this.lastError = { text: 'the feed stopped unexpectedly and restarts', at: new Date().toISOString() };
      })
      .finally(() => {
        this.pumping = undefined;
        // Events that arrived as the loop ended.
        this.pump();
      });
  }

  private async drain(): Promise<void> {
    while (this.running && this.queue.length > 0) {
      const head = this.queue[0] as QueuedMessage;
      const attempt = await this.send(head);
      if (!this.running) return;
      if (attempt.outcome === 'acked') {
        this.queue.shift();
        this.counts.acked += 1;
        this.lastAckAt = new Date().toISOString();
        this.backoffMs = 0;
        continue;
      }
      this.lastError = { text: attempt.reason, at: new Date().toISOString() };
      this.counts.retried += 1;
      this.backoffMs = Math.min(this.options.maxBackoffMs, this.backoffMs === 0 ? this.options.minBackoffMs : this.backoffMs * 2);
      await this.sleep(this.backoffMs);
    }
  }

  private async send(item: QueuedMessage): Promise<Attempt> {
    const client = (this.client ??= new Hl7Client({
      host: this.target.host,
      port: this.target.port,
      keepAlive: true,
      connectTimeout: this.options.connectTimeoutMs,
    }));
    let settle: ((attempt: Attempt) => void) | undefined;
    const interrupted = new Promise<Attempt>((resolve) => (settle = resolve));
    const onClose = (): void => settle?.({ outcome: 'failed', reason: 'connection closed before the ACK' });
    const timer = setTimeout(
      () => settle?.({ outcome: 'failed', reason: `no ACK within ${this.options.ackTimeoutMs} ms` }),
      this.options.ackTimeoutMs,
    );
    client.addEventListener('close', onClose);
    this.counts.sent += 1;
    // Application-level ACKs only: a commit ACK (CA) means received, not accepted.
    const acknowledged = client.sendAndWait(item.message, { returnAck: ReturnAckCategory.APPLICATION }).then(
      (ack): Attempt => this.judge(ack),
      (error: unknown): Attempt => ({ outcome: 'failed', reason: transportError(error) }),
    );
    try {
      const attempt = await Promise.race([acknowledged, interrupted]);
      // After a lost connection or a silent hub, start afresh rather than trust a stale socket.
      if (attempt.outcome === 'failed' && !attempt.reason.startsWith('negative ACK')) await this.dropClient();
      return attempt;
    } finally {
      clearTimeout(timer);
      client.removeEventListener('close', onClose);
    }
  }

  private judge(ack: Hl7Message): Attempt {
    const code = ack.getSegment('MSA')?.getField(1)?.toString().toUpperCase() ?? '';
    if (code === 'AA') return { outcome: 'acked' };
    this.counts.rejected += 1;
    // Only the code: the hub's text could quote the message back.
    return { outcome: 'failed', reason: `negative ACK ${/^[A-Z]{2}$/.test(code) ? code : '(unreadable)'}` };
  }

  private async dropClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client)
      await withDeadline(
        client.close().catch(() => undefined),
        2_000,
      );
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }
}

/** A safe description of a transport failure: the error code, never a message body. */
function transportError(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
  if (/^E[A-Z]+$/.test(code)) return `cannot reach the hub (${code})`;
  if (error instanceof Error && /timeout/i.test(error.message)) return 'connection timed out';
  if (error instanceof Error && /closed/i.test(error.message)) return 'connection closed before the ACK';
  return 'send failed';
}

function withDeadline(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    promise.then(done, done);
  });
}
