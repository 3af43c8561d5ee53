import { Field, ID, InputType, ObjectType, registerEnumType } from '@nestjs/graphql';

import type { AuditOutcome } from '../audit/index.js';
import type { AccessReviewRecord, AuditEntry, ReviewableOutcome, ReviewOutcome } from './domain/access-review.js';
import type { AuditEntryPage } from './audit-review.service.js';
import { PageInfoType } from '../../../platform/graphql/index.js';

// The privacy officer's view of the audit trail in GraphQL, mapped field by field so that a
// storage column (the hashes, the raw detail) never reaches the API by accident.

export enum AuditOutcomeValue {
  ALLOWED = 'allowed',
  DENIED = 'denied',
  BREAK_GLASS = 'break-glass',
  SELF_DECLARED = 'self-declared',
}
registerEnumType(AuditOutcomeValue, { name: 'AuditOutcome', description: 'How an access attempt ended.' });

export enum ReviewKindValue {
  BREAK_GLASS = 'break-glass',
  SELF_DECLARED = 'self-declared',
}
registerEnumType(ReviewKindValue, {
  name: 'ReviewKind',
  description: 'Access reviewed one by one: break-glass or a self-declared relationship.',
});

export enum ReviewOutcomeValue {
  APPROPRIATE = 'appropriate',
  INAPPROPRIATE = 'inappropriate',
  NEEDS_FOLLOW_UP = 'needs-follow-up',
}
registerEnumType(ReviewOutcomeValue, { name: 'ReviewOutcome', description: 'What a privacy officer found.' });

@InputType('AuditEventFilter', {
  description: 'Every given field must match; times are recorded-at bounds (from inclusive, to exclusive).',
})
export class AuditEventFilterInput {
  @Field(() => ID, { nullable: true, description: "The hub's person id." })
  personId?: string;
  @Field({ nullable: true })
  nhsNumber?: string;
  @Field({ nullable: true, description: "The user's subject at their identity provider." })
  subject?: string;
  @Field({ nullable: true, description: 'ODS code of the organisation the user acted for.' })
  organisationCode?: string;
  @Field(() => AuditOutcomeValue, { nullable: true })
  outcome?: AuditOutcomeValue;
  @Field({ nullable: true })
  from?: Date;
  @Field({ nullable: true })
  to?: Date;
}

@ObjectType('AccessReviewer')
export class AccessReviewerType {
  @Field()
  subject: string;
  @Field()
  issuer: string;
  @Field({ nullable: true })
  name?: string;
}

@ObjectType('AccessReview', { description: "A privacy officer's finding on one break-glass or self-declared access." })
export class AccessReviewType {
  @Field(() => ID)
  id: string;
  @Field(() => ID)
  auditEventId: string;
  @Field(() => ReviewOutcomeValue)
  outcome: ReviewOutcomeValue;
  @Field({ nullable: true })
  note?: string;
  @Field(() => AccessReviewerType)
  reviewedBy: AccessReviewerType;
  @Field()
  reviewedAt: Date;
}

@ObjectType('AuditAgent', { description: 'Who made the access attempt.' })
export class AuditAgentType {
  @Field({ description: 'professional, resident, carer, service, operator, privacy-officer or analyst' })
  kind: string;
  @Field()
  subject: string;
  @Field()
  issuer: string;
  @Field({ nullable: true })
  name?: string;
  @Field({ nullable: true, description: 'The role code the identity provider gave (CIS2: the selected role).' })
  roleCode?: string;
  @Field({ nullable: true })
  hubRole?: string;
  @Field({ nullable: true })
  organisationCode?: string;
  @Field({ nullable: true, description: 'A carer acting for a resident: the resident’s NHS number.' })
  onBehalfOf?: string;
}

@ObjectType('AuditEntry', { description: 'One access attempt from the audit trail, with its review if it has one.' })
export class AuditEntryType {
  @Field(() => ID, { description: 'The position in the hash chain.' })
  id: string;
  @Field()
  recordedAt: Date;
  @Field()
  requestId: string;
  @Field({ description: 'read, search, create, update, delete or execute' })
  action: string;
  @Field(() => AuditOutcomeValue)
  outcome: AuditOutcomeValue;
  @Field({ nullable: true, description: "A code saying why, e.g. 'no-relationship'." })
  reason?: string;
  @Field({ nullable: true, description: 'HL7 PurposeOfUse: TREAT, ETREAT (break-glass), HOPERAT, …' })
  purpose?: string;
  @Field(() => AuditAgentType)
  agent: AuditAgentType;
  @Field(() => ID, { nullable: true })
  personId?: string;
  @Field({ nullable: true })
  nhsNumber?: string;
  @Field(() => [String])
  sections: string[];
  @Field(() => [String], { description: 'Ids of the sources the data came from.' })
  sources: string[];
  @Field({ description: "What was asked, e.g. 'person.record'." })
  queryKind: string;
  @Field(() => AccessReviewType, { nullable: true, description: 'Break-glass and self-declared access only, once reviewed.' })
  review?: AccessReviewType;
}

@ObjectType('AuditEntryConnection', { description: 'A page of audit entries, newest first.' })
export class AuditEntryConnectionType {
  @Field(() => [AuditEntryType])
  nodes: AuditEntryType[];
  @Field(() => PageInfoType)
  pageInfo: PageInfoType;
}

// ---------------------------------------------------------------- mapping

const orUndefined = <T>(value: T | null): T | undefined => value ?? undefined;

export function toReview(review: AccessReviewRecord): AccessReviewType {
  return {
    id: review.id,
    auditEventId: review.auditEventId,
    outcome: review.outcome as ReviewOutcomeValue,
    note: orUndefined(review.note),
    reviewedBy: { subject: review.reviewedBy.subject, issuer: review.reviewedBy.issuer, name: orUndefined(review.reviewedBy.name) },
    reviewedAt: review.reviewedAt,
  };
}

export function toEntry({ event, review }: AuditEntry): AuditEntryType {
  return {
    id: event.id,
    recordedAt: event.recordedAt,
    requestId: event.requestId,
    action: event.action,
    outcome: event.outcome as AuditOutcomeValue,
    reason: orUndefined(event.outcomeReason),
    purpose: orUndefined(event.purpose),
    agent: {
      kind: event.principalKind,
      subject: event.subject,
      issuer: event.issuer,
      name: orUndefined(event.agentName),
      roleCode: orUndefined(event.roleCode),
      hubRole: orUndefined(event.hubRole),
      organisationCode: orUndefined(event.organisationCode),
      onBehalfOf: orUndefined(event.onBehalfOf),
    },
    personId: orUndefined(event.personId),
    nhsNumber: orUndefined(event.nhsNumber),
    sections: event.sections,
    sources: event.sources,
    queryKind: event.queryKind,
    review: review ? toReview(review) : undefined,
  };
}

export function toConnection(page: AuditEntryPage): AuditEntryConnectionType {
  return { nodes: page.entries.map(toEntry), pageInfo: { hasNextPage: page.next !== undefined, endCursor: page.next } };
}

// The enums carry the stored values, so these are identities the compiler checks.
export const auditOutcomeOf = (value: AuditOutcomeValue): AuditOutcome => value;
export const reviewableOutcomeOf = (value: ReviewKindValue): ReviewableOutcome => value;
export const reviewOutcomeOf = (value: ReviewOutcomeValue): ReviewOutcome => value;
