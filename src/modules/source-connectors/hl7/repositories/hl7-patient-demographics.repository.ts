import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { PatientDemographics } from '../domain/hl7-message-reader.js';

/**
 * The latest demographics each trust sent for each of its local ids. Kept behind this one
 * method so that the identity module (issue 5) can take these over by redirecting it.
 */
@Injectable()
export class Hl7PatientDemographicsRepository {
  /** Upserts; a message older (by inbox id) than the one already recorded never overwrites it. */
  async recordDemographics(
    manager: EntityManager,
    source: { facility: string; localId: string; inboxId: string },
    demographics: PatientDemographics,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO hl7_patient_demographics
         (source_facility, local_id, nhs_number, family_name, given_names, birth_date, sex, postcode, death_date, source_inbox_id, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())
       ON CONFLICT (source_facility, local_id) DO UPDATE SET
         nhs_number = COALESCE(excluded.nhs_number, hl7_patient_demographics.nhs_number),
         family_name = excluded.family_name, given_names = excluded.given_names, birth_date = excluded.birth_date,
         sex = excluded.sex, postcode = excluded.postcode, death_date = excluded.death_date,
         source_inbox_id = excluded.source_inbox_id, updated_at = now()
       WHERE hl7_patient_demographics.source_inbox_id < excluded.source_inbox_id`,
      [
        source.facility,
        source.localId,
        demographics.nhsNumber,
        demographics.familyName,
        demographics.givenNames,
        demographics.birthDate,
        demographics.sex,
        demographics.postcode,
        demographics.deathDate,
        source.inboxId,
      ],
    );
  }
}
