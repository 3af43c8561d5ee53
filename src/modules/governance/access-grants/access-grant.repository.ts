import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

import type { HubRole } from '../domain/principal.js';
import type { AccessGrantKind, AccessGrantRecord } from './domain/access-grant.js';

interface AccessGrantRow {
  id: string;
  kind: AccessGrantKind;
  subject: string;
  issuer: string;
  name: string | null;
  organisation_code: string | null;
  hub_role: HubRole;
  person_id: string;
  reason: string;
  started_at: Date;
  expires_at: Date;
  ended_at: Date | null;
}

interface PrivacyAlertRow extends Omit<AccessGrantRow, 'id' | 'kind' | 'person_id'> {
  alert_id: string;
  alert_kind: 'break-glass';
  access_grant_id: string;
  grant_kind: AccessGrantKind;
  person_id: string;
  raised_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by_subject: string | null;
  acknowledged_by_issuer: string | null;
  acknowledged_by_name: string | null;
}

export interface PrivacyAlertRecord {
  id: string;
  kind: 'break-glass';
  personId: string;
  raisedAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: { subject: string; issuer: string; name: string | null } | null;
  grant: AccessGrantRecord;
}

export type NewAccessGrant = Omit<AccessGrantRecord, 'id' | 'endedAt'>;

const GRANT_COLUMNS = `id, kind, subject, issuer, name, organisation_code, hub_role, person_id, reason, started_at, expires_at, ended_at`;
const ALERT_SELECT = `SELECT a.id AS alert_id, a.kind AS alert_kind, a.access_grant_id, a.person_id, a.raised_at, a.acknowledged_at,
    a.acknowledged_by_subject, a.acknowledged_by_issuer, a.acknowledged_by_name,
    g.kind AS grant_kind, g.subject, g.issuer, g.name, g.organisation_code, g.hub_role, g.reason, g.started_at, g.expires_at, g.ended_at
  FROM privacy_alert a JOIN access_grant g ON g.id = a.access_grant_id`;

function fromGrantRow(row: AccessGrantRow): AccessGrantRecord {
  return {
    id: row.id,
    kind: row.kind,
    subject: row.subject,
    issuer: row.issuer,
    name: row.name,
    organisationCode: row.organisation_code,
    hubRole: row.hub_role,
    personId: row.person_id,
    reason: row.reason,
    startedAt: row.started_at,
    expiresAt: row.expires_at,
    endedAt: row.ended_at,
  };
}

function fromAlertRow(row: PrivacyAlertRow): PrivacyAlertRecord {
  return {
    id: String(row.alert_id),
    kind: row.alert_kind,
    personId: row.person_id,
    raisedAt: row.raised_at,
    acknowledgedAt: row.acknowledged_at,
    acknowledgedBy: row.acknowledged_by_subject
      ? { subject: row.acknowledged_by_subject, issuer: row.acknowledged_by_issuer ?? '', name: row.acknowledged_by_name }
      : null,
    grant: fromGrantRow({ ...row, id: row.access_grant_id, kind: row.grant_kind }),
  };
}

