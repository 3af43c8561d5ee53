import { Field, ID, ObjectType } from '@nestjs/graphql';

import type { RecordChange } from '../../record-aggregation/index.js';

// What a live update tells a portal: that a person's record changed, and where. Never what
// changed: the portal re-reads the record, and that read is decided and audited like any other.

@ObjectType('RecordChange', { description: "A person's record changed: re-read it. Ids and kinds only, never what changed." })
export class RecordChangeType {
  @Field(() => ID, { description: 'The person, as you subscribed to them.' })
  personId: string;
  @Field({
    description:
      "'source-record-changed': a source's feed reported a change for one of the person's records (an admission, a new " +
      "result); 'identity-changed': the identity index linked, unlinked or merged records of the person.",
  })
  kind: string;
  @Field(() => String, { nullable: true, description: 'ODS code of the organisation whose feed reported it; null for identity changes.' })
  organisationCode: string | null;
  @Field({ description: 'When the hub heard of it (ISO 8601).' })
  at: string;
}

export function toRecordChange(change: RecordChange): RecordChangeType {
  return { personId: change.personId, kind: change.kind, organisationCode: change.organisationCode, at: change.at.toISOString() };
}
