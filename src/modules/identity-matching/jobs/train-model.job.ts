import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';

import { AppConfig } from '../../../platform/config/index.js';
import { defineJob, JobDispatcher, JobHandler, QueueName } from '../../../platform/queue/index.js';
import { MatchModels } from '../matching/match-models.js';

export type TrainMatchModelData = Record<string, never>;

/** Retrains the match model on the index (EM): daily, and once at start when none is trained. */
export const trainMatchModel = defineJob<TrainMatchModelData>({
  name: 'identity-matching.train-match-model',
  queue: QueueName.Maintenance,
  options: { attempts: 3 },
});

export const TRAIN_EVERY_MS = 24 * 60 * 60 * 1000;

@Injectable()
export class TrainMatchModelJob implements OnApplicationBootstrap {
  private readonly logger = new Logger('IdentityMatching');

  constructor(
    private readonly models: MatchModels,
    private readonly jobs: JobDispatcher,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runsWorkers) return;
    try {
      await this.jobs.schedule(trainMatchModel, {}, TRAIN_EVERY_MS);
      if (!(await this.models.hasTrainedModel())) await this.jobs.enqueue(trainMatchModel, {});
    } catch (error) {
      // Start-up goes on: the matcher uses the default model until a training run succeeds.
      this.logger.warn(`could not schedule match model training: ${(error as Error).message}`);
    }
  }

  @JobHandler(trainMatchModel)
  async run(): Promise<void> {
    await this.models.train();
  }
}
