import { Field, ObjectType } from '@nestjs/graphql';

/** Where a keyset-paged list stands (Relay's PageInfo), shared by every connection in the schema. */
@ObjectType('PageInfo')
export class PageInfoType {
  @Field()
  hasNextPage: boolean;
  @Field({ nullable: true, description: 'Pass as `after` for the next page.' })
  endCursor?: string;
}
