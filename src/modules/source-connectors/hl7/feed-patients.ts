import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import { NHS_NUMBER_SYSTEM, type R4Patient } from '../../../fhir/index.js';
import { defineJob, QueueName } from '../../../platform/queue/index.js';
import { SourceRegistry } from '../registry/source-registry.service.js';

export type FeedPatientChangedData = { facility: string; localId: string };

/**
 * Announced after a feed message changed what the hub knows of a patient's demographics. The
 * identity index handles it (identity-matching may use source-connectors; not the other way),
 * so a feed's demographics reach the source identity without this module knowing who listens.
 */
export const feedPatientChanged = defineJob<FeedPatientChangedData>({
  name: 'source-connectors.feed-patient-changed',
  queue: QueueName.SourceSync,
  options: { attempts: 5 },
});

/** A patient as a feed last described them, and the registered source that feed belongs to. */
export interface FeedPatient {
  sourceId: string;
  patient: R4Patient;
}

@Injectable()
export class FeedPatients {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: SourceRegistry,
  ) {}

  /**
   * The feed's latest demographics as a FHIR R4 Patient, under the registered source whose
   * organisation sent the feed; undefined when nothing is known or no source is registered.
   */
  async patient(facility: string, localId: string): Promise<FeedPatient | undefined> {
    const sources = (await this.registry.list()).filter(
      (source) => source.organisationCode === facility && source.kind !== 'gp' && source.kind !== 'pds',
    );
    const source = sources.find((candidate) => candidate.capabilities.changeFeed === 'hl7v2') ?? sources[0];
    if (!source) return undefined;
    const rows: Array<{
      nhs_number: string | null;
      family_name: string | null;
      given_names: string | null;
      birth_date: string | null;
      sex: string | null;
      postcode: string | null;
      death_date: string | null;
    }> = await this.dataSource.query(
      `SELECT nhs_number, family_name, given_names, to_char(birth_date, 'YYYY-MM-DD') AS birth_date, sex, postcode,
              to_char(death_date, 'YYYY-MM-DD') AS death_date
       FROM hl7_patient_demographics WHERE source_facility = $1 AND local_id = $2`,
      [facility, localId],
    );
    const row = rows[0];
    if (!row) return undefined;
    const patient: R4Patient = {
      resourceType: 'Patient',
      id: localId,
      identifier: row.nhs_number ? [{ system: NHS_NUMBER_SYSTEM, value: row.nhs_number }] : [],
      ...(row.family_name || row.given_names
        ? {
            name: [
              {
                use: 'usual',
                ...(row.family_name ? { family: row.family_name } : {}),
                ...(row.given_names ? { given: row.given_names.split(/\s+/) } : {}),
              },
            ],
          }
        : {}),
      ...(row.sex ? { gender: row.sex === 'M' ? 'male' : row.sex === 'F' ? 'female' : row.sex === 'O' ? 'other' : 'unknown' } : {}),
      ...(row.birth_date ? { birthDate: row.birth_date } : {}),
      ...(row.postcode ? { address: [{ use: 'home', postalCode: row.postcode }] } : {}),
      ...(row.death_date ? { deceasedDateTime: row.death_date } : {}),
    };
    return { sourceId: source.id, patient };
  }
}
