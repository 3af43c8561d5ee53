import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsService } from '../observability/metrics.service.js';
import { Queues } from './queues.js';

const countedStates = ['waiting', 'prioritized', 'delayed', 'active', 'failed', 'completed'] as const;
const scrapeTimeoutMs = 1_500;

/** Queue depth per queue, read from Redis at each scrape; a Redis outage leaves the gauges empty. */
@Injectable()
export class QueueMetrics {
  constructor(queues: Queues, metrics: MetricsService) {
    const jobs = new Gauge({
      name: 'tessera_queue_jobs',
      help: 'Jobs in each queue by state',
      labelNames: ['queue', 'state'],
      registers: [metrics.registry],
    });
    const depth = new Gauge({
      name: 'tessera_queue_depth',
      help: 'Jobs waiting to be processed (waiting, prioritized and delayed) in each queue',
      labelNames: ['queue'],
      registers: [metrics.registry],
      async collect() {
        jobs.reset();
        depth.reset();
        let timer: NodeJS.Timeout | undefined;
        const counts = await Promise.race([
          Promise.all(queues.all().map(async (queue) => ({ queue: queue.name, counts: await queue.getJobCounts(...countedStates) }))),
          new Promise<null>((resolve) => {
            timer = setTimeout(() => resolve(null), scrapeTimeoutMs);
          }),
        ]).catch(() => null);
        clearTimeout(timer);
        for (const { queue, counts: byState } of counts ?? []) {
          for (const state of countedStates) jobs.set({ queue, state }, byState[state] ?? 0);
          depth.set({ queue }, (byState.waiting ?? 0) + (byState.prioritized ?? 0) + (byState.delayed ?? 0));
        }
      },
    });
  }
}
