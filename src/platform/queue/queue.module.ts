import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Global,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/index.js';
import { DeadLetterEntity } from './dead-letter.entity.js';
import { DeadLetterRepository } from './dead-letter.repository.js';
import { DeadLetters } from './dead-letters.js';
import type { JobDefinition, JobPayload } from './job-definition.js';
import { JobDispatcher } from './job-dispatcher.js';
import { JobCatalogue, JobRegistry } from './job-registry.js';
import { QueueMetrics } from './queue-metrics.js';
import { Queues } from './queues.js';
import { RedisConnections } from './redis-connections.js';
import { WorkerHost } from './worker-host.js';

let catalogueCount = 0;

/** Holds one module's JobCatalogue; a separate class so declaring jobs never re-creates QueueModule. */
@Module({})
export class JobDeclarationsModule {}

@Global()
@Module({
  imports: [DiscoveryModule, TypeOrmModule.forFeature([DeadLetterEntity])],
  providers: [RedisConnections, Queues, JobRegistry, JobDispatcher, DeadLetterRepository, DeadLetters, WorkerHost, QueueMetrics],
  exports: [RedisConnections, JobDispatcher, DeadLetters],
})
export class QueueModule implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    private readonly config: AppConfig,
    private readonly workers: WorkerHost,
    private readonly queues: Queues,
    private readonly connections: RedisConnections,
  ) {}

  /** Declares the jobs a module owns; each needs exactly one `@JobHandler` in the app. */
  static forJobs(definitions: JobDefinition<JobPayload>[]): DynamicModule {
    const token = `tessera:job-catalogue:${++catalogueCount}`;
    return {
      module: JobDeclarationsModule,
      providers: [{ provide: token, useValue: new JobCatalogue(definitions) }],
    };
  }

  onApplicationBootstrap(): void {
    if (this.config.runsWorkers) this.workers.start();
  }

  /** Jobs in progress finish before the connections they need are closed. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.workers.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queues.closeAll();
    await this.connections.closeAll();
  }
}
