import { Field, Float, ID, InputType, ObjectType } from '@nestjs/graphql';

import type { R4Patient } from '../../../fhir/index.js';
import type { PeopleSearchHit } from '../../record-aggregation/index.js';

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
