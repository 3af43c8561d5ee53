import { Field, Float, ID, ObjectType } from '@nestjs/graphql';

import type { MatchExplanation } from '../domain/match-explanation.js';
import type { IdentityEventRecord } from '../repositories/identity-index.repository.js';
import type { ChangeView, IdentityView, PersonLinkView, PersonView, ReviewView, SourceLabel } from './stewardship.service.js';

// The steward's view of the master person index in GraphQL, mapped field by field from the
// service's views so that a storage column never reaches the API by accident.

@ObjectType('FieldComparison', { description: 'How one field of a pair compared.' })
export class FieldComparisonType {
  @Field({ description: 'given, family, birthDate, sex, postcode, address, city, otherIdentifier, nhsNumber' })
  field: string;
  @Field({ description: 'The comparison level reached: exact, nickname, day-month-swap, sector, different, missing, …' })
  level: string;
  @Field(() => Float, { description: 'log2 Bayes factor this field added (0 when missing).' })
  weight: number;
}

@ObjectType('LinkExplanation', { description: 'Why a pair was linked or sent for review: every field, the prior and the total.' })
export class LinkExplanationType {
  @Field(() => [FieldComparisonType])
  fields: FieldComparisonType[];
  @Field(() => Float)
  priorWeight: number;
  @Field(() => Float)
  totalWeight: number;
  @Field(() => Float)
  probability: number;
  @Field({ description: 'The trained model that scored the pair; `steward` for a steward’s own decision.' })
  modelVersion: string;
  @Field(() => [String], { description: 'Rule-level notes: nhs-number-equal, different-nhs-numbers, manual-link-by-steward, …' })
  notes: string[];
}

@ObjectType('IdentitySource', { description: 'The system a source identity comes from.' })
export class IdentitySourceType {
  @Field(() => ID)
  id: string;
  @Field()
  name: string;
  @Field({ description: 'gp, acute, mental-health, community, social-care, phr or pds' })
  kind: string;
}

@ObjectType('IdentityDemographics', { description: 'What the source last said about the person; demographics only.' })
export class IdentityDemographicsType {
  @Field({ nullable: true, description: 'A valid NHS number the source holds.' })
  nhsNumber?: string;
  @Field({ nullable: true, description: 'The NHS number a confident PDS trace supplied.' })
  tracedNhsNumber?: string;
  @Field({ nullable: true })
  given?: string;
  @Field({ nullable: true })
  family?: string;
  @Field({ nullable: true, description: 'YYYY-MM-DD' })
  birthDate?: string;
  @Field({ nullable: true })
  sex?: string;
  @Field({ nullable: true })
  postcode?: string;
}

@ObjectType('IdentityLink', { description: 'A source identity joined to a person, with how and why.' })
export class IdentityLinkType {
  @Field(() => ID)
  id: string;
  @Field(() => ID)
  sourceIdentityId: string;
  @Field(() => IdentitySourceType)
  source: IdentitySourceType;
  @Field({ description: "The source's own id for its record." })
  localId: string;
  @Field({ description: 'nhs-number, probabilistic, manual or pds-trace' })
  method: string;
  @Field(() => Float, { description: 'The match probability when the link was made (1 for NHS number and manual links).' })
  score: number;
  @Field({ description: 'active or ended' })
  state: string;
  @Field()
  createdAt: Date;
  @Field(() => IdentityDemographicsType)
  demographics: IdentityDemographicsType;
  @Field(() => LinkExplanationType)
  explanation: LinkExplanationType;
}

@ObjectType('Person', {
  description:
    "The hub's person. Stewards and operators see the identity index's view (links); anyone else the person's demographics, record, timeline and reconciliation as the access policy lets them, each read decided and audited.",
})
export class PersonType {
  @Field(() => ID)
  id: string;
  @Field({ description: 'active, or merged (see mergedInto)' })
  state: string;
  @Field(() => ID, { nullable: true, description: 'The person this one was merged into.' })
  mergedInto?: string;
  @Field()
  createdAt: Date;
  @Field(() => [String], { description: 'Valid NHS numbers its identities hold; more than one is a contradiction to review.' })
  nhsNumbers: string[];
  @Field(() => [IdentityLinkType], {
    nullable: true,
    description: 'Active links, oldest first: for data stewards and operators only (null for anyone else).',
  })
  links?: IdentityLinkType[];
}

@ObjectType('SourceIdentity', { description: "One source's record of a person, as the index keeps it." })
export class SourceIdentityType {
  @Field(() => ID)
  id: string;
  @Field(() => IdentitySourceType)
  source: IdentitySourceType;
  @Field()
  localId: string;
  @Field(() => IdentityDemographicsType)
  demographics: IdentityDemographicsType;
  @Field(() => ID, { nullable: true, description: 'The person it is linked to now, if any.' })
  personId?: string;
}

@ObjectType('MatchReview', { description: 'A pair the matcher could not decide: a source identity and a candidate person, side by side.' })
export class MatchReviewType {
  @Field(() => ID)
  id: string;
  @Field({ description: 'pending, accepted, rejected or superseded' })
  status: string;
  @Field({ description: 'probable-match, nhs-number-demographics-disagree or cluster-contradiction' })
  reason: string;
  @Field(() => Float)
  score: number;
  @Field({ description: 'Set when a source holds an NHS number whose demographics disagree: the source should be told.' })
  dataQualityAlert: boolean;
  @Field()
  createdAt: Date;
  @Field({ nullable: true })
  decidedAt?: Date;
  @Field({ nullable: true })
  decidedBy?: string;
  @Field({ nullable: true })
  decisionNote?: string;
  @Field(() => LinkExplanationType)
  explanation: LinkExplanationType;
  @Field(() => SourceIdentityType, { description: 'The record to place.' })
  identity: SourceIdentityType;
  @Field(() => PersonType, { description: 'The person it may be, with the demographics of each of its identities.' })
  candidate: PersonType;
}

