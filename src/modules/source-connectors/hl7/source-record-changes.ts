import { Injectable } from '@nestjs/common';

import { PubSubChannel, RedisConnections } from '../../../platform/queue/index.js';

/** A feed said a patient's record changed at an organisation: ids only, never content. */
export interface SourceRecordChanged {
  /** The sending organisation's ODS code (MSH-4 of an HL7 v2 message). */
  organisationCode: string;
  /** The patient's id in that organisation's system. */
  localId: string;
}

export type SourceRecordChangedListener = (change: SourceRecordChanged) => void | Promise<void>;

/**
 * Tells every hub process that a source's record of a patient changed (an admission, a new
 * result), after the feed message committed: caches of that patient's sections drop what they
 * hold, and subscribers (portals' live updates) can say so. A hint to re-read, not a history.
 */
@Injectable()
export class SourceRecordChanges {
  private readonly events: PubSubChannel<SourceRecordChanged>;

  constructor(connections: RedisConnections) {
    this.events = new PubSubChannel(connections, 'source-record-changed');
  }

  /** Announces a committed change; a Redis outage never fails it. */
  async publish(change: SourceRecordChanged): Promise<void> {
    await this.events.publish(
      { organisationCode: change.organisationCode, localId: change.localId },
      `source-record-changed at ${change.organisationCode}`,
    );
  }

  /** Calls `listener` with every change any hub process announces from now on; returns the stop function. */
  async subscribe(listener: SourceRecordChangedListener): Promise<() => void> {
    return this.events.subscribe(listener);
  }
}
