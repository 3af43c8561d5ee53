import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import { DeadLetterEntity } from './dead-letter.entity.js';

export interface DeadLetterRecord {
  queue: string;
  jobName: string;
  jobId: string;
  payload: Record<string, unknown>;
  failureReason: string;
  attemptsMade: number;
  failedAt: Date;
}

@Injectable()
export class DeadLetterRepository {
  constructor(@InjectRepository(DeadLetterEntity) private readonly rows: Repository<DeadLetterEntity>) {}

  /** Writing the same failed job twice (a retried write) keeps one row, re-opened. */
  async upsert(record: DeadLetterRecord): Promise<void> {
    await this.rows.query(
      `INSERT INTO dead_letter (queue, job_name, job_id, payload, failure_reason, attempts_made, failed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (queue, job_id) DO UPDATE SET
         job_name = EXCLUDED.job_name, payload = EXCLUDED.payload, failure_reason = EXCLUDED.failure_reason,
         attempts_made = EXCLUDED.attempts_made, failed_at = EXCLUDED.failed_at, redriven_at = NULL, redrive_job_id = NULL`,
      [record.queue, record.jobName, record.jobId, record.payload, record.failureReason, record.attemptsMade, record.failedAt],
    );
  }

  list(filter: { includeRedriven: boolean; limit: number }): Promise<DeadLetterEntity[]> {
    return this.rows.find({
      where: filter.includeRedriven ? {} : { redrivenAt: IsNull() },
      order: { failedAt: 'DESC' },
      take: filter.limit,
    });
  }

  findById(id: string): Promise<DeadLetterEntity | null> {
    return this.rows.findOneBy({ id });
  }

  async markRedriven(id: string, redriveJobId: string, at: Date): Promise<void> {
    await this.rows.update({ id }, { redrivenAt: at, redriveJobId });
  }
}
