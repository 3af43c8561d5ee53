import { Injectable, Logger } from '@nestjs/common';

import { candidatePairs } from '../domain/blocking.js';
import { DEFAULT_PARAMETERS, MatchModel, type MatchModelParameters } from '../domain/match-model.js';
import { trainModel, type TrainingSummary } from '../domain/train-model.js';
import { IdentityIndexRepository } from '../repositories/identity-index.repository.js';
import { SourceIdentityRepository } from '../repositories/source-identity.repository.js';

/** How long a process keeps the model before looking for a newer one. */
export const MODEL_REFRESH_MS = 60_000;
/**
 * Identities a training run reads at most, drawn at random. A random sample keeps every
 * estimate: m and u are proportions, and the prior (matching pairs over all pairs) is the same in
 * a uniform sample, as both counts shrink by the square of the fraction. It keeps a run to
 * seconds on the worker, which does nothing else meanwhile.
 */
export const TRAINING_LIMIT = 300_000;
/** Below this many identities the default model serves: EM needs data to learn from. */
export const MIN_TRAINING_IDENTITIES = 200;
const FIRST_TRAINING_CHECK_MS = 30_000;

/**
 * The model the matcher scores with: the newest trained one (match_model), or the defaults until
 * the index holds enough identities to train on. Training reads every identity's normalised
 * record, blocks in memory as the bulk linker does, and runs the same EM.
 */
@Injectable()
export class MatchModels {
  private readonly logger = new Logger('IdentityMatching');
  private cached?: { model: MatchModel; loadedAt: number };
  private trained = false;
  private lastFirstTrainingCheck = 0;

  constructor(
    private readonly index: IdentityIndexRepository,
    private readonly identities: SourceIdentityRepository,
  ) {}

  async current(): Promise<MatchModel> {
    if (this.cached && Date.now() - this.cached.loadedAt < MODEL_REFRESH_MS) return this.cached.model;
    const stored = await this.index.latestModel<MatchModelParameters>();
    const model = stored ? new MatchModel(stored.parameters) : new MatchModel(DEFAULT_PARAMETERS);
    this.cached = { model, loadedAt: Date.now() };
    return model;
  }

  async hasTrainedModel(): Promise<boolean> {
    if (this.trained) return true;
    this.trained = (await this.index.latestModel()) !== null;
    return this.trained;
  }

  /**
   * Whether the first model should be trained now: none yet, and the index has grown to enough
   * identities to learn from. Asked as identities arrive; checks the database at most every
   * FIRST_TRAINING_CHECK_MS, and never again once a model exists.
   */
  async readyForFirstTraining(): Promise<boolean> {
    if (this.trained || Date.now() - this.lastFirstTrainingCheck < FIRST_TRAINING_CHECK_MS) return false;
    this.lastFirstTrainingCheck = Date.now();
    if (await this.hasTrainedModel()) return false;
    return (await this.identities.count()) >= MIN_TRAINING_IDENTITIES;
  }

  /** Trains on the index and stores the model; undefined when there is too little to learn from. */
  async train(): Promise<{ version: string; summary: TrainingSummary } | undefined> {
    const records = await this.identities.matchRecords(TRAINING_LIMIT);
    if (records.length < MIN_TRAINING_IDENTITIES) {
      this.logger.log(`match model: ${records.length} identities, fewer than ${MIN_TRAINING_IDENTITIES}; keeping the current model`);
      return undefined;
    }
    const version = `index-${new Date().toISOString()}`;
    const { parameters, summary } = trainModel(records, candidatePairs(records), { version });
    await this.index.saveModel(parameters, summary);
    this.trained = true;
    this.cached = { model: new MatchModel(parameters), loadedAt: Date.now() };
    this.logger.log(`match model ${version} trained on ${summary.records} identities (${summary.trainingPairs} training pairs)`);
    return { version, summary };
  }
}
