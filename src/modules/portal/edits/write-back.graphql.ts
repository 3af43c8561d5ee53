import { Field, ID, ObjectType } from '@nestjs/graphql';

import type { WriteResult } from '../../record-aggregation/index.js';

@ObjectType('WriteResult', { description: 'What the source said to a write-back. The hub keeps no copy of what was written.' })
export class WriteResultType {
  @Field({ description: 'Whether the source stored the resource.' })
  accepted: boolean;

  @Field(() => ID)
  sourceId: string;

  @Field()
  resourceType: string;

  @Field(() => String, { nullable: true, description: "The id the source gave the new resource (its own id, not the hub's)." })
  resourceId: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Why it was not accepted, in safe words: the source's HTTP status and issue code, never its text.",
  })
  reason: string | null;
}

export function toWriteResult(result: WriteResult): WriteResultType {
  return {
    accepted: result.accepted,
    sourceId: result.sourceId,
    resourceType: result.resourceType,
    resourceId: result.resourceId ?? null,
    reason: result.reason ?? null,
  };
}
