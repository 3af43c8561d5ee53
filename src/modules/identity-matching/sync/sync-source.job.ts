import { Injectable, Logger } from '@nestjs/common';

import { SourceConnectors, SourceError, type SourceConnector } from '../../source-connectors/index.js';
import { defineJob, JobHandler, QueueName, type JobEnvelope } from '../../../platform/queue/index.js';
import { IdentityIntake } from '../matching/identity-intake.js';
import { SourceIdentityRepository } from '../repositories/source-identity.repository.js';
import { demographicsOf } from '../source-demographics.js';
import { SyncStateRepository } from './sync-state.repository.js';

export type SyncSourceData = {
  sourceId: string;
};

/** Pages one run takes at most, so one large source cannot hold a worker for long. */
export const SYNC_PAGES_PER_RUN = 50;
/** NHS numbers a GP Connect scan asks a practice about per page, and at once. */
const SCAN_PAGE_SIZE = 100;
const SCAN_CONCURRENCY = 4;

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
    private readonly identities: IdentityIntake,
    private readonly index: SourceIdentityRepository,
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
      if (connector.endpoint.protocol === 'gp-connect') return this.scanPractice(connector);
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

  /**
   * A practice cannot list its patients, so the sync scans: it asks the practice about every NHS
   * number any source says is registered there, and those it gave before, in NHS number order
   * from the saved cursor, recording what it holds (the upsert detects changes). At the end the
   * cursor is cleared, so the next run scans again.
   */
  private async scanPractice(connector: SourceConnector): Promise<void> {
    const { id: sourceId, organisationCode } = connector.endpoint;
    let cursor = (await this.states.get(sourceId))?.cursor ?? '';
    let found = 0;
    try {
      for (let page = 0; page < SYNC_PAGES_PER_RUN; page++) {
        const candidates = await this.index.practiceCandidates(sourceId, organisationCode, cursor, SCAN_PAGE_SIZE);
        const registered: Array<{ localId: string; demographics: ReturnType<typeof demographicsOf> }> = [];
        for (let start = 0; start < candidates.length; start += SCAN_CONCURRENCY) {
          const answers = await Promise.all(
            candidates.slice(start, start + SCAN_CONCURRENCY).map((nhsNumber) => connector.findPatients({ nhsNumber })),
          );
          answers.forEach((patients, offset) => {
            for (const patient of patients)
              registered.push({ localId: candidates[start + offset]!, demographics: demographicsOf(patient) });
          });
        }
        const outcome = await this.identities.record(sourceId, registered);
        found += registered.length;
        if (candidates.length) {
          cursor = candidates.at(-1)!;
          await this.states.advanced(sourceId, cursor, registered.length);
        }
        this.logger.log(
          `source ${sourceId}: scanned ${candidates.length}, ${outcome.added} added, ${outcome.changed} changed, ${outcome.unchanged} unchanged`,
        );
        if (candidates.length < SCAN_PAGE_SIZE) {
          await this.states.scanCompleted(sourceId);
          break;
        }
      }
      await this.states.finished(sourceId, 'idle');
      this.logger.log(`source ${sourceId}: scan run done, ${found} registered patients seen`);
    } catch (error) {
      await this.states.failed(sourceId, error instanceof SourceError ? `${error.kind}: ${error.message}` : 'internal error');
      throw error;
    }
  }
}
