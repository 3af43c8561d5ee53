import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where each source's background sync into the identity index has got to: the cursor it resumes
 * from after a crash. Owned by identity-matching, which runs the sync through source-connectors.
 */
export class CreateSourceSyncState1795431194277 implements MigrationInterface {
  name = 'CreateSourceSyncState1795431194277';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE source_sync_state (
        source_id uuid PRIMARY KEY REFERENCES source (id),
        cursor text,
        status text NOT NULL DEFAULT 'idle',
        runs integer NOT NULL DEFAULT 0,
        identities_seen bigint NOT NULL DEFAULT 0,
        last_started_at timestamptz,
        last_finished_at timestamptz,
        last_error text
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE source_sync_state`);
  }
}
