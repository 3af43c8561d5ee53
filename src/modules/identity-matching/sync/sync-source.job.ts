import { Injectable, Logger } from '@nestjs/common';

import { SourceConnectors, SourceError } from '../../source-connectors/index.js';
import { defineJob, JobHandler, QueueName, type JobEnvelope } from '../../../platform/queue/index.js';
import { SourceIdentityRepository } from '../repositories/source-identity.repository.js';
import { demographicsOf } from '../source-demographics.js';
import { SyncStateRepository } from './sync-state.repository.js';

export type SyncSourceData = {
  sourceId: string;
};

/** Pages one run takes at most, so one large source cannot hold a worker for long. */
export const SYNC_PAGES_PER_RUN = 50;

/**
 * Keeps the identity index current with one source: pages through the source's changes from
 * the saved cursor, records each patient's demographics, then saves the cursor. Recording is an
 * upsert and the cursor is saved after it, so a run that crashes resumes where it stopped and a
 * run done twice has one effect.
 */
export const syncSource = defineJob<SyncSourceData>({
  name: 'identity-matching.sync-source',
  queue: QueueName.SourceSync,
  options: { attempts: 3 },
});

@Injectable()
export class SyncSourceJob {
  private readonly logger = new Logger('SourceSync');

  constructor(
    private readonly connectors: SourceConnectors,
    private readonly identities: SourceIdentityRepository,
    private readonly states: SyncStateRepository,
  ) {}

  @JobHandler(syncSource)
  async run({ sourceId }: JobEnvelope<SyncSourceData>): Promise<void> {
    const connector = await this.connectors.forSource(sourceId);
    if (!connector) {
      this.logger.log(`source ${sourceId}: disabled or removed; nothing to sync`);
      return;
    }
    await this.states.started(sourceId);
    if (!connector.listChanges) {
      await this.states.finished(sourceId, 'unsupported');
      this.logger.log(`source ${sourceId}: cannot list changes; no background sync`);
      return;
    }
    let cursor = (await this.states.get(sourceId))?.cursor ?? undefined;
    let seen = 0;
    try {
      for (let page = 0; page < SYNC_PAGES_PER_RUN; page++) {
        const changes = await connector.listChanges(cursor);
        const outcome = await this.identities.record(
          sourceId,
          changes.patients
            .filter((patient) => patient.id)
            .map((patient) => ({ localId: patient.id!, demographics: demographicsOf(patient) })),
        );
        cursor = changes.nextCursor;
        seen += changes.patients.length;
        await this.states.advanced(sourceId, cursor, changes.patients.length);
        this.logger.log(
          `source ${sourceId}: page ${page + 1}, ${outcome.added} added, ${outcome.changed} changed, ${outcome.unchanged} unchanged`,
        );
        if (changes.complete) break;
      }
      await this.states.finished(sourceId, 'idle');
      this.logger.log(`source ${sourceId}: sync run done, ${seen} identities seen`);
    } catch (error) {
      // A source that turns out not to list changes (its CapabilityStatement says so) is not a failure.
      if (error instanceof SourceError && error.kind === 'unsupported') {
        await this.states.finished(sourceId, 'unsupported');
        this.logger.log(`source ${sourceId}: cannot list changes; no background sync`);
        return;
      }
      const reason = error instanceof SourceError ? `${error.kind}: ${error.message}` : 'internal error';
      await this.states.failed(sourceId, reason);
      throw error;
    }
  }
}
