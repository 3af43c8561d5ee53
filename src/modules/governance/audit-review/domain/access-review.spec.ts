import { GovernanceError } from '../../governance.errors.js';
import { AccessReviewErrorCode } from '../access-review.errors.js';
import type { Principal } from '../../domain/principal.js';
import { auditAgentOf } from '../../audit/index.js';
import { checkAuditEventId, exportRequestOf, reviewNote, reviewRefusal, type AccessReviewRecord } from './access-review.js';

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof GovernanceError) return error.reason;
    throw error;
  }
  return undefined;
}

describe('reviewNote', () => {
  it('trims the note and treats a blank one as none', () => {
    expect(reviewNote('appropriate', '  Seen in A&E that night. ')).toBe('Seen in A&E that night.');
    expect(reviewNote('appropriate', '   ')).toBeNull();
    expect(reviewNote('appropriate', undefined)).toBeNull();
  });

  it('needs a reason for any finding but appropriate', () => {
    expect(codeOf(() => reviewNote('inappropriate', null))).toBe(AccessReviewErrorCode.BadInput);
    expect(codeOf(() => reviewNote('needs-follow-up', ' \n '))).toBe(AccessReviewErrorCode.BadInput);
    expect(reviewNote('needs-follow-up', 'Ask the ward manager.')).toBe('Ask the ward manager.');
  });

  it('takes up to 1000 characters', () => {
    expect(reviewNote('inappropriate', 'x'.repeat(1000))).toHaveLength(1000);
    expect(codeOf(() => reviewNote('inappropriate', 'x'.repeat(1001)))).toBe(AccessReviewErrorCode.BadInput);
  });
});

describe('reviewRefusal', () => {
  const existing: AccessReviewRecord = {
    id: 'r1',
    auditEventId: '7',
    reviewedBy: { subject: 'po-1', issuer: 'https://idp', name: null },
    outcome: 'appropriate',
    note: null,
    reviewedAt: new Date(),
  };

  it('reviews break-glass and self-declared access once', () => {
    expect(reviewRefusal({ id: '7', outcome: 'break-glass' }, null)).toBeNull();
    expect(reviewRefusal({ id: '7', outcome: 'self-declared' }, null)).toBeNull();
    expect(reviewRefusal({ id: '7', outcome: 'break-glass' }, existing)?.reason).toBe(AccessReviewErrorCode.AlreadyReviewed);
  });

  it('refuses access that went ahead, or was refused, on the usual grounds', () => {
    expect(reviewRefusal({ id: '8', outcome: 'allowed' }, null)?.reason).toBe(AccessReviewErrorCode.NotReviewable);
    expect(reviewRefusal({ id: '9', outcome: 'denied' }, null)?.reason).toBe(AccessReviewErrorCode.NotReviewable);
  });
});

describe('checkAuditEventId', () => {
  it('takes chain positions only', () => {
    expect(checkAuditEventId('42')).toBe('42');
    for (const id of ['0', '-1', '01', 'abc', '1; DROP TABLE', '99999999999999999999']) {
      expect(codeOf(() => checkAuditEventId(id))).toBe(AccessReviewErrorCode.NotFound);
    }
  });
});

describe('exportRequestOf', () => {
  it('reads from, to and personId', () => {
    expect(exportRequestOf({ from: '2026-01-01', to: '2026-02-01T00:00:00Z', personId: '0b6f7f3e-9c1a-4d7e-8a51-1d2f3c4b5a69' })).toEqual({
      from: new Date('2026-01-01T00:00:00Z'),
      to: new Date('2026-02-01T00:00:00Z'),
      personId: '0b6f7f3e-9c1a-4d7e-8a51-1d2f3c4b5a69',
    });
    expect(exportRequestOf({})).toEqual({});
  });

  it('refuses bad times, ids, repeated and unknown parameters', () => {
    for (const query of [
      { from: 'yesterday' },
      { to: '2026-13-45' },
      { personId: '42' },
      { from: ['2026-01-01', '2026-02-01'] },
      { nhsNumber: '9434765919' },
    ]) {
      expect(codeOf(() => exportRequestOf(query))).toBe(AccessReviewErrorCode.BadInput);
    }
  });
});

describe('auditAgentOf', () => {
  it('records a privacy officer as such, with their selected role code and organisation', () => {
    const principal: Principal = {
      kind: 'privacy-officer',
      subject: 'po-1',
      issuer: 'https://idp/staff',
      name: 'Priya Privacy',
      roles: ['analyst', 'privacy-officer'],
      roleCodes: ['SSB00:GSB00:RSB02'],
      organisation: { code: 'Y00042' },
    };
    expect(auditAgentOf(principal)).toEqual({
      principalKind: 'privacy-officer',
      subject: 'po-1',
      issuer: 'https://idp/staff',
      name: 'Priya Privacy',
      roleCode: 'SSB00:GSB00:RSB02',
      hubRole: 'privacy-officer',
      organisationCode: 'Y00042',
      onBehalfOf: null,
    });
  });
});
