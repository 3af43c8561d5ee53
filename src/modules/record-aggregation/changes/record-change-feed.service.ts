import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';

import { type AccessDecision, GovernanceError, GovernanceErrorCode } from '../../governance/index.js';
import { type IdentityChanged, IdentityEvents, IdentityMatchingService } from '../../identity-matching/index.js';
import { type SourceRecordChanged, SourceRecordChanges, SourceRegistry } from '../../source-connectors/index.js';
import { type RecordReadContext, RecordReads } from '../record-reads.service.js';
import { ChangeStream } from './domain/change-stream.js';

export type RecordChangeKind = 'source-record-changed' | 'identity-changed';

/** A hint that a person's record changed, to re-read it: ids and kinds only, never what changed. */
export interface RecordChange {
  /** The person as the follower named them. */
  personId: string;
  /** A source's feed reported a change (an admission, a new result), or the identity index changed the person's links. */
  kind: RecordChangeKind;
  /** ODS code of the organisation whose feed reported it; null for identity changes. */
  organisationCode: string | null;
  /** When this process heard of it. */
  at: Date;
}

/** What a follower receives: a change, or, last, why following ended (access refused on re-deciding, credentials expired). */
export type RecordChangeEvent = { change: RecordChange } | { ended: Error };

export interface FollowOptions {
  /** When the caller's credentials stop being valid: following ends then, UNAUTHENTICATED. */
  credentialsExpireAt?: Date;
}

/** What following needs of a decision (so that tests can stand in for the policy). */
export type FollowDecision = Pick<AccessDecision, 'personId' | 'expiresAt' | 'allowedSections' | 'sourceAllowed'>;

interface Follower {
  /** The id the caller asked for (the payload names it). */
  personId: string;
  /** The person that id stands for now (following merges): what changes are matched on. */
  survivorId: string;
  context: RecordReadContext;
  decision: FollowDecision;
  credentialsExpireAt?: Date;
  stream: ChangeStream<RecordChangeEvent>;
  timer?: NodeJS.Timeout;
  /** The re-decision under way: changes wait for it, so none is sent under a decision that has run out. */
  deciding?: Promise<void>;
}

/** Identity events that leave a person's records as they were: a review opened or turned down links nothing. */
const NOT_RECORD_CHANGES = new Set(['review-opened', 'review-rejected']);

/** setTimeout's longest delay; a later expiry is reached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Live updates of a person's record (docs/AGGREGATION.md, "Live updates"): a follower is told
 * when a source's feed reports a change for any of the person's linked records, or when the
 * identity index changes the person, as far as the access decision lets them see that source.
 * The decision is made (and audited) when following starts, again when it expires or the
 * person's identity changes; a refusal ends the stream. Every api process hears every change
 * (Redis pub/sub) and serves its own followers; a process with none does no look-ups.
 */
@Injectable()
export class RecordChangeFeed implements OnModuleDestroy {
  private readonly logger = new Logger(RecordChangeFeed.name);
  private readonly followers = new Set<Follower>();
  private readonly stops: Array<() => void> = [];
  private listening: Promise<void> | undefined;

  constructor(
    private readonly reads: RecordReads,
    private readonly identityIndex: IdentityMatchingService,
    private readonly registry: SourceRegistry,
    private readonly recordChanges: SourceRecordChanges,
    private readonly identityEvents: IdentityEvents,
  ) {}

  /**
   * Starts following a person's record: refused (FORBIDDEN, NOT_FOUND) as a read would be. The
   * stream ends when its reader returns, or after an `ended` event.
   */
  async follow(
    context: RecordReadContext,
    personId: string,
    options: FollowOptions = {},
  ): Promise<AsyncIterableIterator<RecordChangeEvent>> {
    // Listening before deciding: a change committed once the decision is audited is not missed.
    await this.listen();
    const decision = await this.reads.watch(context, personId);
    const follower: Follower = {
      personId,
      survivorId: decision.personId,
      context,
      decision,
      ...(options.credentialsExpireAt ? { credentialsExpireAt: options.credentialsExpireAt } : {}),
      stream: new ChangeStream<RecordChangeEvent>(() => this.stop(follower)),
    };
    this.followers.add(follower);
    this.schedule(follower);
    return follower.stream;
  }

  /** How many are following in this process (for tests and metrics). */
  get followerCount(): number {
    return this.followers.size;
  }

  onModuleDestroy(): void {
    for (const follower of [...this.followers]) follower.stream.finish();
    for (const stop of this.stops.splice(0)) stop();
  }

