import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { QueueHeartbeatEntity } from '../entities/queue-heartbeat.entity.js';

export interface QueueHeartbeat {
  queue: string;
  jobId: string;
  dueAt: Date;
  processedAt: Date;
  lagMs: number;
  processedBy: string;
}

@Injectable()
export class QueueHeartbeatRepository {
  constructor(@InjectRepository(QueueHeartbeatEntity) private readonly rows: Repository<QueueHeartbeatEntity>) {}

  /** Keeps only the newest heartbeat per queue: an older job finishing late never overwrites it. */
  async record(heartbeat: QueueHeartbeat): Promise<void> {
    await this.rows.query(
      `INSERT INTO queue_heartbeat (queue, job_id, due_at, processed_at, lag_ms, processed_by)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (queue) DO UPDATE SET
         job_id = EXCLUDED.job_id, due_at = EXCLUDED.due_at, processed_at = EXCLUDED.processed_at,
         lag_ms = EXCLUDED.lag_ms, processed_by = EXCLUDED.processed_by
       WHERE queue_heartbeat.due_at <= EXCLUDED.due_at`,
      [heartbeat.queue, heartbeat.jobId, heartbeat.dueAt, heartbeat.processedAt, heartbeat.lagMs, heartbeat.processedBy],
    );
  }

  async all(): Promise<QueueHeartbeat[]> {
    const rows = await this.rows.find({ order: { queue: 'ASC' } });
    return rows.map((row) => ({ ...row }));
  }
}
