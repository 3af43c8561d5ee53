import { GovernanceError, GovernanceErrorCode, type Principal } from '../../governance/index.js';
import type { IdentityChangedListener, IdentityEvents, IdentityMatchingService } from '../../identity-matching/index.js';
import type { Source, SourceRecordChangedListener, SourceRecordChanges, SourceRegistry } from '../../source-connectors/index.js';
import type { RecordReads } from '../record-reads.service.js';
import { type FollowDecision, RecordChangeFeed, type RecordChangeEvent } from './record-change-feed.service.js';

// The feed against stand-ins for the policy (RecordReads.watch), the identity index and the
// registry: what reaches a follower, and when following ends.

const ANNE = '11111111-1111-4111-8111-111111111111';
const BEN = '22222222-2222-4222-8222-222222222222';
const SURVIVOR = '33333333-3333-4333-8333-333333333333';
const context = { principal: { kind: 'professional' } as Principal, requestId: 'req-1', queryKind: 'Subscription.recordChanged' };

const sources = [
  { id: 'src-acute', kind: 'acute', organisationCode: 'R9A', enabled: true },
  { id: 'src-mh', kind: 'mental-health', organisationCode: 'RMH', enabled: true },
] as Source[];

function decisionFor(personId: string, options: { expiresInMs?: number; sees?: string[] } = {}): FollowDecision {
  const sees = options.sees ?? ['R9A', 'RMH'];
  return {
    personId,
    expiresAt: new Date(Date.now() + (options.expiresInMs ?? 300_000)),
    allowedSections: ['encounters', 'observations'],
    sourceAllowed: (organisationCode: string) => sees.includes(organisationCode.toUpperCase()),
  } as FollowDecision;
}

function setUp() {
  const links = new Map<string, string>([
    ['src-acute|MRN-ANNE', ANNE],
    ['src-acute|MRN-BEN', BEN],
    ['src-mh|MH-ANNE', ANNE],
  ]);
  const decisions: Array<FollowDecision | Error> = [];
  const watch = jest.fn(async (_context: unknown, personId: string) => {
    const next = decisions.shift() ?? decisionFor(personId);
    if (next instanceof Error) throw next;
    return next;
  });
  let sourceListener: SourceRecordChangedListener = () => undefined;
  let identityListener: IdentityChangedListener = () => undefined;
  const feed = new RecordChangeFeed(
    { watch } as unknown as RecordReads,
    {
      personOfIdentity: async (sourceId: string, localId: string) => links.get(`${sourceId}|${localId}`) ?? null,
    } as IdentityMatchingService,
    { list: async () => sources } as unknown as SourceRegistry,
    {
      subscribe: async (listener: SourceRecordChangedListener) => {
        sourceListener = listener;
        return () => undefined;
      },
    } as unknown as SourceRecordChanges,
    {
      subscribe: async (listener: IdentityChangedListener) => {
        identityListener = listener;
        return () => undefined;
      },
    } as unknown as IdentityEvents,
  );
  return {
    feed,
    watch,
    decisions,
    links,
    sourceChanged: (organisationCode: string, localId: string) => sourceListener({ organisationCode, localId }),
    identityChanged: (personIds: string[], kind = 'merge') => identityListener({ personIds, kind, eventId: '7' }),
  };
}

const nextEvent = async (stream: AsyncIterator<RecordChangeEvent>): Promise<RecordChangeEvent | 'done'> => {
  const result = await stream.next();
  return result.done ? 'done' : result.value;
};

