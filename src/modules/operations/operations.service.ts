import { Injectable } from '@nestjs/common';
import { DeadLetters, type DeadLetter } from '../../platform/queue/index.js';
import { type QueueHeartbeat, QueueHeartbeatRepository } from './repositories/queue-heartbeat.repository.js';

/** What operators can see and do, whatever the surface (CLI today, operator GraphQL later). */
@Injectable()
export class OperationsService {
  constructor(
    private readonly heartbeats: QueueHeartbeatRepository,
    private readonly deadLetters: DeadLetters,
  ) {}

  queueHeartbeats(): Promise<QueueHeartbeat[]> {
    return this.heartbeats.all();
  }

  listDeadLetters(options: { includeRedriven?: boolean; limit?: number }): Promise<DeadLetter[]> {
    return this.deadLetters.list(options);
  }

  redriveDeadLetter(id: string): Promise<string> {
    return this.deadLetters.redrive(id);
  }
}
