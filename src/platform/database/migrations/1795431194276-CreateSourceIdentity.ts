import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each source's record of a person as last seen (demographics only, no clinical content): what
 * the master person index links. Owned by the identity-matching module.
 */
export class CreateSourceIdentity1795431194276 implements MigrationInterface {
  name = 'CreateSourceIdentity1795431194276';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE source_identity (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        source_id uuid NOT NULL REFERENCES source (id),
        local_id text NOT NULL,
        nhs_number text,
        family text,
        given text,
        birth_date date,
        gender text,
        postcode text,
        demographics jsonb NOT NULL,
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        changed_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT source_identity_local UNIQUE (source_id, local_id)
      )`);
    await queryRunner.query(`CREATE INDEX source_identity_nhs_number ON source_identity (nhs_number) WHERE nhs_number IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX source_identity_family_birth ON source_identity (lower(family), birth_date)`);
    // GP Connect scans: who any source says is registered with a practice.
    await queryRunner.query(`CREATE INDEX source_identity_gp_practice ON source_identity ((demographics->>'gpPracticeCode'), nhs_number)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE source_identity`);
  }
}
