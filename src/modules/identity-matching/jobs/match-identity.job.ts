import { Injectable } from '@nestjs/common';

import { JobDispatcher, JobHandler, type JobEnvelope } from '../../../platform/queue/index.js';
import { IdentityMatcher } from '../matching/identity-matcher.js';
import { SourceIdentityRepository } from '../repositories/source-identity.repository.js';
import { matchIdentity, type MatchIdentityData } from './match-identity.definition.js';
import { traceIdentity } from './trace-identity.definition.js';

/** How long a re-check waits for the concurrent matches it saw to finish. */
export const RECHECK_DELAY_MS = 2_000;

/** Runs the matcher for one identity; one without an NHS number is then traced through PDS. */
@Injectable()
export class MatchIdentityJob {
  constructor(
    private readonly matcher: IdentityMatcher,
    private readonly identities: SourceIdentityRepository,
    private readonly jobs: JobDispatcher,
  ) {}

  @JobHandler(matchIdentity)
  async run({ sourceIdentityId }: JobEnvelope<MatchIdentityData>): Promise<void> {
    const outcome = await this.matcher.match(sourceIdentityId);
    if (outcome.kind === 'not-found') return;
    // Two records of one person matched at the same moment each miss the other: look again once
    // both have a person (one re-check per identity; the job id de-duplicates it).
    if (outcome.unsettled > 0)
      await this.jobs.enqueue(matchIdentity, { sourceIdentityId }, { jobId: `recheck-${sourceIdentityId}`, delayMs: RECHECK_DELAY_MS });
    const trace = await this.identities.traceQuery(sourceIdentityId);
    if (trace && !trace.demographics.nhsNumber && trace.traceStatus === null) await this.jobs.enqueue(traceIdentity, { sourceIdentityId });
  }
}
