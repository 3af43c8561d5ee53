import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { readClinicalContent } from './domain/hl7-message-reader.js';
import { CareEventRepository } from './repositories/care-event.repository.js';
import { Hl7InboxRepository, type Hl7InboxRow } from './repositories/hl7-inbox.repository.js';
import { Hl7PatientDemographicsRepository } from './repositories/hl7-patient-demographics.repository.js';

export type Hl7ProcessingOutcome = 'processed' | 'already-done' | 'missing';

/**
 * Applies one inbox message's effects and marks it processed in the same transaction, so a
 * message takes effect once however often it is processed. Per patient, messages are applied
 * in received order: `processInOrder` first applies the patient's earlier unprocessed messages,
 * and a transaction-scoped advisory lock on the patient key keeps two workers from interleaving.
 */
@Injectable()
export class Hl7MessageProcessor {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly inbox: Hl7InboxRepository,
    private readonly careEvents: CareEventRepository,
    private readonly demographics: Hl7PatientDemographicsRepository,
  ) {}

  async processInOrder(inboxId: string): Promise<Hl7ProcessingOutcome> {
    const row = await this.inbox.find(inboxId);
    if (!row) return 'missing';
    if (row.status === 'processed' || row.status === 'duplicate') return 'already-done';
    // A merge also waits for the prior patient's earlier messages, so they are moved, not stranded.
    for (const patientKey of patientKeysOf(row)) {
      for (const earlierId of await this.inbox.pendingBefore(patientKey, inboxId)) {
        try {
          await this.processOne(earlierId);
        } catch (error) {
          await this.inbox.recordFailure(earlierId, safeErrorText(error), false);
          throw new Error(`an earlier message of the same patient (inbox ${earlierId}) could not be processed yet`, { cause: error });
        }
      }
    }
    return this.processOne(inboxId);
  }

  private processOne(inboxId: string): Promise<Hl7ProcessingOutcome> {
    return this.dataSource.transaction(async (manager) => {
      const unlocked = await this.inbox.find(inboxId, manager);
      if (!unlocked) return 'missing';
      // Sorted, so two transactions locking the same two patients never deadlock.
      for (const patientKey of patientKeysOf(unlocked).sort()) await this.inbox.lockPatient(patientKey, manager);
      const row = await this.inbox.lockForProcessing(inboxId, manager);
      // 'failed' is processed again: that is a re-drive from the dead letters.
      if (!row || (row.status !== 'received' && row.status !== 'failed')) return 'already-done';
      const content = readClinicalContent(row.rawMessage);
      const source = { facility: content.sourceFacility, localId: content.patient.localId, inboxId };
      await this.demographics.recordDemographics(manager, source, content.demographics);
      await this.careEvents.recordCareEvent(manager, inboxId, content);
      for (const merge of content.merges) {
        await this.careEvents.recordMerge(manager, inboxId, content.sourceFacility, merge.priorLocalId, content.patient.localId);
      }
      await this.inbox.markProcessed(inboxId, manager);
      return 'processed';
    });
  }
}

/** The patients whose order this message takes part in: its own and, for a merge, the prior one. */
function patientKeysOf(row: Hl7InboxRow): string[] {
  if (!row.patientKey) return [];
  const content = readClinicalContent(row.rawMessage);
  return [row.patientKey, ...content.merges.map((merge) => `${content.sourceFacility}|${merge.priorLocalId}`)];
}

/** Error text fit to store and log: the error's class and message, never a stack or payload. */
export function safeErrorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 500) : 'non-error thrown';
}
