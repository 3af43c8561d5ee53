import { Injectable } from '@nestjs/common';

import type { R4Patient } from '../../fhir/index.js';
import { SourceIdentityRepository, type RecordOutcome, type StoredSourceIdentity } from './repositories/source-identity.repository.js';
import { demographicsOf } from './source-demographics.js';

/**
 * The identity module's facade. Today it keeps each source's identities current (sync jobs and
 * feeds hand them over); matching, links and review build on these rows (issue 5).
 */
@Injectable()
export class IdentityMatchingService {
  constructor(private readonly identities: SourceIdentityRepository) {}

  /** Records what a source said about its patients: `localId` is the source's own id for each. */
  async recordSourceIdentities(sourceId: string, patients: Array<{ localId: string; patient: R4Patient }>): Promise<RecordOutcome> {
    return this.identities.record(
      sourceId,
      patients.map(({ localId, patient }) => ({ localId, demographics: demographicsOf(patient) })),
    );
  }

  async sourceIdentities(sourceId: string): Promise<StoredSourceIdentity[]> {
    return this.identities.forSource(sourceId);
  }
}
