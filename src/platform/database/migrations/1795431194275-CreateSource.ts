import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The source registry: every system the hub reaches. Credentials are never stored: only the
 * names of the environment variables that hold them.
 */
export class CreateSource1795431194275 implements MigrationInterface {
  name = 'CreateSource1795431194275';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE source (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organisation_code text NOT NULL,
        name text NOT NULL,
        kind text NOT NULL,
        protocol text NOT NULL,
        base_url text NOT NULL,
        authentication jsonb NOT NULL DEFAULT '{"type":"none"}',
        timeout_ms integer NOT NULL DEFAULT 5000 CHECK (timeout_ms BETWEEN 100 AND 120000),
        enabled boolean NOT NULL DEFAULT true,
        capabilities jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT source_organisation_kind UNIQUE (organisation_code, kind)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE source`);
  }
}
