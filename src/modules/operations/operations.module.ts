import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { QueueModule } from '../../platform/queue/index.js';
import { QueueHeartbeatEntity } from './entities/queue-heartbeat.entity.js';
import { recordQueueHeartbeat, RecordQueueHeartbeatJob } from './jobs/record-queue-heartbeat.job.js';
import { DeadLettersResolver } from './dead-letters.resolver.js';
import { OperationsService } from './operations.service.js';
import { QueueHeartbeatMetrics } from './queue-heartbeat.metrics.js';
import { QueueHeartbeatScheduler } from './queue-heartbeat.scheduler.js';
import { QueueHeartbeatRepository } from './repositories/queue-heartbeat.repository.js';

@Module({
  imports: [TypeOrmModule.forFeature([QueueHeartbeatEntity]), QueueModule.forJobs([recordQueueHeartbeat])],
  providers: [
    QueueHeartbeatRepository,
    RecordQueueHeartbeatJob,
    QueueHeartbeatScheduler,
    QueueHeartbeatMetrics,
    OperationsService,
    DeadLettersResolver,
  ],
  exports: [OperationsService],
})
export class OperationsModule {}
