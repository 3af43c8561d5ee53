import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import { blockingKeys } from '../domain/blocking.js';
import { normaliseIdentity, type MatchRecord } from '../domain/normalise.js';
import type { SourceDemographics } from '../source-demographics.js';

export interface SeenIdentity {
  localId: string;
  demographics: SourceDemographics;
}

export interface RecordOutcome {
  added: number;
  changed: number;
  unchanged: number;
  /** Identities added or changed: what the matcher must (re)consider. */
  changedIds: string[];
}

/** A source identity as the matcher reads it: the normalised record and its current person. */
export interface MatchCandidate {
  id: string;
  sourceId: string;
  record: MatchRecord;
  personId: string | null;
}

/** Candidates read per blocking key at most: a key this common says little on its own. */
export const CANDIDATES_PER_KEY = 100;

/** The matcher's view of demographics: the fields it compares. */
export function matchRecordOf(demographics: SourceDemographics): MatchRecord {
  return normaliseIdentity({
    nhsNumber: demographics.nhsNumber,
    given: demographics.given,
    middle: demographics.middle,
    family: demographics.family,
    birthDate: demographics.birthDate,
    sex: demographics.gender,
    postcode: demographics.postcode,
    addressLines: demographics.addressLines,
  });
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
    const outcome: RecordOutcome = { added: 0, changed: 0, unchanged: 0, changedIds: [] };
    if (identities.length === 0) return outcome;
    const unique = [...new Map(identities.map((identity) => [identity.localId, identity])).values()];
    // A full record (a sync) replaces what was known; a partial one (a feed message) adds to it.
    const next = `(CASE WHEN $3::boolean THEN source_identity.demographics || EXCLUDED.demographics ELSE EXCLUDED.demographics END)`;
    // The normalised record and blocking keys are derived from what is stored: for a merge
    // (feed message) they are computed in SQL's stead below, by re-reading the merged row.
    const rows: Array<{ id: string; inserted: boolean; changed: boolean }> = await this.dataSource.query(
      `INSERT INTO source_identity (source_id, local_id, nhs_number, family, given, birth_date, gender, postcode, demographics, match_record, match_keys)
       SELECT $1, item->>'localId', item->'d'->>'nhsNumber', item->'d'->>'family', item->'d'->>'given',
              (item->'d'->>'birthDate')::date, item->'d'->>'gender', item->'d'->>'postcode', item->'d', item->'r',
              ARRAY(SELECT jsonb_array_elements_text(item->'k'))
       FROM jsonb_array_elements($2::jsonb) AS item
       ON CONFLICT (source_id, local_id) DO UPDATE SET
         match_record = CASE WHEN $3::boolean THEN source_identity.match_record ELSE EXCLUDED.match_record END,
         match_keys = CASE WHEN $3::boolean THEN source_identity.match_keys ELSE EXCLUDED.match_keys END,
         nhs_number = ${next}->>'nhsNumber', family = ${next}->>'family', given = ${next}->>'given',
         birth_date = (${next}->>'birthDate')::date, gender = ${next}->>'gender', postcode = ${next}->>'postcode',
         demographics = ${next}, last_seen_at = now(),
         changed_at = CASE WHEN source_identity.demographics IS DISTINCT FROM ${next} THEN now() ELSE source_identity.changed_at END
       RETURNING id, (xmax = 0) AS inserted, (changed_at = now()) AS changed, demographics`,
      [
        sourceId,
        JSON.stringify(
          unique.map((identity) => {
            const demographics = validDate(identity.demographics);
            const record = matchRecordOf(demographics);
            return { localId: identity.localId, d: demographics, r: record, k: blockingKeys(record) };
          }),
        ),
        mode === 'merge',
      ],
    );
    const merged: Array<{ id: string; r: MatchRecord; k: string[] }> = [];
    for (const row of rows as Array<{ id: string; inserted: boolean; changed: boolean; demographics: SourceDemographics }>) {
      if (row.inserted) outcome.added += 1;
      else if (row.changed) outcome.changed += 1;
      else outcome.unchanged += 1;
      if (row.inserted || row.changed) outcome.changedIds.push(row.id);
      if (mode === 'merge' && !row.inserted && row.changed) {
        const record = matchRecordOf(row.demographics);
        merged.push({ id: row.id, r: record, k: blockingKeys(record) });
      }
    }
    if (merged.length)
      await this.dataSource.query(
        `UPDATE source_identity si SET match_record = item->'r', match_keys = ARRAY(SELECT jsonb_array_elements_text(item->'k'))
         FROM jsonb_array_elements($1::jsonb) AS item WHERE si.id = (item->>'id')::uuid`,
        [JSON.stringify(merged)],
      );
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

  /** One identity as the matcher reads it; a traced NHS number stands in for a missing one. */
  async forMatching(id: string): Promise<(MatchCandidate & { keys: string[]; traced: boolean }) | undefined> {
    const [row] = await this.dataSource.query(
      `SELECT si.id, si.source_id, si.match_record, si.match_keys, si.traced_nhs_number, l.person_id
       FROM source_identity si LEFT JOIN identity_link l ON l.source_identity_id = si.id AND l.state = 'active'
       WHERE si.id = $1`,
      [id],
    );
    if (!row) return undefined;
    const record: MatchRecord = row.match_record ?? {};
    const traced = !record.n && !!row.traced_nhs_number;
    if (traced) record.n = row.traced_nhs_number;
    const keys: string[] = row.match_keys;
    if (traced && !keys.includes(`n:${record.n}`)) {
      keys.push(`n:${record.n}`);
      await this.dataSource.query(`UPDATE source_identity SET match_keys = $2 WHERE id = $1`, [id, keys]);
    }
    return { id: row.id, sourceId: row.source_id, record, personId: row.person_id, keys, traced };
  }

  /**
   * Identities sharing a blocking key with the one being matched, with their current person:
   * one GIN index look-up per key, each cut to CANDIDATES_PER_KEY.
   */
  async candidates(id: string, keys: string[]): Promise<MatchCandidate[]> {
    if (keys.length === 0) return [];
    const rows: Array<{
      id: string;
      source_id: string;
      match_record: MatchRecord | null;
      traced_nhs_number: string | null;
      person_id: string | null;
    }> = await this.dataSource.query(
      `SELECT si.id, si.source_id, si.match_record, si.traced_nhs_number, l.person_id
         FROM (SELECT DISTINCT found.id FROM unnest($2::text[]) AS key,
                 LATERAL (SELECT id FROM source_identity WHERE match_keys @> ARRAY[key] AND id <> $1 LIMIT ${CANDIDATES_PER_KEY}) AS found) AS ids
         JOIN source_identity si ON si.id = ids.id
         LEFT JOIN identity_link l ON l.source_identity_id = si.id AND l.state = 'active'`,
      [id, keys],
    );
    return rows.map((row) => {
      const record: MatchRecord = row.match_record ?? {};
      if (!record.n && row.traced_nhs_number) record.n = row.traced_nhs_number;
      return { id: row.id, sourceId: row.source_id, record, personId: row.person_id };
    });
  }

  async count(): Promise<number> {
    const [row] = await this.dataSource.query(`SELECT count(*)::int AS count FROM source_identity`);
    return row.count;
  }

  /** The normalised records of `limit` identities drawn at random (all of them when there are fewer), for training. */
  async matchRecords(limit: number): Promise<MatchRecord[]> {
    const rows: Array<{ match_record: MatchRecord }> = await this.dataSource.query(
      `SELECT match_record FROM source_identity WHERE match_record IS NOT NULL ORDER BY random() LIMIT $1`,
      [limit],
    );
    return rows.map((row) => row.match_record);
  }

  /** The demographics a PDS trace needs, for an identity without a valid NHS number. */
  async traceQuery(id: string): Promise<{ demographics: SourceDemographics; traceStatus: string | null } | undefined> {
    const [row] = await this.dataSource.query(`SELECT demographics, trace_status FROM source_identity WHERE id = $1`, [id]);
    return row ? { demographics: row.demographics, traceStatus: row.trace_status } : undefined;
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
