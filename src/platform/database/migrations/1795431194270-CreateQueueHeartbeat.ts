import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The last heartbeat job each queue processed: proof that workers are consuming, and their lag. */
export class CreateQueueHeartbeat1795431194270 implements MigrationInterface {
  name = 'CreateQueueHeartbeat1795431194270';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE queue_heartbeat (
        queue text PRIMARY KEY,
        job_id text NOT NULL,
        due_at timestamptz NOT NULL,
        processed_at timestamptz NOT NULL,
        lag_ms integer NOT NULL,
        processed_by text NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE queue_heartbeat`);
  }
}