describe('RecordChangeFeed', () => {
  afterEach(() => jest.useRealTimers());

  it('tells a follower of a change to one of the person’s linked records, in ids and kinds only', async () => {
    const { feed, sourceChanged } = setUp();
    const stream = await feed.follow(context, ANNE);
    // Another person's record, and an organisation no record of Anne's is at, tell Anne's follower nothing.
    await sourceChanged('R9A', 'MRN-BEN');
    await sourceChanged('XYZ', 'MRN-ANNE');
    await sourceChanged('r9a', 'MRN-ANNE');
    const event = await nextEvent(stream);
    expect(event).toEqual({ change: { personId: ANNE, kind: 'source-record-changed', organisationCode: 'r9a', at: expect.any(Date) } });
    await stream.return!();
  });

  it('says nothing of a change at an organisation whose data the caller may not see', async () => {
    const { feed, decisions, sourceChanged } = setUp();
    decisions.push(decisionFor(ANNE, { sees: ['R9A'] }));
    const stream = await feed.follow(context, ANNE);
    await sourceChanged('RMH', 'MH-ANNE');
    await sourceChanged('R9A', 'MRN-ANNE');
    expect(await nextEvent(stream)).toMatchObject({ change: { organisationCode: 'R9A' } });
    await stream.return!();
  });

  it('refuses to start when the policy refuses, following nothing', async () => {
    const { feed, decisions } = setUp();
    decisions.push(new GovernanceError(GovernanceErrorCode.Forbidden, 'not-own-record', 'you may not follow this record (not-own-record)'));
    await expect(feed.follow(context, ANNE)).rejects.toMatchObject({ code: 'FORBIDDEN', reason: 'not-own-record' });
    expect(feed.followerCount).toBe(0);
  });

  it('decides again when the decision expires, and ends with the refusal when access has gone', async () => {
    const { feed, decisions, watch } = setUp();
    decisions.push(decisionFor(ANNE, { expiresInMs: 20 }), decisionFor(ANNE, { expiresInMs: 20 }));
    decisions.push(
      new GovernanceError(GovernanceErrorCode.Forbidden, 'no-relationship', 'you may not follow this record (no-relationship)'),
    );
    const stream = await feed.follow(context, ANNE);
    const ended = await nextEvent(stream);
    expect(watch).toHaveBeenCalledTimes(3);
    expect(ended).toEqual({ ended: expect.objectContaining({ code: 'FORBIDDEN', reason: 'no-relationship' }) });
    expect(await nextEvent(stream)).toBe('done');
    expect(feed.followerCount).toBe(0);
  });

  it('ends with UNAUTHENTICATED when the credentials it was started with expire', async () => {
    const { feed } = setUp();
    const stream = await feed.follow(context, ANNE, { credentialsExpireAt: new Date(Date.now() + 20) });
    expect(await nextEvent(stream)).toEqual({ ended: expect.objectContaining({ code: 'UNAUTHENTICATED', reason: 'expired' }) });
    expect(feed.followerCount).toBe(0);
  });

  it('decides again when the identity index changes the person, follows a merge to its survivor, and says so', async () => {
    const { feed, decisions, links, identityChanged, sourceChanged, watch } = setUp();
    const stream = await feed.follow(context, ANNE);
    // A review opened against Anne changes none of her records: nothing is decided or said.
    await identityChanged([ANNE], 'review-opened');
    decisions.push(decisionFor(SURVIVOR));
    links.set('src-acute|MRN-ANNE', SURVIVOR);
    await identityChanged([SURVIVOR, ANNE]);
    expect(watch).toHaveBeenCalledTimes(2);
    expect(await nextEvent(stream)).toEqual({
      change: { personId: ANNE, kind: 'identity-changed', organisationCode: null, at: expect.any(Date) },
    });
    // Changes now find Anne's records under the survivor, and are still named as Anne's.
    await sourceChanged('R9A', 'MRN-ANNE');
    expect(await nextEvent(stream)).toMatchObject({ change: { personId: ANNE, kind: 'source-record-changed' } });
    await stream.return!();
  });

  it('stops following when the reader goes away', async () => {
    const { feed, sourceChanged } = setUp();
    const stream = await feed.follow(context, ANNE);
    const waiting = stream.next();
    expect(feed.followerCount).toBe(1);
    await stream.return!();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(feed.followerCount).toBe(0);
    await sourceChanged('R9A', 'MRN-ANNE');
    expect(await nextEvent(stream)).toBe('done');
  });
});
