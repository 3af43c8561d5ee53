import { auditEventHash, canonicalAuditJson, CHAIN_START, checkChainLink, GENESIS_HASH } from './audit-chain.js';
import { toUnhashedEvent, type AuditEventInput, type AuditEventRecord } from './audit-event.js';

const input: AuditEventInput = {
  requestId: 'req-1',
  action: 'read',
  outcome: 'allowed',
  purpose: 'TREAT',
  agent: { principalKind: 'professional', subject: 'u-1', issuer: 'https://idp/staff', roleCode: 'R8000', organisationCode: 'A81001' },
  entity: {
    personId: '4b0f8f7e-1c1e-4a4e-9d1e-0d3f2f9c7a10',
    sections: ['allergies'],
    queryKind: 'person.record',
    detail: { b: 1, a: [2, { y: 'x', c: true }] },
  },
  recordedAt: new Date('2026-03-01T10:00:00.123Z'),
};

function chain(count: number): AuditEventRecord[] {
  const rows: AuditEventRecord[] = [];
  let previousHash = GENESIS_HASH;
  for (let i = 1; i <= count; i++) {
    const unhashed = toUnhashedEvent({ ...input, requestId: `req-${i}` }, String(i), previousHash, new Date());
    const hash = auditEventHash(unhashed);
    rows.push({ ...unhashed, hash });
    previousHash = hash;
  }
  return rows;
}

function firstBreak(rows: AuditEventRecord[]) {
  let cursor = CHAIN_START;
  for (const row of rows) {
    const broken = checkChainLink(cursor, row);
    if (broken) return broken;
    cursor = { lastId: BigInt(row.id), lastHash: row.hash };
  }
  return undefined;
}

describe('the audit hash chain', () => {
  it('writes the hashed fields in a fixed order with dates as ISO, and sorts keys inside detail', () => {
    const json = canonicalAuditJson(toUnhashedEvent(input, '7', GENESIS_HASH, new Date()));
    expect(json.startsWith('{"id":"7","recordedAt":"2026-03-01T10:00:00.123Z","requestId":"req-1","action":"read"')).toBe(true);
    expect(json).toContain('"detail":{"a":[2,{"c":true,"y":"x"}],"b":1}');
    expect(json.endsWith(`"previousHash":"${GENESIS_HASH}"}`)).toBe(true);
    expect(JSON.parse(json)).toMatchObject({ onBehalfOf: null, sections: ['allergies'], sources: [] });
  });

  it('gives the same hash however detail keys were ordered (jsonb reorders them)', () => {
    const reordered = { ...input, entity: { ...input.entity, detail: { a: [2, { c: true, y: 'x' }], b: 1 } } };
    expect(auditEventHash(toUnhashedEvent(reordered, '1', GENESIS_HASH, new Date()))).toBe(
      auditEventHash(toUnhashedEvent(input, '1', GENESIS_HASH, new Date())),
    );
  });

  it('accepts an intact chain', () => {
    expect(firstBreak(chain(5))).toBeUndefined();
  });

  it('locates a changed field at the changed row', () => {
    const rows = chain(5);
    rows[2] = { ...rows[2]!, outcome: 'denied' };
    expect(firstBreak(rows)).toEqual({ id: '3', reason: 'hash-mismatch' });
  });

  it('locates a changed and re-hashed row at the row after it', () => {
    const rows = chain(5);
    const changed = { ...rows[1]!, subject: 'someone-else' };
    rows[1] = { ...changed, hash: auditEventHash(changed) };
    expect(firstBreak(rows)).toEqual({ id: '3', reason: 'previous-hash-mismatch' });
  });

  it('locates a deleted row as a gap at its position', () => {
    const rows = chain(5);
    rows.splice(3, 1);
    expect(firstBreak(rows)).toEqual({ id: '4', reason: 'gap' });
  });
});
