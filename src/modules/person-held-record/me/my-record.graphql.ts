import { Field, ID, ObjectType } from '@nestjs/graphql';

import type { BreakGlassAlert } from '../../governance/index.js';
import type { MyAccessLogPage } from './my-record.service.js';

// Who has looked at my record, in GraphQL: names, roles and organisations, what and why.

@ObjectType('AccessLogWho', { description: 'Who accessed the record.' })
export class AccessLogWhoType {
  @Field({ description: 'professional, resident, carer or service.' })
  kind: string;
  @Field({ nullable: true })
  name?: string;
  @Field({ nullable: true, description: 'Their role in the hub: clinician, social-worker, care-worker, admin-clerk, ...' })
  role?: string;
  @Field({ nullable: true, description: 'The role code from their sign-in (e.g. an NHS national role code).' })
  roleCode?: string;
  @Field({ nullable: true, description: 'ODS code of the organisation they worked for.' })
  organisationCode?: string;
  @Field({ nullable: true })
  organisationName?: string;
  @Field({ nullable: true, description: 'A carer: the NHS number of the person they acted for.' })
  actingFor?: string;
}

@ObjectType('AccessLogRelationship', { description: 'The care relationship an access rested on.' })
export class AccessLogRelationshipType {
  @Field({ description: 'gp-registration, admission, attendance, referral, social-care-allocation or care-team-membership.' })
  kind: string;
  @Field({ nullable: true })
  organisationCode?: string;
}

@ObjectType('AccessLogEntry', { description: 'One access to your record.' })
export class AccessLogEntryType {
  @Field(() => ID, { description: 'Also the cursor for the next page.' })
  id: string;
  @Field()
  at: Date;
  @Field({ description: 'read, search, create, update, ...' })
  action: string;
  @Field({ description: 'allowed, denied (they were refused), break-glass or self-declared.' })
  outcome: string;
  @Field({ nullable: true, description: 'Why they were refused, for a denied attempt.' })
  refusedBecause?: string;
  @Field(() => AccessLogWhoType)
  who: AccessLogWhoType;
  @Field(() => [String], { description: 'The sections of your record they saw (or asked for, when refused).' })
  sections: string[];
  @Field({ nullable: true, description: 'Why they could: relationship, self-declared, break-glass, delegated, ...' })
  basis?: string;
  @Field(() => AccessLogRelationshipType, { nullable: true })
  relationship?: AccessLogRelationshipType;
  @Field({ nullable: true, description: 'Their own words, for emergency (break-glass) or self-declared access.' })
  statedReason?: string;
}

@ObjectType('AccessLogPage')
export class AccessLogPageType {
  @Field(() => [AccessLogEntryType], { description: 'Newest first.' })
  entries: AccessLogEntryType[];
  @Field()
  hasMore: boolean;
  @Field({ nullable: true, description: 'Pass as `after` for the next page.' })
  endCursor?: string;
}

@ObjectType('BreakGlassAlertWho')
export class BreakGlassAlertWhoType {
  @Field({ nullable: true })
  name?: string;
  @Field()
  role: string;
  @Field({ nullable: true })
  organisationCode?: string;
}

@ObjectType('BreakGlassAlert', { description: 'Someone used emergency access to your record.' })
export class BreakGlassAlertType {
  @Field(() => ID)
  id: string;
  @Field()
  at: Date;
  @Field()
  expiresAt: Date;
  @Field({ nullable: true, description: 'When they ended it early.' })
  endedAt?: Date;
  @Field(() => BreakGlassAlertWhoType)
  who: BreakGlassAlertWhoType;
  @Field({ description: 'The reason they gave.' })
  reason: string;
  @Field({ description: 'A privacy officer has reviewed it.' })
  reviewed: boolean;
}

const present = <T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: NonNullable<T[K]> } =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null && value !== undefined)) as never;

export function toAccessLogPage(page: MyAccessLogPage): AccessLogPageType {
  const entries = page.entries.map((entry): AccessLogEntryType => ({
    id: entry.id,
    at: entry.at,
    action: entry.action,
    outcome: entry.outcome,
    who: {
      kind: entry.who.kind,
      ...present({
        name: entry.who.name,
        role: entry.who.role,
        roleCode: entry.who.roleCode,
        organisationCode: entry.who.organisationCode,
        organisationName: entry.organisationName,
        actingFor: entry.who.actingFor,
      }),
    },
    sections: entry.sections,
    ...present({ refusedBecause: entry.refusedBecause, basis: entry.basis, statedReason: entry.statedReason }),
    ...(entry.relationship
      ? { relationship: { kind: entry.relationship.kind, ...present({ organisationCode: entry.relationship.organisationCode }) } }
      : {}),
  }));
  return { entries, hasMore: page.hasMore, ...(page.hasMore && entries.length ? { endCursor: entries.at(-1)!.id } : {}) };
}

export const toBreakGlassAlert = (alert: BreakGlassAlert): BreakGlassAlertType => ({
  id: alert.grantId,
  at: alert.at,
  expiresAt: alert.expiresAt,
  ...present({ endedAt: alert.endedAt }),
  who: { role: alert.who.role, ...present({ name: alert.who.name, organisationCode: alert.who.organisationCode }) },
  reason: alert.reason,
  reviewed: alert.reviewed,
});

@ObjectType('Advice', { description: 'Well-being or condition information, from the library the hub ships and operators extend.' })
export class AdviceType {
  @Field(() => ID)
  id: string;
  @Field()
  title: string;
  @Field()
  summary: string;
  @Field(() => [String])
  paragraphs: string[];
  @Field(() => [String], { description: 'diet, activity, living-with, ...' })
  topics: string[];
  @Field({ description: 'For everyone, rather than chosen by one of your conditions.' })
  forEveryone: boolean;
}
