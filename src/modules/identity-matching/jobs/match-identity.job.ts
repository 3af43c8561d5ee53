import { Injectable } from '@nestjs/common';

import { JobDispatcher, JobHandler, type JobEnvelope } from '../../../platform/queue/index.js';
import { IdentityMatcher } from '../matching/identity-matcher.js';
import { SourceIdentityRepository } from '../repositories/source-identity.repository.js';
import { matchIdentity, type MatchIdentityData } from './match-identity.definition.js';
import { traceIdentity } from './trace-identity.definition.js';

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
    const trace = await this.identities.traceQuery(sourceIdentityId);
    if (trace && !trace.demographics.nhsNumber && trace.traceStatus === null) await this.jobs.enqueue(traceIdentity, { sourceIdentityId });
  }
}
