import { createHash } from 'node:crypto';

import type { AuditDetailValue, AuditEventRecord, UnhashedAuditEvent } from './audit-event.js';

// The hash chain: each row's hash covers its own fields and the hash before it, so changing,
// removing or reordering any row breaks the chain from that position on.

/** The previous hash of the first row. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The fields the hash covers, in a fixed order. Changing this list or its order changes every
 * hash: it is part of the stored format (a new version would need a version column).
 */
const HASHED_FIELDS = [
  'id',
  'recordedAt',
  'requestId',
  'action',
  'outcome',
  'outcomeReason',
  'purpose',
  'principalKind',
  'subject',
  'issuer',
  'agentName',
  'roleCode',
  'hubRole',
  'organisationCode',
  'onBehalfOf',
  'personId',
  'nhsNumber',
  'sections',
  'sources',
  'queryKind',
  'detail',
  'previousHash',
] as const satisfies ReadonlyArray<keyof UnhashedAuditEvent>;

/** JSON with object keys sorted at every depth: PostgreSQL's jsonb does not keep key order. */
function canonicalValue(value: AuditDetailValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalValue).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalValue(value[key]!)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The canonical JSON of a row's hashed fields: fixed key order, dates as ISO 8601 (UTC, ms). */
export function canonicalAuditJson(event: UnhashedAuditEvent): string {
  const parts = HASHED_FIELDS.map((field) => {
    const value = event[field];
    const json = value instanceof Date ? JSON.stringify(value.toISOString()) : canonicalValue(value as AuditDetailValue);
    return `${JSON.stringify(field)}:${json}`;
  });
  return `{${parts.join(',')}}`;
}

/** sha256(previous hash || canonical JSON), hex. */
export function auditEventHash(event: UnhashedAuditEvent): string {
  return createHash('sha256').update(event.previousHash).update(canonicalAuditJson(event)).digest('hex');
}

export type ChainBreakReason = 'hash-mismatch' | 'previous-hash-mismatch' | 'gap';

export interface ChainBreak {
  /** The chain position where the break shows: the changed row, the row after a removed one. */
  id: string;
  reason: ChainBreakReason;
}

/** Where the walk stands: the last position checked and its hash. */
export interface ChainCursor {
  lastId: bigint;
  lastHash: string;
}

export const CHAIN_START: ChainCursor = { lastId: 0n, lastHash: GENESIS_HASH };

/**
 * Checks one row against the row before it. Order matters for locating: a missing position is a
 * gap; a row whose own fields no longer give its hash was changed; a row whose previous hash is
 * not the hash before it follows a row that was changed and re-hashed (or removed and the ids
 * renumbered).
 */
export function checkChainLink(cursor: ChainCursor, row: AuditEventRecord): ChainBreak | undefined {
  const expected = cursor.lastId + 1n;
  if (BigInt(row.id) !== expected) return { id: expected.toString(), reason: 'gap' };
  if (auditEventHash(row) !== row.hash) return { id: row.id, reason: 'hash-mismatch' };
  if (row.previousHash !== cursor.lastHash) return { id: row.id, reason: 'previous-hash-mismatch' };
  return undefined;
}
