import { NHS_NUMBER_SYSTEM } from '../../../fhir/index.js';
import type { PostalAddress } from '../../population/population.types.js';
import { hashSeed } from '../../population/random.js';
import type { Address, Extension, HumanName, Patient } from './pds-fhir-types.js';
import type { PdsEntry } from './pds-index.js';

export const ODS_ORGANISATION_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';
export const NHS_NUMBER_VERIFICATION_URL = 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus';
export const DEATH_NOTIFICATION_URL = 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-DeathNotificationStatus';
export const CONFIDENTIALITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';

/**
 * `read`: the whole record, former names and addresses included, as a retrieval by NHS number
 * returns it. `search`: what a search match carries, only the usual name and the home address.
 */
export type PdsView = 'read' | 'search';

/** The PDS Patient resource for an entry, shaped like the PDS fixtures. */
export function pdsPatient(entry: PdsEntry, view: PdsView): Patient {
  const { record, nhsNumber } = entry;
  const patient: Patient = {
    resourceType: 'Patient',
    id: nhsNumber,
    identifier: [
      {
        system: NHS_NUMBER_SYSTEM,
        value: nhsNumber,
        extension: [
          {
            url: NHS_NUMBER_VERIFICATION_URL,
            valueCodeableConcept: {
              coding: [
                {
                  system: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatus',
                  version: '1.0.0',
                  code: '01',
                  display: 'Number present and verified',
                },
              ],
            },
          },
        ],
      },
    ],
    meta: {
      versionId: String(entry.version),
      security: [
        entry.restricted
          ? { system: CONFIDENTIALITY_SYSTEM, code: 'R', display: 'restricted' }
          : { system: CONFIDENTIALITY_SYSTEM, code: 'U', display: 'unrestricted' },
      ],
    },
    name: names(entry, view),
    gender: record.sex,
    birthDate: record.birthDate,
  };
  if (entry.birthOrder) patient.multipleBirthInteger = entry.birthOrder;
  if (record.deathDate) {
    patient.deceasedDateTime = `${record.deathDate}T00:00:00+00:00`;
    patient.extension = [deathNotification(record.deathDate)];
  }
  // A restricted record never shows where the patient lives or who treats them.
  if (entry.restricted) return patient;

  patient.address = addresses(entry, view);
  if (record.phone) {
    patient.telecom = [
      {
        id: elementId(nhsNumber, 'telecom', 0),
        period: { start: entry.addressFrom ?? record.birthDate },
        system: 'phone',
        value: record.phone,
        use: 'home',
      },
    ];
  }
  if (entry.gp) {
    patient.generalPractitioner = [
      {
        id: elementId(nhsNumber, 'gp', 0),
        type: 'Organization',
        identifier: { system: ODS_ORGANISATION_SYSTEM, value: entry.gp.practiceCode, period: { start: entry.gp.registeredFrom } },
      },
    ];
  }
  return patient;
}

function names(entry: PdsEntry, view: PdsView): HumanName[] {
  const { record, nhsNumber } = entry;
  const current: HumanName = {
    id: elementId(nhsNumber, 'name', 0),
    use: 'usual',
    period: { start: entry.renamedOn ?? record.birthDate },
    given: entry.givenNames,
    family: record.family,
    ...(record.title ? { prefix: [record.title] } : {}),
  };
  if (view === 'search') return [current];
  const formerTitle = record.title === 'Mrs' ? 'Miss' : record.title;
  const former = entry.formerFamilies.map((family, index): HumanName => ({
    id: elementId(nhsNumber, 'name', index + 1),
    use: 'old',
    period: { start: record.birthDate, ...(entry.renamedOn ? { end: entry.renamedOn } : {}) },
    given: entry.givenNames,
    family,
    ...(formerTitle ? { prefix: [formerTitle] } : {}),
  }));
  return [current, ...former];
}

function addresses(entry: PdsEntry, view: PdsView): Address[] {
  const { record, nhsNumber } = entry;
  const home: Address = {
    id: elementId(nhsNumber, 'address', entry.formerAddresses.length),
    period: { start: entry.addressFrom ?? record.birthDate },
    use: 'home',
    ...addressLines(record.address),
  };
  if (view === 'search') return [home];
  const former = entry.formerAddresses.map((period, index): Address => ({
    id: elementId(nhsNumber, 'address', index),
    period: { start: period.from, ...(period.to ? { end: period.to } : {}) },
    use: 'home',
    ...addressLines(period.address),
  }));
  // Newest first, as PDS lists them.
  return [home, ...former.reverse()];
}

function addressLines(address: PostalAddress): Pick<Address, 'line' | 'postalCode'> {
  return { line: [...address.lines, address.town], postalCode: address.postcode };
}

function deathNotification(deathDate: string): Extension {
  return {
    url: DEATH_NOTIFICATION_URL,
    extension: [
      {
        url: 'deathNotificationStatus',
        valueCodeableConcept: {
          coding: [
            {
              system: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-DeathNotificationStatus',
              version: '1.0.0',
              code: '2',
              display: 'Formal - death notice received from Registrar of Deaths',
            },
          ],
        },
      },
      { url: 'systemEffectiveDate', valueDateTime: `${deathDate}T00:00:00+00:00` },
    ],
  };
}

/** Stable eight-character ids for names, addresses and contacts, like PDS's ("EC093519"). */
function elementId(nhsNumber: string, kind: string, index: number): string {
  return (hashSeed(0, nhsNumber, kind, index) >>> 0).toString(16).toUpperCase().padStart(8, '0');
}
