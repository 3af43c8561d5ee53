import { Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';

import type { PrivacyAlertRecord } from './access-grant.repository.js';
import type { PrivacyAlertPage } from './access-grants.service.js';
import type { AccessGrantRecord } from './domain/access-grant.js';
import { PageInfoType } from '../../../platform/graphql/index.js';

// Access grants and privacy alerts in GraphQL, mapped field by field so a storage column never
// reaches the API by accident.

export enum AccessGrantKindValue {
  BREAK_GLASS = 'break-glass',
  SELF_DECLARED = 'self-declared',
}
registerEnumType(AccessGrantKindValue, {
  name: 'AccessGrantKind',
  description: 'Break-glass (emergency access) or a self-declared relationship.',
});

@ObjectType('AccessGrant', { description: "A professional's break-glass or self-declared access to one person's record." })
export class AccessGrantType {
  @Field(() => ID)
  id: string;
  @Field(() => AccessGrantKindValue)
  kind: AccessGrantKindValue;
  @Field(() => ID)
  personId: string;
  @Field()
  startedAt: Date;
  @Field({ description: 'When the access lapses: the access policy sets how long each kind lasts.' })
  expiresAt: Date;
  @Field({ nullable: true, description: 'When the professional ended it early.' })
  endedAt?: Date;
}

@ObjectType('AccessGrantHolder', { description: 'The professional who started a grant.' })
export class AccessGrantHolderType {
  @Field()
  subject: string;
  @Field()
  issuer: string;
  @Field({ nullable: true })
  name?: string;
  @Field({ nullable: true })
  organisationCode?: string;
  @Field()
  hubRole: string;
}

@ObjectType('PrivacyAlertGrant', { description: 'The grant an alert is about, as privacy officers see it: with the stated reason.' })
export class PrivacyAlertGrantType extends AccessGrantType {
  @Field({ description: "The professional's stated reason." })
  reason: string;
  @Field(() => AccessGrantHolderType)
  holder: AccessGrantHolderType;
}

@ObjectType('PrivacyAlertAcknowledger')
export class PrivacyAlertAcknowledgerType {
  @Field()
  subject: string;
  @Field()
  issuer: string;
  @Field({ nullable: true })
  name?: string;
}

@ObjectType('PrivacyAlert', { description: 'Raised for privacy officers when a professional breaks glass.' })
export class PrivacyAlertType {
  @Field(() => ID)
  id: string;
  @Field(() => AccessGrantKindValue)
  kind: AccessGrantKindValue;
  @Field(() => ID)
  personId: string;
  @Field()
  raisedAt: Date;
  @Field({ nullable: true })
  acknowledgedAt?: Date;
  @Field(() => PrivacyAlertAcknowledgerType, { nullable: true })
  acknowledgedBy?: PrivacyAlertAcknowledgerType;
  @Field(() => PrivacyAlertGrantType)
  grant: PrivacyAlertGrantType;
}

@ObjectType('PrivacyAlertConnection', { description: 'A page of privacy alerts, newest first.' })
export class PrivacyAlertConnectionType {
  @Field(() => [PrivacyAlertType])
  nodes: PrivacyAlertType[];
  @Field(() => PageInfoType)
  pageInfo: PageInfoType;
}

// ---------------------------------------------------------------- mapping

const orUndefined = <T>(value: T | null): T | undefined => value ?? undefined;

export function toGrant(grant: AccessGrantRecord): AccessGrantType {
  return {
    id: grant.id,
    kind: grant.kind as AccessGrantKindValue,
    personId: grant.personId,
    startedAt: grant.startedAt,
    expiresAt: grant.expiresAt,
    endedAt: orUndefined(grant.endedAt),
  };
}

export function toAlert(alert: PrivacyAlertRecord): PrivacyAlertType {
  const { grant } = alert;
  return {
    id: alert.id,
    kind: alert.kind as AccessGrantKindValue,
    personId: alert.personId,
    raisedAt: alert.raisedAt,
    acknowledgedAt: orUndefined(alert.acknowledgedAt),
    acknowledgedBy: alert.acknowledgedBy
      ? { subject: alert.acknowledgedBy.subject, issuer: alert.acknowledgedBy.issuer, name: orUndefined(alert.acknowledgedBy.name) }
      : undefined,
    grant: {
      ...toGrant(grant),
      reason: grant.reason,
      holder: {
        subject: grant.subject,
        issuer: grant.issuer,
        name: orUndefined(grant.name),
        organisationCode: orUndefined(grant.organisationCode),
        hubRole: grant.hubRole,
      },
    },
  };
}

export function toAlertConnection(page: PrivacyAlertPage): PrivacyAlertConnectionType {
  return { nodes: page.alerts.map(toAlert), pageInfo: { hasNextPage: page.next !== undefined, endCursor: page.next } };
}
