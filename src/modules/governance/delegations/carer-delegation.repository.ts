import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

import type { PolicySection } from '../policy/access-policy.js';
import type { CarerDelegationRecord, InvitationPlan, RevokedBy } from './domain/carer-delegation.js';

interface CarerDelegationRow {
  id: string;
  person_nhs_number: string;
  person_name: string | null;
  invited_at: Date;
  invitation_expires_at: Date;
  carer_issuer: string | null;
  carer_subject: string | null;
  carer_name: string | null;
  accepted_at: Date | null;
  sections: PolicySection[];
  can_add_readings: boolean;
  expires_at: Date;
  revoked_at: Date | null;
  revoked_by: RevokedBy | null;
}

// The code's hash is never selected: nothing after the lookup needs it.
const COLUMNS = `id, person_nhs_number, person_name, invited_at, invitation_expires_at, carer_issuer, carer_subject, carer_name,
  accepted_at, sections, can_add_readings, expires_at, revoked_at, revoked_by`;

function fromRow(row: CarerDelegationRow): CarerDelegationRecord {
  return {
    id: row.id,
    personNhsNumber: row.person_nhs_number,
    personName: row.person_name,
    invitedAt: row.invited_at,
    invitationExpiresAt: row.invitation_expires_at,
    carer: row.carer_issuer !== null && row.carer_subject !== null ? { issuer: row.carer_issuer, subject: row.carer_subject } : null,
    carerName: row.carer_name,
    acceptedAt: row.accepted_at,
    sections: row.sections,
    canAddReadings: row.can_add_readings,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
  };
}

/** The carer_delegation table (owned by governance). NHS numbers are stored normalised (ten digits). */
@Injectable()
export class CarerDelegationRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async insert(plan: InvitationPlan, codeHash: string, manager: EntityManager): Promise<CarerDelegationRecord> {
    const [row] = await manager.query<CarerDelegationRow[]>(
      `INSERT INTO carer_delegation (person_nhs_number, person_name, invitation_code_hash, invited_at, invitation_expires_at, carer_name,
         sections, can_add_readings, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
      [
        plan.personNhsNumber,
        plan.personName,
        codeHash,
        plan.invitedAt,
        plan.invitationExpiresAt,
        plan.carerName,
        plan.sections,
        plan.canAddReadings,
        plan.expiresAt,
      ],
    );
    return fromRow(row!);
  }

  /** The delegation an invitation code made, locked for the rest of the transaction (two carers racing for one code: one wins). */
  async byCodeForUpdate(codeHash: string, manager: EntityManager): Promise<CarerDelegationRecord | null> {
    const [row] = await manager.query<CarerDelegationRow[]>(
      `SELECT ${COLUMNS} FROM carer_delegation WHERE invitation_code_hash = $1 FOR UPDATE`,
      [codeHash],
    );
    return row ? fromRow(row) : null;
  }

  async byIdForUpdate(id: string, manager: EntityManager): Promise<CarerDelegationRecord | null> {
    const [row] = await manager.query<CarerDelegationRow[]>(`SELECT ${COLUMNS} FROM carer_delegation WHERE id = $1 FOR UPDATE`, [id]);
    return row ? fromRow(row) : null;
  }

  /**
   * Ends (as 'superseded') the delegations this carer holds for this person, so the one being
   * accepted is the only one: a person changes a carer's scope by inviting them again. Acceptances
   * for one carer and person are serialised first (the unique index would otherwise fail one of two racing).
   */
  async supersede(
    carer: { issuer: string; subject: string },
    personNhsNumber: string,
    at: Date,
    manager: EntityManager,
  ): Promise<string[]> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('carer_delegation:' || $1 || ':' || $2 || ':' || $3, 0))`, [
      carer.issuer,
      carer.subject,
      personNhsNumber,
    ]);
    const rows = await manager.query<Array<{ id: string }>>(
      `WITH ended AS (
         UPDATE carer_delegation SET revoked_at = $4, revoked_by = 'superseded'
          WHERE carer_issuer = $1 AND carer_subject = $2 AND person_nhs_number = $3 AND accepted_at IS NOT NULL AND revoked_at IS NULL
          RETURNING id)
       SELECT id FROM ended`,
      [carer.issuer, carer.subject, personNhsNumber, at],
    );
    return rows.map((row) => row.id);
  }

  async accept(
    id: string,
    carer: { issuer: string; subject: string; name: string | null },
    at: Date,
    manager: EntityManager,
  ): Promise<CarerDelegationRecord> {
    // Through a CTE so the driver answers rows, as for a SELECT (a bare UPDATE answers [rows, count]).
    const [row] = await manager.query<CarerDelegationRow[]>(
      `WITH accepted AS (
         UPDATE carer_delegation SET carer_issuer = $2, carer_subject = $3, carer_name = COALESCE(carer_name, $4), accepted_at = $5
          WHERE id = $1 RETURNING ${COLUMNS})
       SELECT * FROM accepted`,
      [id, carer.issuer, carer.subject, carer.name, at],
    );
    return fromRow(row!);
  }

  async revoke(id: string, by: RevokedBy, at: Date, manager: EntityManager): Promise<CarerDelegationRecord> {
    const [row] = await manager.query<CarerDelegationRow[]>(
      `WITH revoked AS (UPDATE carer_delegation SET revoked_at = $2, revoked_by = $3 WHERE id = $1 RETURNING ${COLUMNS})
       SELECT * FROM revoked`,
      [id, at, by],
    );
    return fromRow(row!);
  }

  /** The person's invitations and delegations, newest first. */
  async forPerson(personNhsNumber: string, limit: number): Promise<CarerDelegationRecord[]> {
    const rows = await this.dataSource.query<CarerDelegationRow[]>(
      `SELECT ${COLUMNS} FROM carer_delegation WHERE person_nhs_number = $1 ORDER BY invited_at DESC, id LIMIT $2`,
      [personNhsNumber, limit],
    );
    return rows.map(fromRow);
  }

  /** The delegations this carer accepted, newest first. */
  async forCarer(carer: { issuer: string; subject: string }, limit: number): Promise<CarerDelegationRecord[]> {
    const rows = await this.dataSource.query<CarerDelegationRow[]>(
      `SELECT ${COLUMNS} FROM carer_delegation WHERE carer_issuer = $1 AND carer_subject = $2 ORDER BY accepted_at DESC, id LIMIT $3`,
      [carer.issuer, carer.subject, limit],
    );
    return rows.map(fromRow);
  }

  /** The delegation this carer may act under for this person at `at`: one lookup on the carer_delegation_acting index. */
  async active(carer: { issuer: string; subject: string }, personNhsNumber: string, at: Date): Promise<CarerDelegationRecord | null> {
    const [row] = await this.dataSource.query<CarerDelegationRow[]>(
      `SELECT ${COLUMNS} FROM carer_delegation
        WHERE carer_issuer = $1 AND carer_subject = $2 AND person_nhs_number = $3
          AND accepted_at IS NOT NULL AND revoked_at IS NULL AND expires_at > $4`,
      [carer.issuer, carer.subject, personNhsNumber, at],
    );
    return row ? fromRow(row) : null;
  }
}
