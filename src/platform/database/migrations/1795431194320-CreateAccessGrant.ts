import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Break-glass and self-declared access a professional started (access_grant), and the alerts
 * break-glass raises for privacy officers (privacy_alert). The stated reason is free text, so it
 * lives here and never in the audit trail, whose row for the grant names the grant's id. Owned by
 * the governance module; docs/SECURITY.md, "Break-glass and self-declared access".
 */
export class CreateAccessGrant1795431194320 implements MigrationInterface {
  name = 'CreateAccessGrant1795431194320';

  async up(queryRunner: QueryRunner): Promise<void> {
    // No foreign key to person: a merge may move the person on, and the grant must still say
    // whom the professional asked for.
    await queryRunner.query(`
      CREATE TABLE access_grant (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('break-glass', 'self-declared')),
        subject text NOT NULL,
        issuer text NOT NULL,
        name text,
        organisation_code text,
        hub_role text NOT NULL,
        person_id uuid NOT NULL,
        reason text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 500 AND reason = btrim(reason)),
        started_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        ended_at timestamptz,
        CONSTRAINT access_grant_expires_after_start CHECK (expires_at > started_at),
        CONSTRAINT access_grant_ends_after_start CHECK (ended_at IS NULL OR ended_at >= started_at)
      )`);
    // activeFor: one professional's grants for one person.
    await queryRunner.query(`CREATE INDEX access_grant_holder ON access_grant (subject, issuer, person_id, expires_at)`);

    await queryRunner.query(`
      CREATE TABLE privacy_alert (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('break-glass')),
        access_grant_id uuid NOT NULL UNIQUE REFERENCES access_grant (id),
        person_id uuid NOT NULL,
        raised_at timestamptz NOT NULL DEFAULT now(),
        acknowledged_at timestamptz,
        acknowledged_by_subject text,
        acknowledged_by_issuer text,
        acknowledged_by_name text,
        CONSTRAINT privacy_alert_acknowledged_by_someone CHECK ((acknowledged_at IS NULL) = (acknowledged_by_subject IS NULL))
      )`);
    // The officers' queue: unacknowledged alerts, newest first.
    await queryRunner.query(`CREATE INDEX privacy_alert_open ON privacy_alert (id DESC) WHERE acknowledged_at IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE privacy_alert`);
    await queryRunner.query(`DROP TABLE access_grant`);
  }
}
