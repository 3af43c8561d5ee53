import { Inject, Injectable, Logger } from '@nestjs/common';

import { isValidNhsNumber, NHS_NUMBER_SYSTEM, normaliseNhsNumber } from '../../../fhir/index.js';
import { AppConfig } from '../../../platform/config/index.js';
import { JobDispatcher, JobHandler, type JobEnvelope } from '../../../platform/queue/index.js';
import { PdsConnector, SourceConnectors, SourceRegistry } from '../../source-connectors/index.js';
import { IdentityIndexRepository } from '../repositories/identity-index.repository.js';
import { SourceIdentityRepository } from '../repositories/source-identity.repository.js';
import type { SourceDemographics } from '../source-demographics.js';
import { matchIdentity } from './match-identity.definition.js';
import { traceIdentity, type TraceIdentityData } from './trace-identity.definition.js';

export type TraceStatus =
  'traced' | 'no-match' | 'ambiguous' | 'too-many-matches' | 'low-score' | 'insufficient-demographics' | 'no-pds-source';

/**
 * A PDS trace for an identity that came without a valid NHS number (social care records often
 * lack one). Only a confident answer counts: one candidate at or above IDENTITY_TRACE_MIN_SCORE
 * and no second one as good. The verified number is recorded (never written back to the source)
 * and the identity is matched again, now on its NHS number (method `pds-trace`). PDS being down
 * fails the attempt, and the queue retries it.
 */
@Injectable()
export class TraceIdentityJob {
  private readonly logger = new Logger('IdentityMatching');
  private readonly minScore: number;

  constructor(
    private readonly identities: SourceIdentityRepository,
    private readonly index: IdentityIndexRepository,
    private readonly registry: SourceRegistry,
    private readonly connectors: SourceConnectors,
    private readonly jobs: JobDispatcher,
    @Inject(AppConfig) config: AppConfig,
  ) {
    this.minScore = config.identity.traceMinScore;
  }

  @JobHandler(traceIdentity)
  async run({ sourceIdentityId }: JobEnvelope<TraceIdentityData>): Promise<void> {
    const found = await this.identities.traceQuery(sourceIdentityId);
    if (!found || found.demographics.nhsNumber) return;
    const status = await this.trace(found.demographics);
    await this.index.recordTrace({ sourceIdentityId, status: status.status, nhsNumber: status.nhsNumber });
    this.logger.log(`identity ${sourceIdentityId}: PDS trace ${status.status}`);
    if (status.nhsNumber) await this.jobs.enqueue(matchIdentity, { sourceIdentityId });
  }

  private async trace(demographics: SourceDemographics): Promise<{ status: TraceStatus; nhsNumber?: string }> {
    if (!demographics.family || !demographics.birthDate) return { status: 'insufficient-demographics' };
    const pds = (await this.registry.list()).find((source) => source.protocol === 'pds-fhir' && source.enabled);
    const connector = pds ? await this.connectors.forSource(pds.id) : undefined;
    if (!(connector instanceof PdsConnector)) return { status: 'no-pds-source' };
    const gender = ['male', 'female', 'other', 'unknown'].includes(demographics.gender ?? '')
      ? (demographics.gender as 'male' | 'female' | 'other' | 'unknown')
      : undefined;
    const result = await connector.trace({
      family: demographics.family,
      given: demographics.given,
      birthDate: demographics.birthDate,
      gender,
      postcode: demographics.postcode,
    });
    if (result.outcome === 'too-many-matches') return { status: 'too-many-matches' };
    const [best, second] = result.candidates;
    if (!best) return { status: 'no-match' };
    if (best.score < this.minScore) return { status: 'low-score' };
    if (second && second.score >= this.minScore) return { status: 'ambiguous' };
    const nhs = best.patient.identifier?.find((identifier) => identifier.system === NHS_NUMBER_SYSTEM)?.value;
    if (!nhs || !isValidNhsNumber(nhs)) return { status: 'no-match' };
    return { status: 'traced', nhsNumber: normaliseNhsNumber(nhs) };
  }
}
