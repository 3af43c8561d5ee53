import { Injectable } from '@nestjs/common';

import type { R4Patient } from '../../fhir/index.js';
import { IdentityIntake } from './matching/identity-intake.js';
import { IdentityMatcher, type MatchOutcome } from './matching/identity-matcher.js';
import { MatchModels } from './matching/match-models.js';
import { IdentityIndexRepository, type PersonIdentity, type PersonRecord } from './repositories/identity-index.repository.js';
import { SourceIdentityRepository, type RecordOutcome, type StoredSourceIdentity } from './repositories/source-identity.repository.js';
import { blockingKeys } from './domain/blocking.js';
import type { IdentityFields } from './domain/identity-fields.js';
import { probabilityOfWeight } from './domain/match-model.js';
import { normaliseIdentity } from './domain/normalise.js';
import { demographicsOf } from './source-demographics.js';

/** A person the index holds who may be the one searched for, with how likely. */
export interface PersonSearchHit {
  personId: string;
  /** The match model's probability that the person's best record is the one described (0 to 1). */
  probability: number;
}

/** No source identity has this id: candidate look-ups exclude nothing. */
const NO_IDENTITY = '00000000-0000-0000-0000-000000000000';

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

  /**
   * Several persons at once, each following merges, keyed by the id asked for; ids that are no
   * person's are left out. One query for the usual case of persons not merged away.
   */
  async persons(personIds: readonly string[]): Promise<Map<string, PersonRecord>> {
    const found = new Map((await this.index.persons(personIds)).map((person) => [person.id, person]));
    const answer = new Map<string, PersonRecord>();
    await Promise.all(
      [...new Set(personIds)].map(async (id) => {
        const direct = found.get(id);
        if (direct && direct.state === 'active') return void answer.set(id, direct);
        if (!direct) return;
        // Merged away: follow the chain (rare, so one by one).
        const survivor = await this.person(id);
        if (survivor) answer.set(id, survivor);
      }),
    );
    return answer;
  }

  /** A person's current source identities (following merges), with the GP practice each source names. */
  async identitiesOf(personId: string): Promise<PersonIdentity[]> {
    return this.index.activeIdentities(await this.index.survivorOf(personId));
  }

  /** The person a source's record (by that source's own id for it) is linked to now, or null: how a feed's change finds its person. */
  async personOfIdentity(sourceId: string, localId: string): Promise<string | null> {
    return (await this.index.identityByLocalId(sourceId, localId))?.personId ?? null;
  }

  /**
   * Persons who may be the one described, most likely first: an NHS number finds the persons
   * holding it; demographics (partial, misspelt) are compared by the match model with each
   * record sharing a blocking key, and a person scores as their best record. Only those at or
   * above `minimumProbability` are returned, at most `limit`.
   */
  async searchPersons(query: IdentityFields, limit: number, minimumProbability: number): Promise<PersonSearchHit[]> {
    const wanted = normaliseIdentity(query);
    const keys = wanted.n ? [`n:${wanted.n}`] : blockingKeys(wanted);
    if (!keys.length) return [];
    const [candidates, model] = await Promise.all([this.identities.candidates(NO_IDENTITY, keys), this.models.current()]);
    const best = new Map<string, number>();
    for (const candidate of candidates) {
      if (!candidate.personId || (wanted.n && candidate.record.n !== wanted.n)) continue;
      const probability = wanted.n ? 1 : probabilityOfWeight(model.weight(wanted, candidate.record));
      if (probability > (best.get(candidate.personId) ?? -1)) best.set(candidate.personId, probability);
    }
    // Merged persons' records link to the survivor already (links move on merge): ids are current.
    return [...best.entries()]
      .filter(([, probability]) => probability >= minimumProbability)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, limit)
      .map(([personId, probability]) => ({ personId, probability }));
  }
}
