import { NHS_NUMBER_SYSTEM, type R4Patient } from '../../../fhir/index.js';
import type { SourceKind } from '../../source-connectors/index.js';
import type { SourceSummary } from './record.types.js';

// A person's demographics as the hub can show them without copying anyone's record: what each
// linked source says of the person (held in the identity index), and one FHIR R4 Patient made of
// the most authoritative of them.

/** One linked source's demographics of the person. */
export interface IdentityDemographics extends SourceSummary {
  localId: string;
  nhsNumber: string | null;
  given: string | null;
  family: string | null;
  birthDate: string | null;
  /** male, female, other or unknown, as the source said. */
  sex: string | null;
  postcode: string | null;
}

// The national spine's record first, then the GP's (the registered list is kept up to date),
// then the trusts', then social care's.
const AUTHORITY: Record<SourceKind, number> = {
  pds: 0,
  gp: 1,
  acute: 2,
  'mental-health': 3,
  community: 4,
  'social-care': 5,
  phr: 6,
  'shared-care': 7,
};
const GENDERS = new Set(['male', 'female', 'other', 'unknown']);

/** The most authoritative identity first; ties by organisation code then local id, so the choice is stable. */
export function byAuthority(identities: readonly IdentityDemographics[]): IdentityDemographics[] {
  return [...identities].sort(
    (a, b) =>
      AUTHORITY[a.kind] - AUTHORITY[b.kind] || a.organisationCode.localeCompare(b.organisationCode) || a.localId.localeCompare(b.localId),
  );
}

/**
 * One Patient (UK Core conventions) for the person: every NHS number the index holds, and each
 * field from the most authoritative identity that has it. The person's hub id is the Patient id.
 */
export function patientOf(personId: string, nhsNumbers: readonly string[], identities: readonly IdentityDemographics[]): R4Patient {
  const ranked = byAuthority(identities);
  const first = <K extends keyof IdentityDemographics>(field: K) => ranked.find((identity) => identity[field])?.[field] ?? undefined;
  const named = ranked.find((identity) => identity.family || identity.given);
  const sex = first('sex');
  const birthDate = first('birthDate');
  const postcode = first('postcode');
  const patient: R4Patient = {
    resourceType: 'Patient',
    id: personId,
    identifier: nhsNumbers.map((value) => ({ system: NHS_NUMBER_SYSTEM, value })),
  };
  if (named)
    patient.name = [
      {
        use: 'usual',
        ...(named.family ? { family: named.family } : {}),
        ...(named.given ? { given: named.given.split(/\s+/) } : {}),
      },
    ];
  if (typeof sex === 'string' && GENDERS.has(sex)) patient.gender = sex as R4Patient['gender'];
  if (typeof birthDate === 'string') patient.birthDate = birthDate;
  if (typeof postcode === 'string') patient.address = [{ use: 'home', postalCode: postcode }];
  return patient;
}
