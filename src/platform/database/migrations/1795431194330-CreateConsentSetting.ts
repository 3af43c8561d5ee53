import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A person's consent settings (opt-out, sections hidden from kinds of organisation, refusing
 * break-glass) and the append-only history of every change to them. Owned by the governance
 * module; docs/SECURITY.md, "Consent".
 */
export class CreateConsentSetting1795431194330 implements MigrationInterface {
  name = 'CreateConsentSetting1795431194330';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Keyed by NHS number, not person id: consent belongs to the person, who knows themself by
    // that number (it is what NHS login vouches for), and it does not change when the identity
    // index merges or splits the records it has placed on persons, so choices never move with a
    // wrong merge nor get lost when one is undone. No row means the defaults (shared, nothing
    // hidden, break-glass allowed). `version` counts the changes, for optimistic concurrency.
    await queryRunner.query(`
      CREATE TABLE consent_setting (
        nhs_number text PRIMARY KEY CHECK (nhs_number ~ '^[0-9]{10}$'),
        opted_out boolean NOT NULL,
        hidden_sections jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(hidden_sections) = 'object'),
        refuses_break_glass boolean NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        updated_at timestamptz NOT NULL,
        updated_by_subject text NOT NULL,
        updated_by_issuer text NOT NULL
      )`);
    // One row per change, with the choices before (null for the first) and after, so a person's
    // settings at any time, and who set them, can be explained later.
    await queryRunner.query(`
      CREATE TABLE consent_change (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        nhs_number text NOT NULL CHECK (nhs_number ~ '^[0-9]{10}$'),
        version integer NOT NULL CHECK (version >= 1),
        before jsonb,
        after jsonb NOT NULL,
        changed_by_subject text NOT NULL,
        changed_by_issuer text NOT NULL,
        changed_at timestamptz NOT NULL,
        request_id text NOT NULL,
        UNIQUE (nhs_number, version)
      )`);
    // Append-only, like the audit trail: the trigger refuses even the owner the app connects as
    // in development; the REVOKE matters where the app runs as a role that is not the owner.
    await queryRunner.query(`
      CREATE FUNCTION consent_change_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'consent_change is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER consent_change_append_only BEFORE UPDATE OR DELETE ON consent_change
        FOR EACH ROW EXECUTE FUNCTION consent_change_refuse_change()`);
    await queryRunner.query(`
      CREATE TRIGGER consent_change_no_truncate BEFORE TRUNCATE ON consent_change
        FOR EACH STATEMENT EXECUTE FUNCTION consent_change_refuse_change()`);
    await queryRunner.query(`REVOKE UPDATE, DELETE, TRUNCATE ON consent_change FROM PUBLIC`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // DROP TABLE is not refused by the triggers: reverting this migration discards the history.
    await queryRunner.query(`DROP TABLE consent_change`);
    await queryRunner.query(`DROP FUNCTION consent_change_refuse_change()`);
    await queryRunner.query(`DROP TABLE consent_setting`);
  }
}
