import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';

import { SourceRegistry } from '../../source-connectors/index.js';
import { AppConfig } from '../../../platform/config/index.js';
import { JobDispatcher } from '../../../platform/queue/index.js';
import { syncSource } from './sync-source.job.js';

/** How often the schedules are reconciled with the registry (each sync's own interval is SOURCE_SYNC_INTERVAL_S). */
const RECONCILE_INTERVAL_MS = 60_000;

/**
 * One repeatable sync per enabled source that can list changes, and per GP Connect practice
 * (scanned, as a practice cannot list its patients). Workers reconcile the schedules
 * with the registry at start and every minute, so adding, disabling or changing a source is
 * followed without a restart.
 */
@Injectable()
export class SourceSyncScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('SourceSync');
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly registry: SourceRegistry,
    private readonly dispatcher: JobDispatcher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runsWorkers) return;
    await this.reconcile();
    this.timer = setInterval(() => {
      this.reconcile().catch((error: unknown) => this.logger.warn(`could not reconcile sync schedules: ${(error as Error).message}`));
    }, RECONCILE_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Makes the schedules match the registry; returns the ids of the sources scheduled. */
  async reconcile(): Promise<string[]> {
    // SOURCE_SYNC_INTERVAL_S=0 turns scheduled syncs off: the schedules already there are removed.
    const scheduling = this.config.sourceSyncIntervalMs > 0;
    const wanted = (await this.registry.list()).filter(
      (source) =>
        scheduling &&
        source.enabled &&
        (source.capabilities.changeFeed === 'last-updated' ||
          source.capabilities.changeFeed === 'changes-endpoint' ||
          source.protocol === 'gp-connect'),
    );
    const wantedIds = new Set(wanted.map((source) => schedulerId(source.id)));
    for (const existing of await this.dispatcher.schedulerIds(syncSource)) {
      if (!wantedIds.has(existing)) await this.dispatcher.unschedule(syncSource, existing);
    }
    for (const source of wanted)
      await this.dispatcher.schedule(syncSource, { sourceId: source.id }, this.config.sourceSyncIntervalMs, schedulerId(source.id));
    return wanted.map((source) => source.id);
  }
}

const schedulerId = (sourceId: string) => `sync-${sourceId}`;
