import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { AcceptedHl7Message } from '../domain/hl7-message-reader.js';

export type Hl7InboxStatus = 'received' | 'processed' | 'failed' | 'duplicate';

export interface Hl7InboxReceipt {
  inboxId: string;
  duplicate: boolean;
}

export interface Hl7InboxRow {
  id: string;
  status: Hl7InboxStatus;
  patientKey: string | null;
  rawMessage: string;
}

interface PendingReceipt {
  message: AcceptedHl7Message;
  resolve: (receipt: Hl7InboxReceipt) => void;
  reject: (error: unknown) => void;
}

const maxBatch = 500;

/**
 * The durable inbox. `receive` resolves only once the message's row is committed. Messages that
 * arrive while a write is in flight are written together by the next one (one statement, one
 * commit), so many connections share the cost of a commit without anyone waiting on a timer.
 */
@Injectable()
export class Hl7InboxRepository {
  private readonly waiting: PendingReceipt[] = [];
  private writing = false;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  receive(message: AcceptedHl7Message): Promise<Hl7InboxReceipt> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ message, resolve, reject });
      if (!this.writing) void this.writeWaiting();
    });
  }

  private async writeWaiting(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length) {
        const batch = this.waiting.splice(0, maxBatch);
        try {
          const receipts = await this.insertBatch(batch.map((pending) => pending.message));
          batch.forEach((pending, index) => pending.resolve(receipts[index]!));
        } catch (error) {
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async insertBatch(messages: AcceptedHl7Message[]): Promise<Hl7InboxReceipt[]> {
    const keyOf = (message: AcceptedHl7Message) => `${message.header.sendingFacility}\u0000${message.header.controlId}`;
    // A repeat inside the batch is a duplicate of its first occurrence.
    const firstIndexByKey = new Map<string, number>();
    messages.forEach((message, index) => {
      if (!firstIndexByKey.has(keyOf(message))) firstIndexByKey.set(keyOf(message), index);
    });
    const firsts = [...firstIndexByKey.values()].map((index) => messages[index]!);
    const inserted: { id: string; sending_facility: string; control_id: string }[] = await this.dataSource.query(
      `INSERT INTO hl7_inbox (sending_application, sending_facility, control_id, message_type, trigger_event, patient_key, raw_message, status)
       SELECT app, facility, control_id, type, trigger, patient_key, raw, 'received'
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY
         AS input(app, facility, control_id, type, trigger, patient_key, raw, position)
       ORDER BY position
       ON CONFLICT (sending_facility, control_id) WHERE status <> 'duplicate' DO NOTHING
       RETURNING id, sending_facility, control_id`,
      columns(firsts),
    );
    const insertedIds = new Map(inserted.map((row) => [`${row.sending_facility}\u0000${row.control_id}`, String(row.id)]));
    const receipts: (Hl7InboxReceipt | undefined)[] = messages.map((message, index) => {
      const id = insertedIds.get(keyOf(message));
      return id && firstIndexByKey.get(keyOf(message)) === index ? { inboxId: id, duplicate: false } : undefined;
    });
    const duplicates = messages.filter((_, index) => !receipts[index]);
    if (duplicates.length) {
      const rows: { id: string }[] = await this.dataSource.query(
        `INSERT INTO hl7_inbox (sending_application, sending_facility, control_id, message_type, trigger_event, patient_key, raw_message, status, processed_at)
         SELECT app, facility, control_id, type, trigger, patient_key, raw, 'duplicate', now()
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY
           AS input(app, facility, control_id, type, trigger, patient_key, raw, position)
         ORDER BY position
         RETURNING id`,
        columns(duplicates),
      );
      let next = 0;
      receipts.forEach((receipt, index) => {
        if (!receipt) receipts[index] = { inboxId: String(rows[next++]!.id), duplicate: true };
      });
    }
    return receipts as Hl7InboxReceipt[];
  }

  async find(id: string, manager: EntityManager = this.dataSource.manager): Promise<Hl7InboxRow | null> {
    const rows: { id: string; status: Hl7InboxStatus; patient_key: string | null; raw_message: string }[] = await manager.query(
      `SELECT id, status, patient_key, raw_message FROM hl7_inbox WHERE id = $1`,
      [id],
    );
    const row = rows[0];
    return row ? { id: String(row.id), status: row.status, patientKey: row.patient_key, rawMessage: row.raw_message } : null;
  }

  /** Locks the row for the processing transaction; null when it is gone. */
  async lockForProcessing(id: string, manager: EntityManager): Promise<Hl7InboxRow | null> {
    const rows: { id: string; status: Hl7InboxStatus; patient_key: string | null; raw_message: string }[] = await manager.query(
      `SELECT id, status, patient_key, raw_message FROM hl7_inbox WHERE id = $1 FOR UPDATE`,
      [id],
    );
    const row = rows[0];
    return row ? { id: String(row.id), status: row.status, patientKey: row.patient_key, rawMessage: row.raw_message } : null;
  }

  /** Ids of one patient's messages received before `id` and not yet processed, oldest first. */
  async pendingBefore(patientKey: string, id: string): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM hl7_inbox WHERE patient_key = $1 AND id < $2 AND status = 'received' ORDER BY id`,
      [patientKey, id],
    );
    return rows.map((row) => String(row.id));
  }

  /** Serialises processing per patient until the transaction ends. */
  async lockPatient(patientKey: string, manager: EntityManager): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7001))`, [patientKey]);
  }

  async markProcessed(id: string, manager: EntityManager): Promise<void> {
    await manager.query(
      `UPDATE hl7_inbox SET status = 'processed', attempts = attempts + 1, last_error = NULL, processed_at = now() WHERE id = $1`,
      [id],
    );
  }

  /** Records a failed attempt; `final` marks the message failed (it is then in the dead letters). */
  async recordFailure(id: string, safeError: string, final: boolean): Promise<void> {
    await this.dataSource.query(
      `UPDATE hl7_inbox SET attempts = attempts + 1, last_error = $2, status = CASE WHEN $3 THEN 'failed' ELSE status END
       WHERE id = $1 AND status IN ('received', 'failed')`,
      [id, safeError.slice(0, 500), final],
    );
  }

  /** Messages committed but not processed for a while: their job may never have been enqueued. */
  async stalledIds(olderThanMs: number, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM hl7_inbox WHERE status = 'received' AND received_at < now() - make_interval(secs => $1::double precision / 1000)
       ORDER BY id LIMIT $2`,
      [olderThanMs, limit],
    );
    return rows.map((row) => String(row.id));
  }
}

function columns(messages: AcceptedHl7Message[]): string[][] {
  return [
    messages.map((message) => message.header.sendingApplication),
    messages.map((message) => message.header.sendingFacility),
    messages.map((message) => message.header.controlId),
    messages.map((message) => message.header.messageType),
    messages.map((message) => message.header.triggerEvent),
    messages.map((message) => message.patientKey) as string[],
    messages.map((message) => message.text),
  ];
}
