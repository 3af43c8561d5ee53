import { Injectable } from '@nestjs/common';

import { PubSubChannel, RedisConnections } from '../../../platform/queue/index.js';

/** A privacy alert as announced: ids only, never the reason or who the person is. */
export interface PrivacyAlertRaised {
  alertId: string;
  kind: 'break-glass';
  accessGrantId: string;
  personId: string;
}

export type PrivacyAlertListener = (alert: PrivacyAlertRaised) => void | Promise<void>;

/**
 * Tells every hub process, over Redis pub/sub, that a privacy alert was raised, so privacy
 * officers' consoles hear of break-glass at once (issue 6). privacy_alert is the record; this is
 * the bell.
 */
@Injectable()
export class PrivacyAlertEvents {
  private readonly alerts: PubSubChannel<PrivacyAlertRaised>;

  constructor(connections: RedisConnections) {
    this.alerts = new PubSubChannel(connections, 'privacy-alert');
  }

  get channel(): string {
    return this.alerts.channel;
  }

  /** Announces an alert that has committed; a Redis outage never undoes the break-glass already recorded. */
  async publish(alert: PrivacyAlertRaised): Promise<void> {
    await this.alerts.publish(
      { alertId: alert.alertId, kind: alert.kind, accessGrantId: alert.accessGrantId, personId: alert.personId },
      `privacy alert ${alert.alertId}`,
    );
  }

  /** Calls `listener` with every alert any hub process raises from now on; returns the stop function. */
  async subscribe(listener: PrivacyAlertListener): Promise<() => void> {
    return this.alerts.subscribe(listener);
  }
}
