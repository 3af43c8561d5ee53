import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Carers acting for a resident: the person's invitation (a code's hash, never the code), and once
 * a carer accepts it, the carer's own sign-in it binds, the sections and whether they may add
 * readings, until it expires or is revoked. Owned by the governance module; docs/SECURITY.md, "Carers".
 */
export class CreateCarerDelegation1795431194340 implements MigrationInterface {
  name = 'CreateCarerDelegation1795431194340';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Keyed to the person by NHS number, like consent: it is what both the person's and the
    // carer's sign-ins (NHS login) vouch for, and it does not move when the identity index
    // merges or splits records. Rows are kept after revocation or expiry: they explain later
    // who could act for the person, when. Sections are the policy's section names; the service
    // checks them against the policy's carer list when inviting.
    await queryRunner.query(`
      CREATE TABLE carer_delegation (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        person_nhs_number text NOT NULL CHECK (person_nhs_number ~ '^[0-9]{10}$'),
        person_name text,
        invitation_code_hash text NOT NULL UNIQUE CHECK (invitation_code_hash ~ '^[0-9a-f]{64}$'),
        invited_at timestamptz NOT NULL,
        invitation_expires_at timestamptz NOT NULL,
        carer_issuer text,
        carer_subject text,
        carer_name text CHECK (char_length(carer_name) BETWEEN 1 AND 200),
        accepted_at timestamptz,
        sections text[] NOT NULL CHECK (cardinality(sections) > 0),
        can_add_readings boolean NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_by text CHECK (revoked_by IN ('person', 'carer', 'superseded')),
        CONSTRAINT carer_delegation_invitation_after_invite CHECK (invitation_expires_at > invited_at),
        CONSTRAINT carer_delegation_expires_after_invite CHECK (expires_at > invited_at),
        CONSTRAINT carer_delegation_accepted_by_someone CHECK (
          (accepted_at IS NULL) = (carer_subject IS NULL) AND (carer_subject IS NULL) = (carer_issuer IS NULL)),
        CONSTRAINT carer_delegation_revoked_by_someone CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
      )`);
    // The guard's one lookup per request with X-Acting-For, and at most one live delegation per
    // carer and person (accepting a new invitation supersedes the old one).
    await queryRunner.query(`
      CREATE UNIQUE INDEX carer_delegation_acting ON carer_delegation (carer_subject, carer_issuer, person_nhs_number)
        WHERE accepted_at IS NOT NULL AND revoked_at IS NULL`);
    // The person's list of their carers, and the carer's list of whom they act for.
    await queryRunner.query(`CREATE INDEX carer_delegation_person ON carer_delegation (person_nhs_number, invited_at DESC)`);
    await queryRunner.query(
      `CREATE INDEX carer_delegation_carer ON carer_delegation (carer_subject, carer_issuer, accepted_at DESC) WHERE accepted_at IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE carer_delegation`);
  }
}