/** The access_grant and privacy_alert tables (owned by governance). */
@Injectable()
export class AccessGrantRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Whether the identity index holds this person (merged persons included: the grant names whom was asked for). */
  async personExists(personId: string, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const rows = await manager.query<unknown[]>(`SELECT 1 FROM person WHERE id = $1`, [personId]);
    return rows.length > 0;
  }

  async insertGrant(grant: NewAccessGrant, manager: EntityManager): Promise<AccessGrantRecord> {
    const [row] = await manager.query<AccessGrantRow[]>(
      `INSERT INTO access_grant (kind, subject, issuer, name, organisation_code, hub_role, person_id, reason, started_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${GRANT_COLUMNS}`,
      [
        grant.kind,
        grant.subject,
        grant.issuer,
        grant.name,
        grant.organisationCode,
        grant.hubRole,
        grant.personId,
        grant.reason,
        grant.startedAt,
        grant.expiresAt,
      ],
    );
    return fromGrantRow(row!);
  }

  async insertAlert(grant: AccessGrantRecord, manager: EntityManager): Promise<string> {
    const [row] = await manager.query<Array<{ id: string }>>(
      `INSERT INTO privacy_alert (kind, access_grant_id, person_id, raised_at) VALUES ('break-glass', $1, $2, $3) RETURNING id`,
      [grant.id, grant.personId, grant.startedAt],
    );
    return String(row!.id);
  }

  /** One holder's grants for one person that have not expired by `now` (ended ones included: the domain decides). */
  async unexpiredGrants(holder: { subject: string; issuer: string }, personId: string, now: Date): Promise<AccessGrantRecord[]> {
    const rows = await this.dataSource.query<AccessGrantRow[]>(
      `SELECT ${GRANT_COLUMNS} FROM access_grant
        WHERE subject = $1 AND issuer = $2 AND person_id = $3 AND expires_at > $4 AND ended_at IS NULL
        ORDER BY started_at DESC`,
      [holder.subject, holder.issuer, personId, now],
    );
    return rows.map(fromGrantRow);
  }

  /** The grant, locked for the rest of the transaction, if it is this holder's. */
  async holdersGrantForUpdate(
    id: string,
    holder: { subject: string; issuer: string },
    manager: EntityManager,
  ): Promise<AccessGrantRecord | null> {
    const [row] = await manager.query<AccessGrantRow[]>(
      `SELECT ${GRANT_COLUMNS} FROM access_grant WHERE id = $1 AND subject = $2 AND issuer = $3 FOR UPDATE`,
      [id, holder.subject, holder.issuer],
    );
    return row ? fromGrantRow(row) : null;
  }

  async endGrant(id: string, at: Date, manager: EntityManager): Promise<AccessGrantRecord> {
    // Through a CTE so the driver answers rows, as for a SELECT (a bare UPDATE answers [rows, count]).
    const [row] = await manager.query<AccessGrantRow[]>(
      `WITH ended AS (UPDATE access_grant SET ended_at = $2 WHERE id = $1 RETURNING ${GRANT_COLUMNS}) SELECT * FROM ended`,
      [id, at],
    );
    return fromGrantRow(row!);
  }

  /** Alerts newest first, a page at a time (keyset on the id). */
  async alerts(search: { acknowledged: boolean; limit: number; after?: string }): Promise<PrivacyAlertRecord[]> {
    const params: unknown[] = [search.limit];
    let keyset = '';
    if (search.after !== undefined) {
      params.push(search.after);
      keyset = `AND a.id < $2`;
    }
    const rows = await this.dataSource.query<PrivacyAlertRow[]>(
      `${ALERT_SELECT} WHERE a.acknowledged_at IS ${search.acknowledged ? 'NOT NULL' : 'NULL'} ${keyset} ORDER BY a.id DESC LIMIT $1`,
      params,
    );
    return rows.map(fromAlertRow);
  }

  async alertForUpdate(id: string, manager: EntityManager): Promise<PrivacyAlertRecord | null> {
    const [row] = await manager.query<PrivacyAlertRow[]>(`${ALERT_SELECT} WHERE a.id = $1 FOR UPDATE OF a`, [id]);
    return row ? fromAlertRow(row) : null;
  }

  async acknowledge(
    id: string,
    by: { subject: string; issuer: string; name: string | null },
    at: Date,
    manager: EntityManager,
  ): Promise<PrivacyAlertRecord> {
    await manager.query(
      `UPDATE privacy_alert SET acknowledged_at = $2, acknowledged_by_subject = $3, acknowledged_by_issuer = $4, acknowledged_by_name = $5
        WHERE id = $1`,
      [id, at, by.subject, by.issuer, by.name],
    );
    return (await this.alertForUpdate(id, manager))!;
  }
}
