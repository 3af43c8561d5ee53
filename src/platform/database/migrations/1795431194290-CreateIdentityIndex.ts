import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The master person index: persons, the links that join source identities to them, reviews for
 * stewards, the full history of every change, and the trained match models. Owned by the
 * identity-matching module.
 */
export class CreateIdentityIndex1795431194290 implements MigrationInterface {
  name = 'CreateIdentityIndex1795431194290';

  async up(queryRunner: QueryRunner): Promise<void> {
    // What the matcher keeps per identity: its normalised record, its blocking keys (served by a
    // GIN index) and the NHS number a confident PDS trace supplied.
    await queryRunner.query(`
      ALTER TABLE source_identity
        ADD COLUMN match_record jsonb,
        ADD COLUMN match_keys text[] NOT NULL DEFAULT '{}',
        ADD COLUMN traced_nhs_number text,
        ADD COLUMN trace_status text,
        ADD COLUMN traced_at timestamptz`);
    await queryRunner.query(`CREATE INDEX source_identity_match_keys ON source_identity USING gin (match_keys)`);
    await queryRunner.query(
      `CREATE INDEX source_identity_traced_nhs ON source_identity (traced_nhs_number) WHERE traced_nhs_number IS NOT NULL`,
    );

    await queryRunner.query(`
      CREATE TABLE person (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now(),
        state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'merged')),
        merged_into uuid REFERENCES person (id),
        CONSTRAINT person_merged_has_survivor CHECK ((state = 'merged') = (merged_into IS NOT NULL))
      )`);

    await queryRunner.query(`
      CREATE TABLE identity_link (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        person_id uuid NOT NULL REFERENCES person (id),
        source_identity_id uuid NOT NULL REFERENCES source_identity (id) ON DELETE CASCADE,
        method text NOT NULL CHECK (method IN ('nhs-number', 'probabilistic', 'manual', 'pds-trace')),
        score double precision NOT NULL,
        explanation jsonb NOT NULL,
        state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'ended')),
        created_at timestamptz NOT NULL DEFAULT now(),
        ended_at timestamptz,
        created_by_event bigint,
        ended_by_event bigint
      )`);
    // Every matched identity belongs to exactly one person at a time.
    await queryRunner.query(`CREATE UNIQUE INDEX identity_link_one_active ON identity_link (source_identity_id) WHERE state = 'active'`);
    await queryRunner.query(`CREATE INDEX identity_link_person_active ON identity_link (person_id) WHERE state = 'active'`);

    await queryRunner.query(`
      CREATE TABLE match_review (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        source_identity_id uuid NOT NULL REFERENCES source_identity (id) ON DELETE CASCADE,
        candidate_person_id uuid NOT NULL REFERENCES person (id),
        reason text NOT NULL CHECK (reason IN ('probable-match', 'nhs-number-demographics-disagree', 'cluster-contradiction')),
        score double precision NOT NULL,
        explanation jsonb NOT NULL,
        data_quality_alert boolean NOT NULL DEFAULT false,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected', 'superseded')),
        created_at timestamptz NOT NULL DEFAULT now(),
        decided_at timestamptz,
        decided_by text,
        decision_note text
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX match_review_one_pending ON match_review (source_identity_id, candidate_person_id) WHERE status = 'pending'`,
    );
    await queryRunner.query(`CREATE INDEX match_review_status_created ON match_review (status, created_at)`);
    // A merge closes the pending reviews it answers, found by candidate.
    await queryRunner.query(`CREATE INDEX match_review_candidate_pending ON match_review (candidate_person_id) WHERE status = 'pending'`);
    // The matcher asks, for every identity it scores, which persons a steward said it is not.
    await queryRunner.query(`CREATE INDEX match_review_rejected ON match_review (source_identity_id) WHERE status = 'rejected'`);

    await queryRunner.query(`
      CREATE TABLE identity_event (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        kind text NOT NULL CHECK (kind IN ('link', 'unlink', 'merge', 'unmerge', 'review-opened', 'review-accepted',
                                           'review-rejected', 'undo', 'nhs-number-traced')),
        person_id uuid,
        other_person_id uuid,
        source_identity_id uuid,
        link_id uuid,
        review_id uuid,
        actor text NOT NULL,
        reason text,
        detail jsonb NOT NULL DEFAULT '{}',
        undoes bigint REFERENCES identity_event (id),
        undone_by bigint REFERENCES identity_event (id)
      )`);
    await queryRunner.query(`CREATE INDEX identity_event_person ON identity_event (person_id)`);
    await queryRunner.query(`CREATE INDEX identity_event_other_person ON identity_event (other_person_id)`);
    await queryRunner.query(`CREATE INDEX identity_event_source_identity ON identity_event (source_identity_id)`);
    // Undo finds the events that were part of a change, and the merges since one, without a scan.
    await queryRunner.query(
      `CREATE INDEX identity_event_part_of ON identity_event ((detail->>'partOf')) WHERE (detail->>'partOf') IS NOT NULL`,
    );
    await queryRunner.query(`CREATE INDEX identity_event_moves ON identity_event (id) WHERE detail ? 'moved'`);

    await queryRunner.query(`
      CREATE TABLE match_model (
        version serial PRIMARY KEY,
        trained_at timestamptz NOT NULL DEFAULT now(),
        parameters jsonb NOT NULL,
        summary jsonb NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE match_model`);
    await queryRunner.query(`DROP TABLE identity_event`);
    await queryRunner.query(`DROP TABLE match_review`);
    await queryRunner.query(`DROP TABLE identity_link`);
    await queryRunner.query(`DROP TABLE person`);
    await queryRunner.query(`DROP INDEX source_identity_traced_nhs`);
    await queryRunner.query(`DROP INDEX source_identity_match_keys`);
    await queryRunner.query(`
      ALTER TABLE source_identity
        DROP COLUMN traced_at,
        DROP COLUMN trace_status,
        DROP COLUMN traced_nhs_number,
        DROP COLUMN match_keys,
        DROP COLUMN match_record`);
  }
}
