import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { defaultJobOptions } from './job-options.js';
import { allQueueNames, type QueueName } from './queue-names.js';
import { RedisConnections } from './redis-connections.js';

/** One BullMQ Queue object per queue name, sharing one Redis connection. */
@Injectable()
export class Queues {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(private readonly connections: RedisConnections) {}

  get(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connections.shared, prefix: this.connections.keyPrefix, defaultJobOptions });
      this.queues.set(name, queue);
    }
    return queue;
  }

  all(): Queue[] {
    return allQueueNames.map((name) => this.get(name));
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.queues.clear();
  }
}
