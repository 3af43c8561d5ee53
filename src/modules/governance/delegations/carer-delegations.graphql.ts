import { Field, ID, InputType, ObjectType, registerEnumType } from '@nestjs/graphql';

import type { PolicySection } from '../policy/access-policy.js';
import type { CarerInvitation } from './carer-delegations.service.js';
import { type CarerDelegationRecord, delegationStatus, type DelegationStatus } from './domain/carer-delegation.js';

// Carer delegations in GraphQL, mapped field by field so that a storage column (the code's hash,
// the carer's identity at their provider) never reaches the API by accident.

export enum DelegatedSectionValue {
  demographics = 'demographics',
  allergies = 'allergies',
  medications = 'medications',
  conditions = 'conditions',
  observations = 'observations',
  encounters = 'encounters',
  appointments = 'appointments',
  carePlans = 'carePlans',
}
registerEnumType(DelegatedSectionValue, {
  name: 'DelegatedSection',
  description: "A part of the person's record a carer may be given; the access policy's carer list says which are allowed.",
});

export enum CarerDelegationStatusValue {
  INVITED = 'invited',
  INVITATION_EXPIRED = 'invitation-expired',
  ACTIVE = 'active',
  EXPIRED = 'expired',
  REVOKED = 'revoked',
}
registerEnumType(CarerDelegationStatusValue, {
  name: 'CarerDelegationStatus',
  description: 'INVITED: the code is waiting to be used; ACTIVE: the carer may act; the rest have ended.',
});

export enum CarerRevokedByValue {
  PERSON = 'person',
  CARER = 'carer',
  SUPERSEDED = 'superseded',
}
registerEnumType(CarerRevokedByValue, {
  name: 'CarerRevokedBy',
  description: 'Who ended a delegation; SUPERSEDED: the carer accepted a newer invitation from the same person.',
});

@InputType('InviteCarerInput')
export class InviteCarerInput {
  @Field(() => [DelegatedSectionValue], { description: 'What the carer may see: within the access policy for carers.' })
  sections: DelegatedSectionValue[];
  @Field({ defaultValue: false, description: 'Whether the carer may add readings (blood pressure, weight, ...) for you.' })
  canAddReadings: boolean;
  @Field({ description: 'When the delegation ends: in the future, at most 365 days away.' })
  expiresAt: Date;
  @Field(() => String, { nullable: true, description: 'Your name for the carer, shown in your list (at most 100 characters).' })
  carerName?: string | null;
}

@ObjectType('CarerDelegation', { description: 'A carer you invited, as you see it.' })
export class CarerDelegationType {
  @Field(() => ID)
  id: string;
  @Field(() => CarerDelegationStatusValue)
  status: CarerDelegationStatusValue;
  @Field(() => String, { nullable: true, description: 'Your name for them, else their name from their sign-in once they accept.' })
  carerName?: string;
  @Field(() => [DelegatedSectionValue])
  sections: DelegatedSectionValue[];
  @Field()
  canAddReadings: boolean;
  @Field()
  invitedAt: Date;
  @Field({ description: 'The invitation code cannot be used after this.' })
  invitationExpiresAt: Date;
  @Field({ nullable: true })
  acceptedAt?: Date;
  @Field({ description: 'When the delegation ends.' })
  expiresAt: Date;
  @Field({ nullable: true })
  revokedAt?: Date;
  @Field(() => CarerRevokedByValue, { nullable: true })
  revokedBy?: CarerRevokedByValue;
}

@ObjectType('CarerInvitation', { description: 'Pass the code to your carer; it is shown only now.' })
export class CarerInvitationType {
  @Field({ description: 'One-time code, e.g. 7K3M-Q9XD-2B8F-HW4N-C6RT; letters and dashes may be typed in any case.' })
  code: string;
  @Field(() => CarerDelegationType)
  delegation: CarerDelegationType;
}

@ObjectType('CaredForPerson', {
  description: 'A person who made you their carer. Send X-Acting-For: <nhsNumber> with your own sign-in to act for them.',
})
export class CaredForPersonType {
  @Field(() => ID, { description: 'The delegation: end it with revokeCarerAccess(id).' })
  delegationId: string;
  @Field()
  nhsNumber: string;
  @Field(() => String, { nullable: true, description: 'Their name as their sign-in gave it when they invited you.' })
  name?: string;
  @Field(() => CarerDelegationStatusValue)
  status: CarerDelegationStatusValue;
  @Field(() => [DelegatedSectionValue])
  sections: DelegatedSectionValue[];
  @Field()
  canAddReadings: boolean;
  @Field({ nullable: true })
  acceptedAt?: Date;
  @Field()
  expiresAt: Date;
  @Field({ nullable: true })
  revokedAt?: Date;
}

// ---------------------------------------------------------------- mapping

const orUndefined = <T>(value: T | null): T | undefined => value ?? undefined;
const sectionsOf = (sections: readonly PolicySection[]): DelegatedSectionValue[] =>
  sections.map((section) => section as DelegatedSectionValue);
const statusOf = (status: DelegationStatus): CarerDelegationStatusValue => status as CarerDelegationStatusValue;

export function toCarerDelegation(delegation: CarerDelegationRecord, now: Date): CarerDelegationType {
  return {
    id: delegation.id,
    status: statusOf(delegationStatus(delegation, now)),
    carerName: orUndefined(delegation.carerName),
    sections: sectionsOf(delegation.sections),
    canAddReadings: delegation.canAddReadings,
    invitedAt: delegation.invitedAt,
    invitationExpiresAt: delegation.invitationExpiresAt,
    acceptedAt: orUndefined(delegation.acceptedAt),
    expiresAt: delegation.expiresAt,
    revokedAt: orUndefined(delegation.revokedAt),
    revokedBy: orUndefined(delegation.revokedBy) as CarerRevokedByValue | undefined,
  };
}

export function toCarerInvitation(invitation: CarerInvitation, now: Date): CarerInvitationType {
  return { code: invitation.code, delegation: toCarerDelegation(invitation.delegation, now) };
}

export function toCaredForPerson(delegation: CarerDelegationRecord, now: Date): CaredForPersonType {
  return {
    delegationId: delegation.id,
    nhsNumber: delegation.personNhsNumber,
    name: orUndefined(delegation.personName),
    status: statusOf(delegationStatus(delegation, now)),
    sections: sectionsOf(delegation.sections),
    canAddReadings: delegation.canAddReadings,
    acceptedAt: orUndefined(delegation.acceptedAt),
    expiresAt: delegation.expiresAt,
    revokedAt: orUndefined(delegation.revokedAt),
  };
}
