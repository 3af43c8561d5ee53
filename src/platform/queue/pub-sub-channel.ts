import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';

import { withTimeout } from '../observability/index.js';
import type { RedisConnections } from './redis-connections.js';

export type ChannelListener<T> = (message: T) => void | Promise<void>;

/** How long a publisher waits for Redis to take a message before going on anyway. */
const PUBLISH_WAIT_MS = 1_000;

/**
 * One Redis pub/sub channel under the deployment's prefix, for telling every hub process that
 * something committed (persons changed, a privacy alert was raised). Delivery is at most once and
 * only to processes listening at the time: a bell, never the record, which stays in PostgreSQL.
 * Messages are JSON and must hold ids only.
 */
export class PubSubChannel<T> {
  private readonly logger: Logger;
  private readonly listeners = new Set<ChannelListener<T>>();
  private subscriber?: Redis;
  private subscribed?: Promise<unknown>;

  constructor(
    private readonly connections: RedisConnections,
    private readonly name: string,
  ) {
    this.logger = new Logger(`PubSub:${name}`);
  }

  get channel(): string {
    return `${this.connections.keyPrefix}:${this.name}`;
  }

  /**
   * Announces a change that has committed. A Redis outage must not fail a change already in the
   * database: the message is left with the connection (sent when Redis is back) and the caller
   * goes on after a short wait. `what` names the message in the warning (ids only).
   */
  async publish(message: T, what: string): Promise<void> {
    try {
      await withTimeout(this.connections.shared.publish(this.channel, JSON.stringify(message)), PUBLISH_WAIT_MS, `${this.name} publish`);
    } catch (error) {
      this.logger.warn(`${what} not confirmed by Redis: ${(error as Error).message}`);
    }
  }

  /** Calls `listener` with every message any hub process publishes from now on; resolves once Redis confirmed. Returns the stop function. */
  async subscribe(listener: ChannelListener<T>): Promise<() => void> {
    this.listeners.add(listener);
    if (!this.subscriber) {
      // A connection in subscriber mode can do nothing else, so it is one of its own.
      const subscriber = this.connections.open(`${this.name}-subscriber`);
      this.subscriber = subscriber;
      subscriber.on('message', (channel: string, message: string) => {
        if (channel === this.channel) this.deliver(message);
      });
      this.subscribed = subscriber.subscribe(this.channel);
    }
    await this.subscribed;
    return () => {
      this.listeners.delete(listener);
    };
  }

  private deliver(text: string): void {
    let message: T;
    try {
      message = JSON.parse(text) as T;
    } catch {
      this.logger.warn(`ignored a malformed ${this.name} message`);
      return;
    }
    for (const listener of this.listeners) {
      Promise.resolve()
        .then(() => listener(message))
        .catch((error: unknown) => this.logger.warn(`a ${this.name} listener failed: ${(error as Error).message}`));
    }
  }
}
