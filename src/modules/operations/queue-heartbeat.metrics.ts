import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsService, withTimeout } from '../../platform/observability/index.js';
import { QueueHeartbeatRepository } from './repositories/queue-heartbeat.repository.js';

/** Exposes heartbeat age and lag so an alert can fire when workers stop or fall behind. */
@Injectable()
export class QueueHeartbeatMetrics {
  constructor(heartbeats: QueueHeartbeatRepository, metrics: MetricsService) {
    const lag = new Gauge({
      name: 'tessera_queue_heartbeat_lag_seconds',
      help: 'Delay between when the last heartbeat job was due and when a worker processed it',
      labelNames: ['queue'],
      registers: [metrics.registry],
    });
    const processedAt = new Gauge({
      name: 'tessera_queue_heartbeat_processed_timestamp_seconds',
      help: 'When a worker last processed a heartbeat job (Unix time)',
      labelNames: ['queue'],
      registers: [metrics.registry],
      async collect() {
        lag.reset();
        processedAt.reset();
        const rows = await withTimeout(heartbeats.all(), 1_500, 'heartbeat query').catch(() => []);
        for (const row of rows) {
          lag.set({ queue: row.queue }, row.lagMs / 1000);
          processedAt.set({ queue: row.queue }, row.processedAt.getTime() / 1000);
        }
      },
    });
  }
}
