import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Jobs that failed their last attempt: kept in PostgreSQL (Redis may be volatile) for re-drive. */
export class CreateDeadLetter1795431194269 implements MigrationInterface {
  name = 'CreateDeadLetter1795431194269';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE dead_letter (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        queue text NOT NULL,
        job_name text NOT NULL,
        job_id text NOT NULL,
        payload jsonb NOT NULL,
        failure_reason text NOT NULL,
        attempts_made integer NOT NULL,
        failed_at timestamptz NOT NULL,
        redriven_at timestamptz,
        redrive_job_id text,
        CONSTRAINT dead_letter_queue_job_id_key UNIQUE (queue, job_id)
      )`);
    await queryRunner.query(`CREATE INDEX dead_letter_open_idx ON dead_letter (failed_at DESC) WHERE redriven_at IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE dead_letter`);
  }
}
