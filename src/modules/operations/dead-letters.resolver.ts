import { Args, Field, ID, Int, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';

import { QueueError, QueueErrorCode } from '../../platform/queue/index.js';
import { RequireRoles } from '../governance/index.js';
import { OperationsService } from './operations.service.js';

// Operator GraphQL for jobs that failed their last attempt (sync runs, feed messages, …): the
// same list and re-drive as `npm run cli -- dead-letters`. Operators only.

@ObjectType('DeadLetter', { description: 'A job that failed its last attempt. Payloads hold ids only.' })
export class DeadLetterType {
  @Field(() => ID)
  id: string;
  @Field()
  queue: string;
  @Field()
  jobName: string;
  @Field()
  jobId: string;
  @Field({ description: 'The job payload as JSON (ids only, never clinical content).' })
  payload: string;
  @Field({ description: 'Why the last attempt failed, cut to 500 characters.' })
  failureReason: string;
  @Field(() => Int)
  attemptsMade: number;
  @Field()
  failedAt: Date;
  @Field({ nullable: true })
  redrivenAt?: Date;
  @Field({ nullable: true })
  redriveJobId?: string;
}

@Resolver(() => DeadLetterType)
@RequireRoles('operator')
export class DeadLettersResolver {
  constructor(private readonly operations: OperationsService) {}

  @Query(() => [DeadLetterType], { description: 'Dead letters, newest first; re-driven ones only with includeRedriven.' })
  async deadLetters(
    @Args('includeRedriven', { type: () => Boolean, defaultValue: false }) includeRedriven: boolean,
    @Args('limit', { type: () => Int, defaultValue: 50 }) limit: number,
  ): Promise<DeadLetterType[]> {
    if (limit < 1 || limit > 500) throw new GraphQLError('limit must be from 1 to 500', { extensions: { code: 'BAD_USER_INPUT' } });
    const letters = await this.operations.listDeadLetters({ includeRedriven, limit });
    return letters.map((letter) => ({
      ...letter,
      payload: JSON.stringify(letter.payload),
      redrivenAt: letter.redrivenAt ?? undefined,
      redriveJobId: letter.redriveJobId ?? undefined,
    }));
  }

  @Mutation(() => String, { description: 'Enqueues a dead-lettered job again, once; returns the new job id.' })
  async redriveDeadLetter(@Args('id', { type: () => ID }) id: string): Promise<string> {
    try {
      return await this.operations.redriveDeadLetter(id);
    } catch (error) {
      if (error instanceof QueueError) {
        const code = error.code === QueueErrorCode.DeadLetterNotFound ? 'NOT_FOUND' : 'BAD_USER_INPUT';
        throw new GraphQLError(error.message, { extensions: { code } });
      }
      throw error;
    }
  }
}
