import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import type { SourceDemographics } from '../source-demographics.js';

export interface SeenIdentity {
  localId: string;
  demographics: SourceDemographics;
}

export interface RecordOutcome {
  added: number;
  changed: number;
  unchanged: number;
}

export interface StoredSourceIdentity {
  sourceId: string;
  localId: string;
  nhsNumber: string | null;
  family: string | null;
  given: string | null;
  birthDate: string | null;
  gender: string | null;
  postcode: string | null;
  changedAt: Date;
  lastSeenAt: Date;
}

@Injectable()
export class SourceIdentityRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Upserts what a source said about its patients, in one statement per batch. Seeing the same
   * record again only moves last_seen_at; changed_at moves only when the demographics changed,
   * so running a sync twice has one effect.
   */
  async record(sourceId: string, identities: SeenIdentity[], mode: 'replace' | 'merge' = 'replace'): Promise<RecordOutcome> {
    const outcome: RecordOutcome = { added: 0, changed: 0, unchanged: 0 };
    if (identities.length === 0) return outcome;
    const unique = [...new Map(identities.map((identity) => [identity.localId, identity])).values()];
    // A full record (a sync) replaces what was known; a partial one (a feed message) adds to it.
    const next = `(CASE WHEN $3::boolean THEN source_identity.demographics || EXCLUDED.demographics ELSE EXCLUDED.demographics END)`;
    const rows: Array<{ inserted: boolean; changed: boolean }> = await this.dataSource.query(
      `INSERT INTO source_identity (source_id, local_id, nhs_number, family, given, birth_date, gender, postcode, demographics)
       SELECT $1, item->>'localId', item->'d'->>'nhsNumber', item->'d'->>'family', item->'d'->>'given',
              (item->'d'->>'birthDate')::date, item->'d'->>'gender', item->'d'->>'postcode', item->'d'
       FROM jsonb_array_elements($2::jsonb) AS item
       ON CONFLICT (source_id, local_id) DO UPDATE SET
         nhs_number = ${next}->>'nhsNumber', family = ${next}->>'family', given = ${next}->>'given',
         birth_date = (${next}->>'birthDate')::date, gender = ${next}->>'gender', postcode = ${next}->>'postcode',
         demographics = ${next}, last_seen_at = now(),
         changed_at = CASE WHEN source_identity.demographics IS DISTINCT FROM ${next} THEN now() ELSE source_identity.changed_at END
       RETURNING (xmax = 0) AS inserted, (changed_at = now()) AS changed`,
      [
        sourceId,
        JSON.stringify(unique.map((identity) => ({ localId: identity.localId, d: validDate(identity.demographics) }))),
        mode === 'merge',
      ],
    );
    for (const row of rows) {
      if (row.inserted) outcome.added += 1;
      else if (row.changed) outcome.changed += 1;
      else outcome.unchanged += 1;
    }
    return outcome;
  }

  /**
   * NHS numbers a practice may hold, after `afterNhsNumber`, in order: those any source says are
   * registered with it, and those the practice itself gave before. What a GP Connect scan reads.
   */
  async practiceCandidates(practiceSourceId: string, practiceCode: string, afterNhsNumber: string, limit: number): Promise<string[]> {
    const rows: Array<{ nhs_number: string }> = await this.dataSource.query(
      `SELECT DISTINCT nhs_number FROM source_identity
       WHERE nhs_number > $3 AND (demographics->>'gpPracticeCode' = $2 OR source_id = $1)
       ORDER BY nhs_number LIMIT $4`,
      [practiceSourceId, practiceCode, afterNhsNumber, limit],
    );
    return rows.map((row) => row.nhs_number);
  }

  async forSource(sourceId: string): Promise<StoredSourceIdentity[]> {
    const rows: StoredSourceIdentity[] = await this.dataSource.query(
      `SELECT source_id AS "sourceId", local_id AS "localId", nhs_number AS "nhsNumber", family, given,
              to_char(birth_date, 'YYYY-MM-DD') AS "birthDate", gender, postcode, changed_at AS "changedAt", last_seen_at AS "lastSeenAt"
       FROM source_identity WHERE source_id = $1 ORDER BY local_id`,
      [sourceId],
    );
    return rows;
  }
}

/** A birth date PostgreSQL would refuse (a source's 1990-13-45) is kept in the JSON but not the column. */
function validDate(demographics: SourceDemographics): SourceDemographics {
  if (!demographics.birthDate || (/^\d{4}-\d{2}-\d{2}$/.test(demographics.birthDate) && !Number.isNaN(Date.parse(demographics.birthDate))))
    return demographics;
  const { birthDate: _dropped, ...rest } = demographics;
  return rest;
}
