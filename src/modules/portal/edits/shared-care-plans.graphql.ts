import { Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { GraphQLJSONObject } from 'graphql-scalars';

import type { SharedCarePlanHistoryEntry, SharedCarePlanInput, SharedCarePlanView } from '../../record-aggregation/index.js';

export enum SharedCarePlanKindValue {
  urgentCare = 'urgent-care',
  endOfLife = 'end-of-life',
  crisis = 'crisis',
  other = 'other',
}
registerEnumType(SharedCarePlanKindValue, { name: 'SharedCarePlanKind', description: 'What a shared care plan is for.' });

export enum SharedCarePlanStatusValue {
  active = 'active',
  revoked = 'revoked',
}
registerEnumType(SharedCarePlanStatusValue, {
  name: 'SharedCarePlanStatus',
  description: 'Active plans show in the record; revoked ones only in their history.',
});

@InputType('CodedConceptInput', { description: 'A SNOMED CT concept: its id and how to show it.' })
export class CodedConceptInput {
  @Field()
  code: string;

  @Field()
  display: string;
}

@InputType('SharedCarePlanInput', { description: 'The whole plan, each time: every version is complete.' })
export class SharedCarePlanInputType {
  @Field({ description: 'At most 200 characters.' })
  title: string;

  @Field(() => SharedCarePlanKindValue)
  kind: SharedCarePlanKindValue;

  @Field(() => String, { nullable: true, description: 'Plain text, at most 4,000 characters.' })
  description?: string | null;

  @Field(() => [String], { nullable: true, description: 'What is to be done, one plain-text activity each (at most 50).' })
  activities?: string[] | null;

  @Field({ description: 'YYYY-MM-DD.' })
  periodStart: string;

  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD; open-ended when absent.' })
  periodEnd?: string | null;

  @Field(() => [CodedConceptInput], { nullable: true, description: 'Conditions the plan is for (SNOMED CT, at most 20).' })
  addresses?: CodedConceptInput[] | null;

  @Field(() => String, { nullable: true, description: 'What changed and why, for the history (at most 500 characters).' })
  changeNote?: string | null;
}

@ObjectType('SharedCarePlan', { description: 'A shared care plan as it stands after a change.' })
export class SharedCarePlanType {
  @Field(() => ID)
  id: string;

  @Field(() => ID)
  personId: string;

  @Field(() => SharedCarePlanKindValue)
  kind: SharedCarePlanKindValue;

  @Field(() => SharedCarePlanStatusValue)
  status: SharedCarePlanStatusValue;

  @Field(() => Int, { description: 'The current version: pass it as expectedVersion to change the plan.' })
  version: number;

  @Field()
  createdAt: Date;

  @Field()
  updatedAt: Date;

  @Field(() => GraphQLJSONObject, { description: 'The FHIR R4 CarePlan of this version.' })
  resource: Record<string, unknown>;
}

@ObjectType('SharedCarePlanAuthor')
export class SharedCarePlanAuthorType {
  @Field(() => String, { nullable: true })
  name: string | null;

  @Field({ description: 'The hub role they edited as (clinician, social-worker).' })
  role: string;

  @Field(() => String, { nullable: true, description: 'ODS code of the organisation they acted for.' })
  organisationCode: string | null;
}

@ObjectType('SharedCarePlanVersion', { description: 'One version: who made it, when, and what they said of the change.' })
export class SharedCarePlanVersionType {
  @Field(() => Int)
  version: number;

  @Field(() => SharedCarePlanStatusValue)
  status: SharedCarePlanStatusValue;

  @Field(() => String, { nullable: true })
  changeNote: string | null;

  @Field(() => SharedCarePlanAuthorType)
  author: SharedCarePlanAuthorType;

  @Field()
  createdAt: Date;

  @Field(() => GraphQLJSONObject)
  resource: Record<string, unknown>;
}

@ObjectType('SharedCarePlanHistory')
export class SharedCarePlanHistoryType {
  @Field(() => SharedCarePlanType)
  plan: SharedCarePlanType;

  @Field(() => [SharedCarePlanVersionType], { description: 'Oldest first.' })
  versions: SharedCarePlanVersionType[];
}

export function toSharedCarePlanInput(input: SharedCarePlanInputType): SharedCarePlanInput {
  return {
    title: input.title,
    kind: input.kind,
    description: input.description ?? null,
    activities: input.activities ?? null,
    periodStart: input.periodStart,
    periodEnd: input.periodEnd ?? null,
    addresses: input.addresses?.map(({ code, display }) => ({ code, display })) ?? null,
    changeNote: input.changeNote ?? null,
  };
}

export function toSharedCarePlan(plan: SharedCarePlanView): SharedCarePlanType {
  return {
    id: plan.id,
    personId: plan.personId,
    kind: plan.kind as SharedCarePlanKindValue,
    status: plan.status as SharedCarePlanStatusValue,
    version: plan.version,
    createdAt: plan.createdAt,
    updatedAt: plan.updatedAt,
    resource: plan.resource as unknown as Record<string, unknown>,
  };
}

export function toSharedCarePlanVersion(entry: SharedCarePlanHistoryEntry): SharedCarePlanVersionType {
  return {
    version: entry.version,
    status: entry.status as SharedCarePlanStatusValue,
    changeNote: entry.changeNote,
    author: { name: entry.author.name, role: entry.author.role, organisationCode: entry.author.organisationCode },
    createdAt: entry.createdAt,
    resource: entry.resource as unknown as Record<string, unknown>,
  };
}
