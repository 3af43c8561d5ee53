import { Injectable } from '@nestjs/common';

import type { R4Patient } from '../../fhir/index.js';
import { IdentityIntake } from './matching/identity-intake.js';
import { IdentityMatcher, type MatchOutcome } from './matching/identity-matcher.js';
import { MatchModels } from './matching/match-models.js';
import { IdentityIndexRepository, type PersonIdentity, type PersonRecord } from './repositories/identity-index.repository.js';
import { SourceIdentityRepository, type RecordOutcome, type StoredSourceIdentity } from './repositories/source-identity.repository.js';
import { demographicsOf } from './source-demographics.js';

/**
 * The identity module's facade: what other modules (and the CLI and benchmarks) call. Source
 * identities come in from syncs and feeds, are matched in their own jobs, and the index answers
 * which person a source record is and which source records a person has.
 */
@Injectable()
export class IdentityMatchingService {
  constructor(
    private readonly identities: SourceIdentityRepository,
    private readonly intake: IdentityIntake,
    private readonly matcher: IdentityMatcher,
    private readonly models: MatchModels,
    private readonly index: IdentityIndexRepository,
  ) {}

  /** Records what a source said about its patients (`localId`: the source's own id) and queues their matching. */
  async recordSourceIdentities(sourceId: string, patients: Array<{ localId: string; patient: R4Patient }>): Promise<RecordOutcome> {
    return this.intake.record(
      sourceId,
      patients.map(({ localId, patient }) => ({ localId, demographics: demographicsOf(patient) })),
    );
  }

  async sourceIdentities(sourceId: string): Promise<StoredSourceIdentity[]> {
    return this.identities.forSource(sourceId);
  }

  /** Matches one identity now, in the caller's process (the job does the same). */
  async matchIdentity(sourceIdentityId: string): Promise<MatchOutcome> {
    return this.matcher.match(sourceIdentityId);
  }

  /** Finds and judges one identity's candidates without writing: the cost of a real-time match. */
  async planMatch(sourceIdentityId: string): Promise<boolean> {
    return (await this.matcher.plan(sourceIdentityId)) !== undefined;
  }

  /** Retrains the match model on the index; undefined when the index is too small. */
  async trainModel(): Promise<{ version: string } | undefined> {
    return this.models.train();
  }

  /** A person with their active links (following merges), or null. */
  async person(personId: string): Promise<PersonRecord | null> {
    return this.index.person(await this.index.survivorOf(personId));
  }

  /** A person's current source identities (following merges), with the GP practice each source names. */
  async identitiesOf(personId: string): Promise<PersonIdentity[]> {
    return this.index.activeIdentities(await this.index.survivorOf(personId));
  }
}
