import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Privacy officers' reviews of break-glass and self-declared access: one row per reviewed audit
 * event. Kept beside the audit trail rather than in it, so the trail stays append-only and its
 * hash chain untouched. Owned by the governance module; docs/SECURITY.md, "Reviewing access".
 */
export class CreateAccessReview1795431194310 implements MigrationInterface {
  name = 'CreateAccessReview1795431194310';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The unique audit_event_id is what refuses a second review, also when two officers race.
    // No foreign key to audit_event: a reference would change how that table answers TRUNCATE
    // (PostgreSQL's foreign key error before its append-only trigger), and audit rows are never
    // removed; the service reads the event in the same transaction before reviewing it.
    await queryRunner.query(`
      CREATE TABLE access_review (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        audit_event_id bigint NOT NULL UNIQUE,
        reviewed_by_subject text NOT NULL,
        reviewed_by_issuer text NOT NULL,
        reviewed_by_name text,
        outcome text NOT NULL CHECK (outcome IN ('appropriate', 'inappropriate', 'needs-follow-up')),
        note text CHECK (char_length(note) <= 1000),
        reviewed_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE access_review`);
  }
}
