import { Injectable } from '@nestjs/common';

import { JobDispatcher } from '../../../platform/queue/index.js';
import { matchIdentity } from '../jobs/match-identity.definition.js';
import { SourceIdentityRepository, type RecordOutcome, type SeenIdentity } from '../repositories/source-identity.repository.js';

/**
 * Where source identities enter the index (syncs, feed messages, the facade): records them, then
 * queues a match for every one that is new or changed, so the index follows the sources in real
 * time. Recording commits first: a crash between the two is healed by the next sync, which finds
 * the identity unlinked (see IdentityMatcher's unmatched sweep).
 */
@Injectable()
export class IdentityIntake {
  constructor(
    private readonly identities: SourceIdentityRepository,
    private readonly jobs: JobDispatcher,
  ) {}

  async record(sourceId: string, seen: SeenIdentity[], mode: 'replace' | 'merge' = 'replace'): Promise<RecordOutcome> {
    const outcome = await this.identities.record(sourceId, seen, mode);
    await Promise.all(outcome.changedIds.map((sourceIdentityId) => this.jobs.enqueue(matchIdentity, { sourceIdentityId })));
    return outcome;
  }
}
