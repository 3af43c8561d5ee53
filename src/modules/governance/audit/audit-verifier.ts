import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import { AUDIT_EVENT_COLUMNS, fromAuditEventRow, type AuditEventRow } from './audit-event.rows.js';
import { CHAIN_START, checkChainLink, type ChainBreak, type ChainCursor } from './domain/audit-chain.js';

export interface AuditVerification {
  ok: boolean;
  /** Rows whose hash and link were checked. */
  checked: number;
  /** The first position where the chain no longer holds. */
  firstBroken?: ChainBreak;
  /** The position and hash the chain ends at (publish it elsewhere to detect a rewritten tail). */
  head: { id: string; hash: string };
}

export interface VerifyProgress {
  checked: number;
  /** Rows in the chain when the walk began. */
  total: number;
}

export interface VerifyOptions {
  pageSize?: number;
  onProgress?: (progress: VerifyProgress) => void;
}

/**
 * Walks the audit chain in position order, a page at a time, recomputing every hash. Rows
 * appended while it walks are left for the next run: it checks up to the head it saw at the start.
 */
@Injectable()
export class AuditVerifier {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async verify(options: VerifyOptions = {}): Promise<AuditVerification> {
    const pageSize = options.pageSize ?? 2_000;
    const [head] = await this.dataSource.query<Array<{ last_id: string; last_hash: string }>>(
      `SELECT last_id, last_hash FROM audit_chain_head WHERE id = 1`,
    );
    if (!head) throw new Error('audit_chain_head has no row: the CreateAuditEvent migration was not applied as written');
    const headId = BigInt(head.last_id);
    const total = Number(headId);
    const headOf = (cursor: ChainCursor) => ({ id: cursor.lastId.toString(), hash: cursor.lastHash });

    let cursor: ChainCursor = CHAIN_START;
    let checked = 0;
    for (;;) {
      const rows = await this.dataSource.query<AuditEventRow[]>(
        `SELECT ${AUDIT_EVENT_COLUMNS} FROM audit_event WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3`,
        [cursor.lastId.toString(), head.last_id, pageSize],
      );
      for (const row of rows) {
        const event = fromAuditEventRow(row);
        const broken = checkChainLink(cursor, event);
        if (broken) return { ok: false, checked, firstBroken: broken, head: headOf(cursor) };
        cursor = { lastId: BigInt(event.id), lastHash: event.hash };
        checked += 1;
      }
      options.onProgress?.({ checked, total });
      if (rows.length < pageSize) break;
    }

    // Rows removed from the end leave the head pointing past the last row.
    if (cursor.lastId < headId)
      return { ok: false, checked, firstBroken: { id: (cursor.lastId + 1n).toString(), reason: 'gap' }, head: headOf(cursor) };
    // The last row changed and re-hashed: its hash is no longer the one the head recorded.
    if (cursor.lastHash !== head.last_hash) {
      return { ok: false, checked, firstBroken: { id: cursor.lastId.toString(), reason: 'hash-mismatch' }, head: headOf(cursor) };
    }
    return { ok: true, checked, head: headOf(cursor) };
  }
}
