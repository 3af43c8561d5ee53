import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

import { canonicalHidden, type ConsentChoices, type HiddenSectionsByKind } from './domain/consent-settings.js';

/** The stored settings of one person, with their bookkeeping. */
export interface StoredConsent {
  nhsNumber: string;
  choices: ConsentChoices;
  /** 1 after the first change; the hub treats a person with no row as version 0. */
  version: number;
  updatedAt: Date;
  updatedBy: { subject: string; issuer: string };
}

/** One row of a person's consent history. */
export interface ConsentChangeRecord {
  version: number;
  /** null for the person's first change (they had the defaults). */
  before: ConsentChoices | null;
  after: ConsentChoices;
  changedBy: { subject: string; issuer: string };
  changedAt: Date;
  requestId: string;
}

interface ConsentSettingRow {
  nhs_number: string;
  opted_out: boolean;
  hidden_sections: HiddenSectionsByKind;
  refuses_break_glass: boolean;
  version: number;
  updated_at: Date;
  updated_by_subject: string;
  updated_by_issuer: string;
}

interface ConsentChangeRow {
  version: number;
  before: ConsentChoices | null;
  after: ConsentChoices;
  changed_by_subject: string;
  changed_by_issuer: string;
  changed_at: Date;
  request_id: string;
}

const SETTING_COLUMNS = `nhs_number, opted_out, hidden_sections, refuses_break_glass, version, updated_at, updated_by_subject, updated_by_issuer`;

function fromSettingRow(row: ConsentSettingRow): StoredConsent {
  return {
    nhsNumber: row.nhs_number,
    choices: { optedOut: row.opted_out, hiddenSections: canonicalHidden(row.hidden_sections), refusesBreakGlass: row.refuses_break_glass },
    version: row.version,
    updatedAt: row.updated_at,
    updatedBy: { subject: row.updated_by_subject, issuer: row.updated_by_issuer },
  };
}

/** consent_setting and its append-only history consent_change (both owned by governance). Keys are normalised NHS numbers. */
@Injectable()
export class ConsentSettingsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** The settings of each of several people that set any, by normalised NHS number, in one query. */
  async findMany(nhsNumbers: readonly string[]): Promise<Map<string, StoredConsent>> {
    if (!nhsNumbers.length) return new Map();
    const rows = await this.dataSource.query<ConsentSettingRow[]>(
      `SELECT ${SETTING_COLUMNS} FROM consent_setting WHERE nhs_number = ANY($1::text[])`,
      [[...new Set(nhsNumbers)]],
    );
    return new Map(rows.map((row) => [row.nhs_number, fromSettingRow(row)]));
  }

  async find(nhsNumber: string, manager: EntityManager = this.dataSource.manager): Promise<StoredConsent | null> {
    const [row] = await manager.query<ConsentSettingRow[]>(`SELECT ${SETTING_COLUMNS} FROM consent_setting WHERE nhs_number = $1`, [
      nhsNumber,
    ]);
    return row ? fromSettingRow(row) : null;
  }

  /**
   * The person's settings, with changes to them held off until `manager`'s transaction ends. A
   * transaction-scoped advisory lock rather than FOR UPDATE: it also serialises the first change,
   * when there is no row yet to lock.
   */
  async findForChange(manager: EntityManager, nhsNumber: string): Promise<StoredConsent | null> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('consent_setting:' || $1, 0))`, [nhsNumber]);
    return this.find(nhsNumber, manager);
  }

  /** Writes the settings at `next.version` and the history row explaining the change, in `manager`'s transaction. */
  async save(manager: EntityManager, next: StoredConsent, before: ConsentChoices | null, requestId: string): Promise<void> {
    const { choices } = next;
    await manager.query(
      `INSERT INTO consent_setting (${SETTING_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (nhs_number) DO UPDATE SET opted_out = excluded.opted_out, hidden_sections = excluded.hidden_sections,
         refuses_break_glass = excluded.refuses_break_glass, version = excluded.version, updated_at = excluded.updated_at,
         updated_by_subject = excluded.updated_by_subject, updated_by_issuer = excluded.updated_by_issuer`,
      [
        next.nhsNumber,
        choices.optedOut,
        JSON.stringify(canonicalHidden(choices.hiddenSections)),
        choices.refusesBreakGlass,
        next.version,
        next.updatedAt,
        next.updatedBy.subject,
        next.updatedBy.issuer,
      ],
    );
    await manager.query(
      `INSERT INTO consent_change (nhs_number, version, before, after, changed_by_subject, changed_by_issuer, changed_at, request_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        next.nhsNumber,
        next.version,
        before === null ? null : JSON.stringify(stored(before)),
        JSON.stringify(stored(choices)),
        next.updatedBy.subject,
        next.updatedBy.issuer,
        next.updatedAt,
        requestId,
      ],
    );
  }

  /** Every change to the person's settings, oldest first. */
  async history(nhsNumber: string): Promise<ConsentChangeRecord[]> {
    const rows = await this.dataSource.query<ConsentChangeRow[]>(
      `SELECT version, before, after, changed_by_subject, changed_by_issuer, changed_at, request_id
         FROM consent_change WHERE nhs_number = $1 ORDER BY version`,
      [nhsNumber],
    );
    return rows.map((row) => ({
      version: row.version,
      before: row.before,
      after: row.after,
      changedBy: { subject: row.changed_by_subject, issuer: row.changed_by_issuer },
      changedAt: row.changed_at,
      requestId: row.request_id,
    }));
  }
}

const stored = (choices: ConsentChoices): ConsentChoices => ({ ...choices, hiddenSections: canonicalHidden(choices.hiddenSections) });
