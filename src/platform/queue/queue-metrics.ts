import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsService } from '../observability/metrics.service.js';
import { sharedScrape } from '../observability/shared-scrape.js';
import { withTimeout } from '../observability/with-timeout.js';
import { Queues } from './queues.js';

const countedStates = ['waiting', 'prioritized', 'delayed', 'active', 'failed', 'completed'] as const;
const scrapeTimeoutMs = 1_500;

/** Queue depth per queue, read from Redis at each scrape; a Redis outage leaves the gauges empty. */
@Injectable()
export class QueueMetrics {
  constructor(queues: Queues, metrics: MetricsService) {
    const readCounts = sharedScrape(() =>
      withTimeout(
        Promise.all(queues.all().map(async (queue) => ({ queue: queue.name, byState: await queue.getJobCounts(...countedStates) }))),
        scrapeTimeoutMs,
        'queue counts',
      ).catch(() => []),
    );
    new Gauge({
      name: 'tessera_queue_depth',
      help: 'Jobs ready to run and not yet picked up (waiting and prioritized) in each queue; delayed jobs are in tessera_queue_jobs',
      labelNames: ['queue'],
      registers: [metrics.registry],
      async collect() {
        this.reset();
        for (const { queue, byState } of await readCounts()) {
          this.set({ queue }, (byState.waiting ?? 0) + (byState.prioritized ?? 0));
        }
      },
    });
    new Gauge({
      name: 'tessera_queue_jobs',
      help: 'Jobs in each queue by state',
      labelNames: ['queue', 'state'],
      registers: [metrics.registry],
      async collect() {
        this.reset();
        for (const { queue, byState } of await readCounts()) {
          for (const state of countedStates) this.set({ queue, state }, byState[state] ?? 0);
        }
      },
    });
  }
}