@ObjectType('IdentityEvent', { description: 'One entry of the index history: every link, unlink, merge, review decision and undo.' })
export class IdentityEventType {
  @Field(() => ID)
  id: string;
  @Field()
  at: Date;
  @Field({ description: 'link, unlink, merge, unmerge, review-opened, review-accepted, review-rejected, undo or nhs-number-traced' })
  kind: string;
  @Field(() => ID, { nullable: true })
  personId?: string;
  @Field(() => ID, { nullable: true, description: 'The other person: the one merged, or the one an identity left.' })
  otherPersonId?: string;
  @Field(() => ID, { nullable: true })
  sourceIdentityId?: string;
  @Field(() => ID, { nullable: true })
  linkId?: string;
  @Field(() => ID, { nullable: true })
  reviewId?: string;
  @Field({ description: '`matcher` for automatic decisions, else the steward.' })
  actor: string;
  @Field({ nullable: true })
  reason?: string;
  @Field(() => ID, { nullable: true, description: 'The event this one undid.' })
  undoes?: string;
  @Field(() => ID, { nullable: true, description: 'The event that undid this one.' })
  undoneBy?: string;
  @Field(() => ID, { nullable: true, description: 'The change this event was one step of; undo that one.' })
  partOf?: string;
  @Field({ description: 'What the change did, as JSON (ids, methods, scores; never demographics).' })
  detail: string;
}

@ObjectType('IdentityChange', { description: 'A change a steward made: its history event and the persons it touched, as they are now.' })
export class IdentityChangeType {
  @Field(() => IdentityEventType)
  event: IdentityEventType;
  @Field(() => [PersonType])
  persons: PersonType[];
}

// ---------------------------------------------------------------- mapping

const orUndefined = <T>(value: T | null): T | undefined => value ?? undefined;

function toSource(source: SourceLabel): IdentitySourceType {
  return { id: source.id, name: source.name, kind: source.kind };
}

function toDemographics(identity: IdentityView): IdentityDemographicsType {
  return {
    nhsNumber: orUndefined(identity.nhsNumber),
    tracedNhsNumber: orUndefined(identity.tracedNhsNumber),
    given: orUndefined(identity.given),
    family: orUndefined(identity.family),
    birthDate: orUndefined(identity.birthDate),
    sex: orUndefined(identity.sex),
    postcode: orUndefined(identity.postcode),
  };
}

export function toExplanation(explanation: MatchExplanation): LinkExplanationType {
  return {
    fields: (explanation.fields ?? []).map((field) => ({ field: field.field, level: field.level, weight: field.weight })),
    priorWeight: explanation.priorWeight,
    totalWeight: explanation.totalWeight,
    probability: explanation.probability,
    modelVersion: explanation.modelVersion,
    notes: explanation.notes ?? [],
  };
}

function toLink(link: PersonLinkView): IdentityLinkType {
  return {
    id: link.linkId,
    sourceIdentityId: link.sourceIdentityId,
    source: toSource(link.source),
    localId: link.localId,
    method: link.method,
    score: link.score,
    state: link.state,
    createdAt: link.createdAt,
    demographics: toDemographics(link),
    explanation: toExplanation(link.explanation),
  };
}

export function toPerson(person: PersonView): PersonType {
  return {
    id: person.id,
    state: person.state,
    mergedInto: orUndefined(person.mergedInto),
    createdAt: person.createdAt,
    nhsNumbers: person.nhsNumbers,
    links: person.links.map(toLink),
  };
}

export function toReview(review: ReviewView & { candidate: PersonView }): MatchReviewType {
  return {
    id: review.id,
    status: review.status,
    reason: review.reason,
    score: review.score,
    dataQualityAlert: review.dataQualityAlert,
    createdAt: review.createdAt,
    decidedAt: orUndefined(review.decidedAt),
    decidedBy: orUndefined(review.decidedBy),
    decisionNote: orUndefined(review.decisionNote),
    explanation: toExplanation(review.explanation),
    identity: {
      id: review.identity.sourceIdentityId,
      source: toSource(review.identity.source),
      localId: review.identity.localId,
      demographics: toDemographics(review.identity),
      personId: orUndefined(review.identity.personId),
    },
    candidate: toPerson(review.candidate),
  };
}

export function toEvent(event: IdentityEventRecord): IdentityEventType {
  const { partOf, ...detail } = event.detail;
  return {
    id: event.id,
    at: event.at,
    kind: event.kind,
    personId: orUndefined(event.personId),
    otherPersonId: orUndefined(event.otherPersonId),
    sourceIdentityId: orUndefined(event.sourceIdentityId),
    linkId: orUndefined(event.linkId),
    reviewId: orUndefined(event.reviewId),
    actor: event.actor,
    reason: orUndefined(event.reason),
    undoes: orUndefined(event.undoes),
    undoneBy: orUndefined(event.undoneBy),
    partOf: partOf ?? undefined,
    detail: JSON.stringify(detail),
  };
}

export function toChange(change: ChangeView): IdentityChangeType {
  return { event: toEvent(change.event), persons: change.persons.map(toPerson) };
}
