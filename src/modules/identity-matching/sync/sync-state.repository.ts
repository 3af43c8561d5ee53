import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

export interface SyncState {
  sourceId: string;
  cursor: string | null;
  status: 'idle' | 'running' | 'failed' | 'unsupported';
  runs: number;
  identitiesSeen: number;
  lastStartedAt: Date | null;
  lastFinishedAt: Date | null;
  lastError: string | null;
}

@Injectable()
export class SyncStateRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async get(sourceId: string): Promise<SyncState | undefined> {
    const rows: SyncState[] = await this.dataSource.query(
      `SELECT source_id AS "sourceId", cursor, status, runs, identities_seen::int AS "identitiesSeen",
              last_started_at AS "lastStartedAt", last_finished_at AS "lastFinishedAt", last_error AS "lastError"
       FROM source_sync_state WHERE source_id = $1`,
      [sourceId],
    );
    return rows[0];
  }

  async started(sourceId: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO source_sync_state (source_id, status, runs, last_started_at) VALUES ($1, 'running', 1, now())
       ON CONFLICT (source_id) DO UPDATE SET status = 'running', runs = source_sync_state.runs + 1, last_started_at = now(), last_error = NULL`,
      [sourceId],
    );
  }

  /** Saved after each page is recorded, so a crash resumes after the last page that took effect. */
  async advanced(sourceId: string, cursor: string, identities: number): Promise<void> {
    await this.dataSource.query(`UPDATE source_sync_state SET cursor = $2, identities_seen = identities_seen + $3 WHERE source_id = $1`, [
      sourceId,
      cursor,
      identities,
    ]);
  }

  /** A full scan reached the end: the next run starts again from the beginning. */
  async scanCompleted(sourceId: string): Promise<void> {
    await this.dataSource.query(`UPDATE source_sync_state SET cursor = NULL WHERE source_id = $1`, [sourceId]);
  }

  async finished(sourceId: string, status: 'idle' | 'unsupported'): Promise<void> {
    await this.dataSource.query(`UPDATE source_sync_state SET status = $2, last_finished_at = now() WHERE source_id = $1`, [
      sourceId,
      status,
    ]);
  }

  /** `reason` is an error kind and safe message, never a response body. */
  async failed(sourceId: string, reason: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE source_sync_state SET status = 'failed', last_finished_at = now(), last_error = $2 WHERE source_id = $1`,
      [sourceId, reason.slice(0, 500)],
    );
  }
}
