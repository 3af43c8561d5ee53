import { isValidNhsNumber, NHS_NUMBER_SYSTEM, normaliseNhsNumber, type R4Patient } from '../../fhir/index.js';

/** What the index keeps of a source's patient record: demographics, never clinical content. */
export interface SourceDemographics {
  /** A valid NHS number (modulus 11): what matching may link on. */
  nhsNumber?: string;
  /** A number the source holds as an NHS number that fails the check: kept for data quality, never linked on. */
  invalidNhsNumber?: string;
  family?: string;
  given?: string;
  middle?: string;
  birthDate?: string;
  gender?: string;
  postcode?: string;
  addressLines?: string[];
  deceased?: string | boolean;
  /** ODS code of the GP practice the source says the person is registered with. */
  gpPracticeCode?: string;
}

const ODS_ORGANISATION_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';

const byUse = (use: string | undefined) => (use === 'usual' ? 0 : use === 'official' ? 1 : use === undefined ? 2 : use === 'old' ? 9 : 5);

/** Demographics of a FHIR R4 Patient: the current name and home address, a valid NHS number. */
export function demographicsOf(patient: R4Patient): SourceDemographics {
  const demographics: SourceDemographics = {};
  const nhs = patient.identifier?.find((identifier) => identifier.system === NHS_NUMBER_SYSTEM && identifier.value);
  if (nhs?.value) {
    if (isValidNhsNumber(nhs.value)) demographics.nhsNumber = normaliseNhsNumber(nhs.value);
    else demographics.invalidNhsNumber = nhs.value.slice(0, 32);
  }
  const name = [...(patient.name ?? [])].filter((candidate) => !candidate.period?.end).sort((a, b) => byUse(a.use) - byUse(b.use))[0];
  if (name?.family) demographics.family = name.family;
  if (name?.given?.[0]) demographics.given = name.given[0];
  if (name?.given && name.given.length > 1) demographics.middle = name.given.slice(1).join(' ');
  if (patient.birthDate) demographics.birthDate = patient.birthDate;
  if (patient.gender) demographics.gender = patient.gender;
  const address = [...(patient.address ?? [])]
    .filter((candidate) => !candidate.period?.end && candidate.use !== 'old')
    .sort((a, b) => (a.use === 'home' ? -1 : b.use === 'home' ? 1 : 0))[0];
  if (address?.postalCode) demographics.postcode = address.postalCode.toUpperCase().replace(/\s+/g, ' ').trim();
  if (address?.line?.length) demographics.addressLines = address.line;
  const practice = patient.generalPractitioner?.find(
    (reference) => reference.identifier?.system === ODS_ORGANISATION_SYSTEM && reference.identifier.value,
  );
  if (practice?.identifier?.value) demographics.gpPracticeCode = practice.identifier.value;
  if (patient.deceasedDateTime) demographics.deceased = patient.deceasedDateTime;
  else if (patient.deceasedBoolean) demographics.deceased = true;
  return demographics;
}
