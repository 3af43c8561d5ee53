import { Injectable } from '@nestjs/common';

import { PubSubChannel, RedisConnections } from '../../platform/queue/index.js';

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

/**
 * Tells the rest of the hub (every process) that persons changed, over Redis pub/sub, so that
 * caches keyed by person (record aggregation) can drop what they hold. Consumers treat it as a
 * hint to re-read, not as the history, which identity_event keeps.
 */
@Injectable()
export class IdentityEvents {
  private readonly events: PubSubChannel<IdentityChanged>;

  constructor(connections: RedisConnections) {
    this.events = new PubSubChannel(connections, 'identity-changed');
  }

  get channel(): string {
    return this.events.channel;
  }

  /** Announces a committed change; a Redis outage never fails it (the caller goes on after a short wait). */
  async publish(change: IdentityChanged): Promise<void> {
    await this.events.publish(
      { personIds: change.personIds, kind: change.kind, eventId: change.eventId },
      `identity-changed for event ${change.eventId}`,
    );
  }

  /** Calls `listener` with every change any hub process announces from now on; returns the stop function. */
  async subscribe(listener: IdentityChangedListener): Promise<() => void> {
    return this.events.subscribe(listener);
  }
}
