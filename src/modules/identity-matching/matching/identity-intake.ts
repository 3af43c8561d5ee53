import { Injectable } from '@nestjs/common';

import { JobDispatcher } from '../../../platform/queue/index.js';
import { matchIdentity } from '../jobs/match-identity.definition.js';
import { trainMatchModel } from '../jobs/train-model.job.js';
import { SourceIdentityRepository, type RecordOutcome, type SeenIdentity } from '../repositories/source-identity.repository.js';
import { MatchModels } from './match-models.js';

/** Processes racing to ask for the first training ask once per window (the job id). */
const FIRST_TRAINING_WINDOW_MS = 10 * 60_000;

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
    private readonly models: MatchModels,
  ) {}

  async record(sourceId: string, seen: SeenIdentity[], mode: 'replace' | 'merge' = 'replace'): Promise<RecordOutcome> {
    const outcome = await this.identities.record(sourceId, seen, mode);
    await Promise.all(outcome.changedIds.map((sourceIdentityId) => this.jobs.enqueue(matchIdentity, { sourceIdentityId })));
    // The first model is trained as soon as there is enough to learn from, not a day later.
    if (outcome.added > 0 && (await this.models.readyForFirstTraining()))
      await this.jobs.enqueue(trainMatchModel, {}, { jobId: `first-training-${Math.floor(Date.now() / FIRST_TRAINING_WINDOW_MS)}` });
    return outcome;
  }
}
