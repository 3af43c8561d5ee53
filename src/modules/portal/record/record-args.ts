import { ArgsType, Field, Int } from '@nestjs/graphql';

import { RecordSectionValue } from './record.graphql.js';

// The arguments of a record read, shared by the root queries (`record(personId: …)`) and the
// fields of `person(id)`, so the two ways in take the same arguments with the same meaning.

const DEADLINE_DESCRIPTION = 'How long to wait for sources, in milliseconds (the configured default when absent).';

@ArgsType()
export class DeadlineArgs {
  @Field(() => Int, { nullable: true, description: DEADLINE_DESCRIPTION })
  deadlineMs?: number | null;
}

@ArgsType()
export class RecordArgs extends DeadlineArgs {
  @Field(() => [RecordSectionValue], { nullable: true, description: 'Every section when absent.' })
  sections?: RecordSectionValue[] | null;
}

@ArgsType()
export class TimelineArgs extends DeadlineArgs {
  @Field(() => Int, { defaultValue: 20, description: '1 to 100.' })
  first: number;
  @Field(() => String, { nullable: true, description: 'endCursor of the page before.' })
  after?: string | null;
  @Field(() => String, { nullable: true, description: 'Events on or after this date or instant (ISO 8601).' })
  from?: string | null;
  @Field(() => String, { nullable: true, description: 'Events before this date or instant (ISO 8601).' })
  to?: string | null;
  @Field(() => [RecordSectionValue], { nullable: true, description: 'Sections to include; every one when absent.' })
  types?: RecordSectionValue[] | null;
}
