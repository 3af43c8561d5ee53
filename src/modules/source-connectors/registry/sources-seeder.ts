import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';

import { AppConfig } from '../../../platform/config/index.js';
import { SourceRegistryError } from '../source-connectors.errors.js';
import { SourceRegistry } from './source-registry.service.js';

/** Registers the sources listed in SOURCES_FILE at start (adding only), in the API roles. */
@Injectable()
export class SourcesSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger('SourceRegistry');

  constructor(
    private readonly config: AppConfig,
    private readonly registry: SourceRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.sourcesFile || !this.config.servesHttpApi) return;
    try {
      const { added, unchanged } = await this.registry.seedFromFile(this.config.sourcesFile);
      this.logger.log(`sources file: ${added} added, ${unchanged} already registered`);
    } catch (error) {
      // A bad sources file stops the start, naming every problem, like a bad setting does.
      if (error instanceof SourceRegistryError) throw new Error([error.message, ...error.problems].join('\n'), { cause: error });
      throw error;
    }
  }
}