  private listen(): Promise<void> {
    this.listening ??= Promise.all([
      this.recordChanges.subscribe((change) => this.sourceChanged(change)),
      this.identityEvents.subscribe((change) => this.identityChanged(change)),
    ]).then(
      (stops) => {
        this.stops.push(...stops);
      },
      (error: unknown) => {
        // The next follower tries again.
        this.listening = undefined;
        throw error;
      },
    );
    return this.listening;
  }

  /** A feed's change at an organisation, for its patient there: to the followers of the person that patient is linked to. */
  private async sourceChanged({ organisationCode, localId }: SourceRecordChanged): Promise<void> {
    if (!this.followers.size || typeof organisationCode !== 'string' || typeof localId !== 'string') return;
    const organisation = organisationCode.toUpperCase();
    const sources = (await this.registry.list()).filter(
      (source) => source.enabled && source.kind !== 'pds' && source.organisationCode.toUpperCase() === organisation,
    );
    const linked = await Promise.all(sources.map((source) => this.identityIndex.personOfIdentity(source.id, localId)));
    const persons = new Set(linked.filter((personId): personId is string => personId !== null));
    if (!persons.size) return;
    const at = new Date();
    await Promise.all(
      [...this.followers]
        .filter((follower) => persons.has(follower.survivorId))
        .map(async (follower) => {
          await follower.deciding;
          // The timer may not have fired yet: an expired decision lets nothing through.
          if (follower.decision.expiresAt.getTime() <= Date.now()) await this.decideAgain(follower, { announce: false });
          const { decision } = follower;
          // Only sources whose data the caller may see tell them anything, even that something changed.
          if (!decision.allowedSections.some((section) => decision.sourceAllowed(organisationCode, section))) return;
          follower.stream.push({ change: { personId: follower.personId, kind: 'source-record-changed', organisationCode, at } });
        }),
    );
  }

  /** The index linked, unlinked or merged records of a person: decided again (evidence and consent may move), then told. */
  private async identityChanged({ personIds, kind }: IdentityChanged): Promise<void> {
    if (!this.followers.size || !Array.isArray(personIds) || NOT_RECORD_CHANGES.has(kind)) return;
    const touched = new Set(personIds);
    await Promise.all(
      [...this.followers]
        .filter((follower) => touched.has(follower.survivorId) || touched.has(follower.personId))
        .map((follower) => this.decideAgain(follower, { announce: true })),
    );
  }

  private decideAgain(follower: Follower, { announce }: { announce: boolean }): Promise<void> {
    const run = async (): Promise<void> => {
      if (follower.stream.isFinished) return;
      try {
        const decision = await this.reads.watch(follower.context, follower.personId);
        follower.decision = decision;
        follower.survivorId = decision.personId;
      } catch (error) {
        follower.stream.finish({ ended: error instanceof Error ? error : new Error(String(error)) });
        return;
      }
      this.schedule(follower);
      if (announce)
        follower.stream.push({ change: { personId: follower.personId, kind: 'identity-changed', organisationCode: null, at: new Date() } });
    };
    const deciding = (follower.deciding ?? Promise.resolve()).then(run);
    follower.deciding = deciding;
    return deciding;
  }

  /** Wakes at whichever comes first: the decision's expiry (decide again) or the credentials' (end). */
  private schedule(follower: Follower): void {
    clearTimeout(follower.timer);
    if (follower.stream.isFinished) return;
    const now = Date.now();
    const credentialsAt = follower.credentialsExpireAt?.getTime() ?? Number.POSITIVE_INFINITY;
    const wakeAt = Math.min(follower.decision.expiresAt.getTime(), credentialsAt);
    const delay = Math.max(0, wakeAt - now);
    follower.timer = setTimeout(
      () => {
        if (Date.now() >= credentialsAt) {
          follower.stream.finish({
            ended: new GovernanceError(
              GovernanceErrorCode.Unauthenticated,
              'expired',
              'the token this subscription was made with has expired: subscribe again with a new one',
            ),
          });
        } else if (delay > MAX_TIMER_MS) this.schedule(follower);
        else
          void this.decideAgain(follower, { announce: false }).catch((error: unknown) =>
            this.logger.error(`could not decide again for a follower: ${(error as Error).message}`),
          );
      },
      Math.min(delay, MAX_TIMER_MS),
    );
    follower.timer.unref();
  }

  private stop(follower: Follower): void {
    clearTimeout(follower.timer);
    this.followers.delete(follower);
  }
}
