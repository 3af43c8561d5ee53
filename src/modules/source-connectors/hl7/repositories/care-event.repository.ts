import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Hl7ClinicalContent } from '../domain/hl7-message-reader.js';

/** Care events (admission, discharge, result available...) and patient merges heard on the HL7 feed. */
@Injectable()
export class CareEventRepository {
  /** One event per inbox message: a second call for the same message changes nothing. */
  async recordCareEvent(manager: EntityManager, inboxId: string, content: Hl7ClinicalContent): Promise<void> {
    const event = content.careEvent;
    if (!event) return;
    await manager.query(
      `INSERT INTO care_event (inbox_id, source_facility, kind, message_type, patient_local_id, patient_id_authority, nhs_number,
         event_time, visit_number, result_id, discharge_disposition)
       VALUES ($1, $2, $3, $4,
         -- A late message about an id already merged away is recorded under the surviving id.
         COALESCE((SELECT surviving_local_id FROM hl7_patient_merge WHERE source_facility = $2 AND prior_local_id = $5 ORDER BY id DESC LIMIT 1), $5),
         $6, $7, $8, $9, $10, $11)
       ON CONFLICT (inbox_id) DO NOTHING`,
      [
        inboxId,
        content.sourceFacility,
        event.kind,
        content.messageType,
        content.patient.localId,
        content.patient.localIdAuthority,
        content.patient.nhsNumber,
        event.eventTime,
        event.visitNumber,
        event.resultId,
        event.dischargeDisposition,
      ],
    );
  }

  /** Records that `priorLocalId` was merged into `survivingLocalId` and moves its care events. */
  async recordMerge(
    manager: EntityManager,
    inboxId: string,
    facility: string,
    priorLocalId: string,
    survivingLocalId: string,
  ): Promise<void> {
    const moved: [unknown[], number] = await manager.query(
      `UPDATE care_event SET patient_local_id = $3 WHERE source_facility = $1 AND patient_local_id = $2`,
      [facility, priorLocalId, survivingLocalId],
    );
    await manager.query(
      `INSERT INTO hl7_patient_merge (inbox_id, source_facility, prior_local_id, surviving_local_id, care_events_moved)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (inbox_id, prior_local_id) DO NOTHING`,
      [inboxId, facility, priorLocalId, survivingLocalId, moved[1] ?? 0],
    );
  }
}
