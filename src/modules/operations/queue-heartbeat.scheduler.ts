import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../../platform/config/index.js';
import { JobDispatcher } from '../../platform/queue/index.js';
import { recordQueueHeartbeat } from './jobs/record-queue-heartbeat.job.js';

/** Workers (re)declare the heartbeat schedule at start; the upsert makes this safe from many. */
@Injectable()
export class QueueHeartbeatScheduler implements OnApplicationBootstrap {
  constructor(
    private readonly config: AppConfig,
    private readonly dispatcher: JobDispatcher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runsWorkers) return;
    await this.dispatcher.schedule(recordQueueHeartbeat, {}, this.config.worker.heartbeatIntervalMs);
  }
}
