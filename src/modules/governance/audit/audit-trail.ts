import { once } from 'node:events';
import type { Writable } from 'node:stream';

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

import { AUDIT_EVENT_COLUMN_TYPES, AUDIT_EVENT_COLUMNS, fromAuditEventRow, type AuditEventRow } from './audit-event.rows.js';
import { auditTrailError, AuditTrailErrorCode } from './audit-trail.errors.js';
import { auditEventHash } from './domain/audit-chain.js';
import { AUDIT_OUTCOMES, toUnhashedEvent, type AuditEventInput, type AuditEventRecord, type AuditOutcome } from './domain/audit-event.js';
import { toFhirAuditEvent } from './domain/audit-event-fhir.js';

export const AUDIT_SEARCH_MAX_LIMIT = 500;
const AUDIT_SEARCH_DEFAULT_LIMIT = 100;
const EXPORT_PAGE_SIZE = 500;
const INSERT_CHUNK_ROWS = 1_000;

interface ChainHead {
  lastId: bigint;
  lastHash: string;
}

/** The rows `events` become after `head`, hashed in order, with the head they leave. Values in AUDIT_EVENT_COLUMNS order. */
function chainRows(events: readonly AuditEventInput[], head: ChainHead): { rows: unknown[][]; lastId: bigint; lastHash: string } {
  const now = new Date();
  let lastId = head.lastId;
  let lastHash = head.lastHash;
  const rows: unknown[][] = [];
  for (const input of events) {
    lastId += 1n;
    const unhashed = toUnhashedEvent(input, lastId.toString(), lastHash, now);
    lastHash = auditEventHash(unhashed);
    rows.push([
      unhashed.id,
      unhashed.recordedAt,
      unhashed.requestId,
      unhashed.action,
      unhashed.outcome,
      unhashed.outcomeReason,
      unhashed.purpose,
      unhashed.principalKind,
      unhashed.subject,
      unhashed.issuer,
      unhashed.agentName,
      unhashed.roleCode,
      unhashed.hubRole,
      unhashed.organisationCode,
      unhashed.onBehalfOf,
      unhashed.personId,
      unhashed.nhsNumber,
      unhashed.sections,
      unhashed.sources,
      unhashed.queryKind,
      JSON.stringify(unhashed.detail),
      unhashed.previousHash,
      lastHash,
    ]);
  }
  return { rows, lastId, lastHash };
}

export interface AuditFilter {
  personId?: string;
  nhsNumber?: string;
  /** The agent's subject (a user's id at their identity provider). */
  subject?: string;
  organisationCode?: string;
  /** recorded_at >= from */
  from?: Date;
  /** recorded_at < to */
  to?: Date;
  /** One outcome or several (e.g. break-glass and self-declared for review). */
  outcome?: AuditOutcome | readonly AuditOutcome[];
}

export interface AuditSearch extends AuditFilter {
  /** At most 500; 100 when absent. */
  limit?: number;
  /** The `next` of the page before: pages run newest first. */
  after?: string;
}

export interface AuditPage {
  events: AuditEventRecord[];
  /** Pass as `after` for the next (older) page; absent on the last page. */
  next?: string;
}

/** Column per filter field: the only names that ever reach the SQL text. */
function filterConditions(filter: AuditFilter, params: unknown[]): string[] {
  const conditions: string[] = [];
  const add = (sql: (placeholder: string) => string, value: unknown) => {
    params.push(value);
    conditions.push(sql(`$${params.length}`));
  };
  if (filter.personId !== undefined) add((p) => `person_id = ${p}`, filter.personId);
  if (filter.nhsNumber !== undefined) add((p) => `nhs_number = ${p}`, filter.nhsNumber);
  if (filter.subject !== undefined) add((p) => `subject = ${p}`, filter.subject);
  if (filter.organisationCode !== undefined) add((p) => `organisation_code = ${p}`, filter.organisationCode);
  if (filter.from !== undefined) add((p) => `recorded_at >= ${p}`, validDate(filter.from, 'from'));
  if (filter.to !== undefined) add((p) => `recorded_at < ${p}`, validDate(filter.to, 'to'));
  if (filter.outcome !== undefined) {
    const outcomes = typeof filter.outcome === 'string' ? [filter.outcome] : [...filter.outcome];
    const unknown = outcomes.filter((outcome) => !(AUDIT_OUTCOMES as readonly string[]).includes(outcome));
    if (unknown.length) throw auditTrailError(AuditTrailErrorCode.InvalidSearch, `unknown outcome: ${unknown.join(', ')}`);
    add((p) => `outcome = ANY(${p}::text[])`, outcomes);
  }
  return conditions;
}

