import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import type { CareEventKind } from './domain/hl7-message-reader.js';

export type { CareEventKind };

/** A care event heard on the HL7 feed, as other modules may read it: ids, kinds and times only. */
export interface CareEventRecord {
  /** The sending facility (MSH-4): the organisation code of the registered source. */
  facility: string;
  /** The patient's id at that facility (after any merge the feed announced). */
  localId: string;
  kind: CareEventKind;
  /** When it happened (EVN-6, else EVN-2, else MSH-7); null when the message gave no usable time. */
  eventTime: Date | null;
  /** PV1-19: ties an admission to its discharge. */
  visitNumber: string | null;
  /** When the hub recorded it. */
  recordedAt: Date;
  /** Order in which the feed's messages were applied. */
  sequence: number;
}

/** Patients asked for at most per query: a person has a handful of identities, never thousands. */
const MAX_PATIENTS = 500;

/** Read-only: the care events the HL7 feed recorded for given patients. */
@Injectable()
export class CareEvents {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Events of the given (facility, local id) patients, in the order they were applied. */
  async forPatients(patients: readonly { facility: string; localId: string }[]): Promise<CareEventRecord[]> {
    const unique = [...new Map(patients.map((patient) => [`${patient.facility}|${patient.localId}`, patient])).values()];
    if (!unique.length) return [];
    if (unique.length > MAX_PATIENTS) throw new RangeError(`at most ${MAX_PATIENTS} patients per query`);
    const rows: Array<{
      source_facility: string;
      patient_local_id: string;
      kind: CareEventKind;
      event_time: Date | null;
      visit_number: string | null;
      recorded_at: Date;
      id: string;
    }> = await this.dataSource.query(
      `SELECT e.source_facility, e.patient_local_id, e.kind, e.event_time, e.visit_number, e.recorded_at, e.id
       FROM care_event e
       JOIN unnest($1::text[], $2::text[]) AS p (facility, local_id)
         ON e.source_facility = p.facility AND e.patient_local_id = p.local_id
       ORDER BY e.id`,
      [unique.map((patient) => patient.facility), unique.map((patient) => patient.localId)],
    );
    return rows.map((row) => ({
      facility: row.source_facility,
      localId: row.patient_local_id,
      kind: row.kind,
      eventTime: row.event_time,
      visitNumber: row.visit_number,
      recordedAt: row.recorded_at,
      sequence: Number(row.id),
    }));
  }
}
