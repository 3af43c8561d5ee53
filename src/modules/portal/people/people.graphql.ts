import { Field, Float, ID, InputType, ObjectType } from '@nestjs/graphql';
import { GraphQLJSONObject } from 'graphql-scalars';

import type { R4Patient } from '../../../fhir/index.js';
import type { GovernedDemographics, PeopleSearchHit } from '../../record-aggregation/index.js';
import { RecordConflictType, toConflict } from '../record/record.graphql.js';

// Finding a person: the criteria, and each person found with their demographics only when the
// caller may see them.

@InputType('PeopleSearchInput', {
  description: 'An NHS number; or a family name with a date of birth; or family and given names with a postcode. Names may be misspelt.',
})
export class PeopleSearchInput {
  @Field({ nullable: true, description: 'Ten digits; spaces are ignored.' })
  nhsNumber?: string;
  @Field({ nullable: true })
  family?: string;
  @Field({ nullable: true })
  given?: string;
  @Field({ nullable: true, description: 'YYYY-MM-DD.' })
  birthDate?: string;
  @Field({ nullable: true })
  postcode?: string;
}

@ObjectType('PersonDemographics', { description: 'Who the person is, from the most authoritative of their linked records.' })
export class PersonDemographicsType {
  @Field(() => [String])
  nhsNumbers: string[];
  @Field({ nullable: true })
  family?: string;
  @Field(() => [String])
  given: string[];
  @Field({ nullable: true })
  birthDate?: string;
  @Field({ nullable: true, description: 'male, female, other or unknown.' })
  gender?: string;
  @Field({ nullable: true, description: 'Never shown for a restricted record.' })
  postcode?: string;
}

@ObjectType('PeopleSearchResult')
export class PeopleSearchResultType {
  @Field(() => ID)
  personId: string;
  @Field(() => Float, { description: 'How likely this is the person described (1 for an NHS number).' })
  probability: number;
  @Field({ description: "'allowed', or the policy's reason you may not see this person (break glass or declare a relationship to)." })
  access: string;
  @Field(() => PersonDemographicsType, { nullable: true, description: 'Only when you may see them.' })
  demographics?: PersonDemographicsType;
}

export function toDemographics(patient: R4Patient): PersonDemographicsType {
  const name = patient.name?.[0];
  const postcode = patient.address?.[0]?.postalCode;
  return {
    nhsNumbers: (patient.identifier ?? []).flatMap((identifier) => (identifier.value ? [identifier.value] : [])),
    ...(name?.family ? { family: name.family } : {}),
    given: name?.given ?? [],
    ...(patient.birthDate ? { birthDate: patient.birthDate } : {}),
    ...(patient.gender ? { gender: patient.gender } : {}),
    ...(postcode ? { postcode } : {}),
  };
}

export const toSearchResult = (hit: PeopleSearchHit): PeopleSearchResultType => ({
  personId: hit.personId,
  probability: hit.probability,
  access: hit.access,
  ...(hit.patient ? { demographics: toDemographics(hit.patient) } : {}),
});

@ObjectType('SourceDemographics', { description: 'What one linked source says of the person.' })
export class SourceDemographicsType {
  @Field(() => ID)
  sourceId: string;
  @Field()
  name: string;
  @Field({ description: 'ODS code of the organisation holding the record.' })
  organisationCode: string;
  @Field()
  kind: string;
  @Field({ nullable: true })
  nhsNumber?: string;
  @Field({ nullable: true })
  family?: string;
  @Field({ nullable: true })
  given?: string;
  @Field({ nullable: true })
  birthDate?: string;
  @Field({ nullable: true })
  sex?: string;
  @Field({ nullable: true })
  postcode?: string;
}

@ObjectType('PersonDetails', { description: "A person's demographics as you may see them, with where their sources disagree." })
export class PersonDetailsType {
  @Field(() => PersonDemographicsType, { description: 'From the most authoritative linked record (the spine, then the GP, ...).' })
  current: PersonDemographicsType;
  @Field(() => [SourceDemographicsType], { description: 'What each linked source says, most authoritative first.' })
  sources: SourceDemographicsType[];
  @Field(() => [RecordConflictType], { description: 'Linked records disagreeing (dates of birth).' })
  conflicts: RecordConflictType[];
  @Field(() => GraphQLJSONObject, { description: 'The same as a FHIR R4 Patient (UK Core conventions).' })
  patient: Record<string, unknown>;
}

export function toPersonDetails(demographics: GovernedDemographics): PersonDetailsType {
  return {
    current: toDemographics(demographics.patient),
    sources: demographics.identities.map((identity) => ({
      sourceId: identity.sourceId,
      name: identity.name,
      organisationCode: identity.organisationCode,
      kind: identity.kind,
      ...present({
        nhsNumber: identity.nhsNumber,
        family: identity.family,
        given: identity.given,
        birthDate: identity.birthDate,
        sex: identity.sex,
        postcode: identity.postcode,
      }),
    })),
    conflicts: demographics.conflicts.map(toConflict),
    patient: demographics.patient as unknown as Record<string, unknown>,
  };
}

const present = (fields: Record<string, string | null>): Record<string, string> =>
  Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== null));
