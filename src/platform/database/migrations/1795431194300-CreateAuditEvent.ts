import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail: one row per access attempt, shaped like a FHIR AuditEvent (IHE Basic Audit Log
 * Patterns), append-only and hash-chained. Owned by the governance module; docs/SECURITY.md,
 * "Audit trail".
 */
export class CreateAuditEvent1795431194300 implements MigrationInterface {
  name = 'CreateAuditEvent1795431194300';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The id is the position in the chain. The writer assigns it from audit_chain_head rather
    // than from a sequence: a sequence skips numbers when a transaction rolls back, and the
    // verifier must be able to call every missing number a deleted row.
    await queryRunner.query(`
      CREATE TABLE audit_event (
        id bigint PRIMARY KEY CHECK (id >= 1),
        recorded_at timestamptz NOT NULL,
        request_id text NOT NULL,
        action text NOT NULL CHECK (action IN ('read', 'search', 'create', 'update', 'delete', 'execute')),
        outcome text NOT NULL CHECK (outcome IN ('allowed', 'denied', 'break-glass', 'self-declared')),
        outcome_reason text,
        purpose text,
        principal_kind text NOT NULL,
        subject text NOT NULL,
        issuer text NOT NULL,
        agent_name text,
        role_code text,
        hub_role text,
        organisation_code text,
        on_behalf_of text,
        person_id uuid,
        nhs_number text,
        sections text[] NOT NULL DEFAULT '{}',
        sources text[] NOT NULL DEFAULT '{}',
        query_kind text NOT NULL,
        detail jsonb NOT NULL DEFAULT '{}',
        previous_hash text NOT NULL,
        hash text NOT NULL
      )`);
    // What privacy officers search by; every index ends in id for keyset pagination (newest first).
    await queryRunner.query(`CREATE INDEX audit_event_person ON audit_event (person_id, id) WHERE person_id IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX audit_event_nhs_number ON audit_event (nhs_number, id) WHERE nhs_number IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX audit_event_subject ON audit_event (subject, id)`);
    await queryRunner.query(
      `CREATE INDEX audit_event_organisation ON audit_event (organisation_code, id) WHERE organisation_code IS NOT NULL`,
    );
    await queryRunner.query(`CREATE INDEX audit_event_recorded_at ON audit_event (recorded_at)`);
    // Break-glass and self-declared access are reviewed one by one: a small partial index.
    await queryRunner.query(`CREATE INDEX audit_event_for_review ON audit_event (id) WHERE outcome IN ('break-glass', 'self-declared')`);

    // One row: the last position and hash. Locking it FOR UPDATE serialises appends, so the chain
    // stays linear however many processes write; it also lets the verifier notice rows deleted
    // from the end of the chain.
    await queryRunner.query(`
      CREATE TABLE audit_chain_head (
        id smallint PRIMARY KEY CHECK (id = 1),
        last_id bigint NOT NULL,
        last_hash text NOT NULL
      )`);
    await queryRunner.query(`INSERT INTO audit_chain_head (id, last_id, last_hash) VALUES (1, 0, repeat('0', 64))`);

    // Append-only. The app connects as the table owner in development and tests, and an owner
    // keeps every privilege a REVOKE takes away, so the trigger is what actually refuses; the
    // REVOKE matters in production, where the app runs as a role that is not the owner
    // (docs/SECURITY.md lists the grants).
    await queryRunner.query(`
      CREATE FUNCTION audit_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_event is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
        FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()`);
    await queryRunner.query(`
      CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
        FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change()`);
    await queryRunner.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM PUBLIC`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // DROP TABLE is not refused by the triggers: reverting this migration discards the trail.
    await queryRunner.query(`DROP TABLE audit_chain_head`);
    await queryRunner.query(`DROP TABLE audit_event`);
    await queryRunner.query(`DROP FUNCTION audit_event_refuse_change()`);
  }
}
