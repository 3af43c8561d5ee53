import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The HL7 v2 feed: the durable inbox every message is committed to before it is acknowledged,
 * and what processing records (care events, the latest demographics per local id, merges).
 */
export class CreateHl7Inbox1795431194280 implements MigrationInterface {
  name = 'CreateHl7Inbox1795431194280';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE hl7_inbox (
        id bigserial PRIMARY KEY,
        sending_application text NOT NULL,
        sending_facility text NOT NULL,
        control_id text NOT NULL,
        message_type text NOT NULL,
        trigger_event text NOT NULL,
        patient_key text,
        raw_message text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        status text NOT NULL CHECK (status IN ('received', 'processed', 'failed', 'duplicate')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        processed_at timestamptz
      )`);
    // One effect per (sending facility, MSH-10); repeats are kept as 'duplicate' rows for audit.
    await queryRunner.query(
      `CREATE UNIQUE INDEX hl7_inbox_sender_control_id ON hl7_inbox (sending_facility, control_id) WHERE status <> 'duplicate'`,
    );
    await queryRunner.query(`CREATE INDEX hl7_inbox_patient_pending ON hl7_inbox (patient_key, id) WHERE status = 'received'`);
    await queryRunner.query(`CREATE INDEX hl7_inbox_pending ON hl7_inbox (received_at) WHERE status = 'received'`);
    await queryRunner.query(`
      CREATE TABLE care_event (
        id bigserial PRIMARY KEY,
        inbox_id bigint NOT NULL UNIQUE REFERENCES hl7_inbox (id),
        source_facility text NOT NULL,
        kind text NOT NULL,
        message_type text NOT NULL,
        patient_local_id text NOT NULL,
        patient_id_authority text,
        nhs_number text,
        event_time timestamptz,
        visit_number text,
        result_id text,
        discharge_disposition text,
        recorded_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX care_event_patient ON care_event (source_facility, patient_local_id, id)`);
    await queryRunner.query(`CREATE INDEX care_event_nhs_number ON care_event (nhs_number) WHERE nhs_number IS NOT NULL`);
    await queryRunner.query(`
      CREATE TABLE hl7_patient_demographics (
        source_facility text NOT NULL,
        local_id text NOT NULL,
        nhs_number text,
        family_name text,
        given_names text,
        birth_date date,
        sex text,
        postcode text,
        death_date date,
        source_inbox_id bigint NOT NULL REFERENCES hl7_inbox (id),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (source_facility, local_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE hl7_patient_merge (
        id bigserial PRIMARY KEY,
        inbox_id bigint NOT NULL REFERENCES hl7_inbox (id),
        source_facility text NOT NULL,
        prior_local_id text NOT NULL,
        surviving_local_id text NOT NULL,
        care_events_moved integer NOT NULL,
        merged_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (inbox_id, prior_local_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE hl7_patient_merge`);
    await queryRunner.query(`DROP TABLE hl7_patient_demographics`);
    await queryRunner.query(`DROP TABLE care_event`);
    await queryRunner.query(`DROP TABLE hl7_inbox`);
  }
}
