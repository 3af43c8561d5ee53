import { isValidNhsNumber, NHS_NUMBER_SYSTEM } from '../../../fhir/index.js';
import type { SystemDirectory, SystemRecord } from '../../records/system-record.types.js';
import type { SandboxContext } from '../../server/sandbox-context.js';
import { CODE_SYSTEM, EXTENSION, PROFILE } from './gp-connect.constants.js';
import { GpConnectError } from './gp-connect.errors.js';
import type { Clinician, GpPractices, Practice } from './gp-practices.js';
import type { Patient } from './stu3-types.js';

/** A patient as one practice's system holds them. */
export interface GpPatient {
  record: SystemRecord;
  practice: Practice;
  usualGp: Clinician;
}

/**
 * Finds patients in the GP system's own records. Each practice answers for the patients
 * registered with it only, as a GP Connect endpoint does; without a practice the search spans
 * every practice (the sandbox's whole-borough shortcut).
 */
export class GpPatients {
  constructor(
    private readonly context: SandboxContext,
    private readonly practices: GpPractices,
  ) {}

  private get directory(): SystemDirectory {
    return this.context.directories.gp;
  }

  /** The patient whose structured record is asked for, or PATIENT_NOT_FOUND as GP Connect answers. */
  forStructuredRecord(nhsNumber: string, practice: Practice | undefined): GpPatient {
    const candidates = this.registered(nhsNumber, practice);
    // Duplicate registrations hold no clinical items; the primary record answers when there is one.
    const record = candidates.find((candidate) => !candidate.duplicateOf) ?? candidates[0];
    // GP Connect answers PATIENT_NOT_FOUND for deceased patients as for unknown ones.
    if (!record || record.deathDate) {
      throw new GpConnectError(
        'PATIENT_NOT_FOUND',
        practice
          ? `no patient with that NHS number is registered at ${practice.organisation.code}`
          : 'no patient with that NHS number is registered',
      );
    }
    return this.patient(record);
  }

  /** Patient search by NHS number: every registration that carries it, duplicates included. */
  search(nhsNumber: string, practice: Practice | undefined): GpPatient[] {
    return this.registered(nhsNumber, practice)
      .filter((record) => !record.deathDate)
      .map((record) => this.patient(record));
  }

  /** A patient by logical id (the record's local id), if registered at the practice. */
  byId(id: string, practice: Practice | undefined): GpPatient | undefined {
    const record = this.directory.byLocalId.get(id);
    if (!record || (practice && record.organisationCode !== practice.organisation.code)) return undefined;
    return this.patient(record);
  }

  patient(record: SystemRecord): GpPatient {
    const practice = this.practices.get(record.organisationCode);
    if (!practice)
      throw new GpConnectError('INTERNAL_SERVER_ERROR', 'the patient is registered with a practice the GP system does not know');
    return { record, practice, usualGp: this.practices.usualGp(practice, record.localId) };
  }

  /** The registration start as the practice system holds it (the person's registration with it). */
  registeredFrom(record: SystemRecord): string | undefined {
    const person = this.context.people.get(record.personId);
    return person?.gp?.practiceCode === record.organisationCode ? person.gp.registeredFrom : undefined;
  }

  patientResource(patient: GpPatient): Patient {
    const { record, practice, usualGp } = patient;
    const registeredFrom = this.registeredFrom(record);
    const givenNames = record.middle ? [record.given, record.middle] : [record.given];
    return {
      resourceType: 'Patient',
      id: record.localId,
      meta: { versionId: '1', profile: [PROFILE.patient] },
      extension: [
        {
          url: EXTENSION.registrationDetails,
          extension: [
            ...(registeredFrom ? [{ url: 'registrationPeriod', valuePeriod: { start: registeredFrom } }] : []),
            {
              url: 'registrationType',
              valueCodeableConcept: {
                coding: [{ system: 'https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-RegistrationType-1', code: 'R', display: 'Regular' }],
              },
            },
          ],
        },
      ],
      ...(record.nhsNumber
        ? {
            identifier: [
              {
                extension: [
                  {
                    url: EXTENSION.nhsNumberVerificationStatus,
                    valueCodeableConcept: {
                      coding: [{ system: CODE_SYSTEM.nhsNumberVerificationStatus, code: '01', display: 'Number present and verified' }],
                    },
                  },
                ],
                system: NHS_NUMBER_SYSTEM,
                value: record.nhsNumber,
              },
            ],
          }
        : {}),
      active: true,
      name: [
        {
          use: 'official',
          text: `${record.family.toUpperCase()} ${givenNames.join(' ')}${record.title ? ` (${record.title})` : ''}`,
          family: record.family,
          given: givenNames,
          ...(record.title ? { prefix: [record.title] } : {}),
        },
      ],
      ...(record.phone ? { telecom: [{ system: 'phone', value: record.phone, use: 'home' }] } : {}),
      gender: record.sex,
      birthDate: record.birthDate,
      ...(record.deathDate ? { deceasedDateTime: record.deathDate } : {}),
      address: [
        { use: 'home', type: 'physical', line: record.address.lines, city: record.address.town, postalCode: record.address.postcode },
      ],
      generalPractitioner: [{ reference: `Practitioner/${usualGp.practitionerId}` }],
      managingOrganization: { reference: `Organization/${practice.organizationId}` },
    };
  }

  private registered(nhsNumber: string, practice: Practice | undefined): SystemRecord[] {
    const records = this.directory.byNhsNumber.get(nhsNumber) ?? [];
    return practice ? records.filter((record) => record.organisationCode === practice.organisation.code) : records;
  }
}

/** Validates an NHS number given to the GP system: ten digits with a good check digit, or INVALID_NHS_NUMBER. */
export function requireNhsNumber(value: unknown): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (!isValidNhsNumber(text) || !/^\d{10}$/.test(text)) {
    throw new GpConnectError('INVALID_NHS_NUMBER', 'the NHS number must be ten digits with a valid modulus 11 check digit');
  }
  return text;
}
