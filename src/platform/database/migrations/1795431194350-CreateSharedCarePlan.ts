import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Shared care plans the hub hosts as a source of its own (urgent care, end of life, crisis):
 * the plan, and every version of it as the FHIR R4 CarePlan it was, with who wrote it and why.
 * Owned by the record-aggregation module; docs/AGGREGATION.md, "Shared care plans".
 */
export class CreateSharedCarePlan1795431194350 implements MigrationInterface {
  name = 'CreateSharedCarePlan1795431194350';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Keyed by NHS number, like consent and carers: stable when the identity index merges or
    // splits records. Kinds are the domain's list (shared-care-plan.ts).
    await queryRunner.query(`
      CREATE TABLE shared_care_plan (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        nhs_number text NOT NULL CHECK (nhs_number ~ '^[0-9]{10}$'),
        kind text NOT NULL CHECK (kind IN ('urgent-care', 'end-of-life', 'crisis', 'other')),
        status text NOT NULL CHECK (status IN ('active', 'revoked')),
        current_version integer NOT NULL CHECK (current_version >= 1),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // The hosted source's one query: a person's active plans.
    await queryRunner.query(`CREATE INDEX shared_care_plan_person ON shared_care_plan (nhs_number) WHERE status = 'active'`);
    // Append-only in use: the app inserts a version per change and never updates one.
    await queryRunner.query(`
      CREATE TABLE shared_care_plan_version (
        plan_id uuid NOT NULL REFERENCES shared_care_plan (id),
        version integer NOT NULL CHECK (version >= 1),
        resource jsonb NOT NULL,
        author_subject text NOT NULL,
        author_issuer text NOT NULL,
        author_name text,
        author_organisation text,
        author_role text NOT NULL,
        change_note text CHECK (char_length(change_note) <= 500),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (plan_id, version)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE shared_care_plan_version`);
    await queryRunner.query(`DROP TABLE shared_care_plan`);
  }
}
