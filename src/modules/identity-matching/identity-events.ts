import { Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';

import { withTimeout } from '../../platform/observability/index.js';
import { RedisConnections } from '../../platform/queue/index.js';

/** What changed in the identity index: ids only, never demographics. */
export interface IdentityChanged {
  /** Every person whose set of source identities changed (both sides of a merge, an unlink…). */
  personIds: string[];
  /** The kind of the history event that made the change (link, unlink, merge, undo, …). */
  kind: string;
  /** The identity_event id of that change, as a string (a bigint). */
  eventId: string;
}

export type IdentityChangedListener = (change: IdentityChanged) => void | Promise<void>;

/** How long a mutation waits for Redis to take its announcement before answering anyway. */
const PUBLISH_WAIT_MS = 1_000;

/**
 * Tells the rest of the hub (every process) that persons changed, over Redis pub/sub, so that
 * caches keyed by person (record aggregation) can drop what they hold. Delivery is at most once
 * and only to processes listening at the time: consumers treat it as a hint to re-read, not as
 * the history, which identity_event keeps.
 */
@Injectable()
export class IdentityEvents {
  private readonly logger = new Logger('IdentityEvents');
  private readonly listeners = new Set<IdentityChangedListener>();
  private subscriber?: Redis;
  private subscribed?: Promise<unknown>;

  constructor(private readonly connections: RedisConnections) {}

  /** The pub/sub channel, under the deployment's Redis prefix. */
  get channel(): string {
    return `${this.connections.keyPrefix}:identity-changed`;
  }

  /**
   * Announces a change that has committed. A Redis outage must not fail a change that is already
   * in the database: the message is left with the connection (sent when Redis is back) and the
   * caller goes on after a short wait.
   */
  async publish(change: IdentityChanged): Promise<void> {
    const message = JSON.stringify({ personIds: change.personIds, kind: change.kind, eventId: change.eventId });
    try {
      await withTimeout(this.connections.shared.publish(this.channel, message), PUBLISH_WAIT_MS, 'identity-changed publish');
    } catch (error) {
      this.logger.warn(`identity-changed for event ${change.eventId} not confirmed by Redis: ${(error as Error).message}`);
    }
  }

  /**
   * Calls `listener` with every change announced by any hub process from now on. Resolves once
   * Redis has confirmed the subscription; returns the function that stops listening.
   */
  async subscribe(listener: IdentityChangedListener): Promise<() => void> {
    this.listeners.add(listener);
    if (!this.subscriber) {
      // A connection in subscriber mode can do nothing else, so it is one of its own.
      const subscriber = this.connections.open('identity-events');
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

  private deliver(message: string): void {
    let change: IdentityChanged;
    try {
      change = JSON.parse(message) as IdentityChanged;
    } catch {
      this.logger.warn('ignored a malformed identity-changed message');
      return;
    }
    for (const listener of this.listeners) {
      Promise.resolve()
        .then(() => listener(change))
        .catch((error: unknown) => this.logger.warn(`an identity-changed listener failed: ${(error as Error).message}`));
    }
  }
}
