import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsService, sharedScrape, withTimeout } from '../../platform/observability/index.js';
import { QueueHeartbeatRepository } from './repositories/queue-heartbeat.repository.js';

/** Exposes heartbeat age and lag so an alert can fire when workers stop or fall behind. */
@Injectable()
export class QueueHeartbeatMetrics {
  constructor(heartbeats: QueueHeartbeatRepository, metrics: MetricsService) {
    const readHeartbeats = sharedScrape(() => withTimeout(heartbeats.all(), 1_500, 'heartbeat query').catch(() => []));
    new Gauge({
      name: 'tessera_queue_heartbeat_lag_seconds',
      help: 'Delay between when the last heartbeat job was due and when a worker processed it',
      labelNames: ['queue'],
      registers: [metrics.registry],
      async collect() {
        this.reset();
        for (const row of await readHeartbeats()) this.set({ queue: row.queue }, row.lagMs / 1000);
      },
    });
    new Gauge({
      name: 'tessera_queue_heartbeat_processed_timestamp_seconds',
      help: 'When a worker last processed a heartbeat job (Unix time)',
      labelNames: ['queue'],
      registers: [metrics.registry],
      async collect() {
        this.reset();
        for (const row of await readHeartbeats()) this.set({ queue: row.queue }, row.processedAt.getTime() / 1000);
      },
    });
  }
}