function validDate(date: Date, name: string): Date {
  if (Number.isNaN(date.getTime())) throw auditTrailError(AuditTrailErrorCode.InvalidSearch, `${name} is not a valid date`);
  return date;
}

/**
 * The audit trail: appends access attempts to the hash chain, and lets privacy officers search
 * and export it. Appends are serialised by a lock on the one-row audit_chain_head, held until
 * the transaction commits: callers writing inside their own transaction should record last,
 * just before commit, so the lock is held briefly.
 */
@Injectable()
export class AuditTrail {
  /** Requests waiting for the next group commit, and whether one is being written. */
  private waiting: Array<{ events: readonly AuditEventInput[]; resolve: (ids: string[]) => void; reject: (error: unknown) => void }> = [];
  private writing = false;
  /**
   * The chain head as this process last wrote or read it. Only a guess: another process (or a
   * caller's own transaction) may have moved the head since: the one-statement append then
   * writes nothing and the locking transaction appends instead.
   */
  private knownHead?: ChainHead;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Appends events in one transaction (the caller's, when given a manager inside one), in the
   * order given, and returns their chain positions. Once this resolves (and the caller's
   * transaction, if any, commits) the events are durable.
   */
  async record(events: readonly AuditEventInput[], manager?: EntityManager): Promise<string[]> {
    if (!events.length) return [];
    if (manager?.queryRunner?.isTransactionActive) return this.append(manager, events);
    if (manager) return manager.transaction((transaction) => this.append(transaction, events));
    return this.recordInGroup(events);
  }

  /**
   * Group commit: appends are serialised by the chain lock, so while one transaction writes,
   * the requests that arrive wait and then go together in the next one. Each caller's promise
   * resolves only after the transaction holding its rows commits.
   */
  private recordInGroup(events: readonly AuditEventInput[]): Promise<string[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ events, resolve, reject });
      if (!this.writing) void this.writeWaiting();
    });
  }

  private async writeWaiting(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length) {
        const group = this.waiting.splice(0, this.waiting.length);
        try {
          const events = group.flatMap((request) => request.events);
          const ids =
            events.length <= INSERT_CHUNK_ROWS
              ? await this.appendInOneStatement(events)
              : await this.dataSource.transaction((transaction) => this.append(transaction, events));
          let offset = 0;
          for (const request of group) {
            request.resolve(ids.slice(offset, offset + request.events.length));
            offset += request.events.length;
          }
        } catch {
          this.knownHead = undefined;
          // One bad event must not lose the others: write each request on its own.
          for (const request of group) {
            await this.dataSource
              .transaction((transaction) => this.append(transaction, request.events))
              .then(request.resolve, request.reject);
          }
        }
      }
    } finally {
      this.writing = false;
    }
  }

  /**
   * Appends up to INSERT_CHUNK_ROWS events in one auto-committed statement: one round trip, and
   * the head's row lock held only while that statement runs and commits (bench/governance.bench.mjs
   * measured the four-trip transaction at several times the cost). The statement moves the head
   * only if it is still where this process believes, and inserts the rows only if it moved it, so
   * a stale belief writes nothing; then the locking transaction appends instead, which always
   * succeeds. The commit is synchronous like any other: once this resolves the rows are durable.
   */
  private async appendInOneStatement(events: readonly AuditEventInput[]): Promise<string[]> {
    const head = this.knownHead ?? (await this.readHead());
    const { rows, lastId, lastHash } = chainRows(events, head);
    const params: unknown[] = [lastId.toString(), lastHash, head.lastId.toString(), head.lastHash];
    const tuples = rows.map((values) => {
      const placeholders = values.map((value, column) => {
        params.push(value);
        return `$${params.length}::${AUDIT_EVENT_COLUMN_TYPES[column]}`;
      });
      return `(${placeholders.join(', ')})`;
    });
    const written = await this.dataSource.query<Array<{ id: string }>>(
      `WITH moved AS (
         UPDATE audit_chain_head SET last_id = $1, last_hash = $2 WHERE id = 1 AND last_id = $3 AND last_hash = $4 RETURNING id
       )
       INSERT INTO audit_event (${AUDIT_EVENT_COLUMNS})
       SELECT appended.* FROM (VALUES ${tuples.join(', ')}) AS appended CROSS JOIN moved
       RETURNING id`,
      params,
    );
    if (written.length !== events.length) {
      // Another writer moved the head: nothing was written. Lock the head and append after it.
      this.knownHead = undefined;
      return this.dataSource.transaction((transaction) => this.append(transaction, events));
    }
    this.knownHead = { lastId, lastHash };
    const firstId = lastId - BigInt(events.length) + 1n;
    return events.map((_, index) => (firstId + BigInt(index)).toString());
  }

  private async readHead(): Promise<ChainHead> {
    const [head] = await this.dataSource.query<Array<{ last_id: string; last_hash: string }>>(
      `SELECT last_id, last_hash FROM audit_chain_head WHERE id = 1`,
    );
    if (!head) throw new Error('audit_chain_head has no row: the CreateAuditEvent migration was not applied as written');
    return { lastId: BigInt(head.last_id), lastHash: head.last_hash };
  }

  private async append(manager: EntityManager, events: readonly AuditEventInput[]): Promise<string[]> {
    const [head] = await manager.query<Array<{ last_id: string; last_hash: string }>>(
      `SELECT last_id, last_hash FROM audit_chain_head WHERE id = 1 FOR UPDATE`,
    );
    if (!head) throw new Error('audit_chain_head has no row: the CreateAuditEvent migration was not applied as written');
    // This transaction moves the head: the one-statement path must not trust its guess.
    this.knownHead = undefined;
    const { rows, lastId, lastHash } = chainRows(events, { lastId: BigInt(head.last_id), lastHash: head.last_hash });
    // PostgreSQL takes at most 65,535 parameters a statement: large batches go in chunks, the
    // last of which also moves the head (one round trip for both: the lock is held until
    // commit, so every trip counts).
    for (let start = 0; start < rows.length; start += INSERT_CHUNK_ROWS) {
      const chunk = rows.slice(start, start + INSERT_CHUNK_ROWS);
      const params = chunk.flat();
      const tuples = chunk.map((values, row) => `(${values.map((_, column) => `$${row * values.length + column + 1}`).join(', ')})`);
      const insert = `INSERT INTO audit_event (${AUDIT_EVENT_COLUMNS}) VALUES ${tuples.join(', ')}`;
      if (start + INSERT_CHUNK_ROWS < rows.length) {
        await manager.query(insert, params);
      } else {
        params.push(lastId.toString(), lastHash);
        await manager.query(
          `WITH appended AS (${insert}) UPDATE audit_chain_head SET last_id = $${params.length - 1}, last_hash = $${params.length} WHERE id = 1`,
          params,
        );
      }
    }
    const firstId = lastId - BigInt(events.length) + 1n;
    return events.map((_, index) => (firstId + BigInt(index)).toString());
  }

  /** Events matching every given filter, newest first, a page at a time (keyset on the id). */
  async search(search: AuditSearch = {}): Promise<AuditPage> {
    const limit = search.limit ?? AUDIT_SEARCH_DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_SEARCH_MAX_LIMIT) {
      throw auditTrailError(AuditTrailErrorCode.InvalidSearch, `limit must be a whole number from 1 to ${AUDIT_SEARCH_MAX_LIMIT}`);
    }
    const params: unknown[] = [];
    const conditions = filterConditions(search, params);
    if (search.after !== undefined) {
      if (!/^\d{1,19}$/.test(search.after))
        throw auditTrailError(AuditTrailErrorCode.InvalidSearch, 'after must be a cursor from an earlier page');
      params.push(search.after);
      conditions.push(`id < $${params.length}`);
    }
    params.push(limit + 1);
    const rows = await this.dataSource.query<AuditEventRow[]>(
      `SELECT ${AUDIT_EVENT_COLUMNS} FROM audit_event ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
        ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
    const events = rows.slice(0, limit).map(fromAuditEventRow);
    return rows.length > limit ? { events, next: events[events.length - 1]!.id } : { events };
  }

  /**
   * Writes the matching events, oldest first, as FHIR R4 AuditEvent resources, one JSON per line,
   * paging through the table so a large export never sits in memory. Returns how many it wrote.
   * The writable is left open: the caller ends it.
   */
  async exportNdjson(filter: AuditFilter, writable: Writable): Promise<number> {
    let cursor = '0';
    let written = 0;
    for (;;) {
      const params: unknown[] = [];
      const conditions = filterConditions(filter, params);
      params.push(cursor);
      conditions.push(`id > $${params.length}`);
      params.push(EXPORT_PAGE_SIZE);
      const rows = await this.dataSource.query<AuditEventRow[]>(
        `SELECT ${AUDIT_EVENT_COLUMNS} FROM audit_event WHERE ${conditions.join(' AND ')} ORDER BY id LIMIT $${params.length}`,
        params,
      );
      for (const row of rows) {
        const line = `${JSON.stringify(toFhirAuditEvent(fromAuditEventRow(row)))}\n`;
        if (!writable.write(line)) await once(writable, 'drain');
        written += 1;
      }
      if (rows.length < EXPORT_PAGE_SIZE) return written;
      cursor = String(rows[rows.length - 1]!.id);
    }
  }
}
