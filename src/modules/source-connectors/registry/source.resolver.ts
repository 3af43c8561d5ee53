import { Args, ID, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';

import { RequireRoles } from '../../../platform/http/index.js';
import type { HubRole } from '../../governance/index.js';
import { SourceRegistryError } from '../source-connectors.errors.js';
import { SourceConnectors } from '../connectors/source-connectors.service.js';
import { AddSourceInput, ChangeSourceInput, SourceConnectionStateType, SourceType } from './source.graphql.js';
import { SourceRegistry, type Source } from './source-registry.service.js';

// Operator GraphQL for the registry: operators only. RequireRoles comes from the platform, not
// governance's index: governance imports source-connectors (record sections), and a value import
// back would be a cycle; the HubRole type import is erased.

@Resolver(() => SourceType)
@RequireRoles<HubRole>('operator')
export class SourceResolver {
  constructor(
    private readonly registry: SourceRegistry,
    private readonly connectors: SourceConnectors,
  ) {}

  @ResolveField(() => SourceConnectionStateType, { description: 'Circuit state and last error, as this hub process sees them.' })
  connection(@Parent() source: Source): SourceConnectionStateType {
    const state = this.connectors.stateOf(source.id);
    return state ?? { circuit: 'not-called', consecutiveFailures: 0 };
  }

  @Query(() => [SourceType], { description: 'Every registered source, enabled or not.' })
  async sources(): Promise<Source[]> {
    return this.registry.list();
  }

  @Query(() => SourceType)
  async source(@Args('id', { type: () => ID }) id: string): Promise<Source> {
    return asGraphql(() => this.registry.get(id));
  }

  @Mutation(() => SourceType, { description: 'Registers a source; takes effect without a restart.' })
  async addSource(@Args('input') input: AddSourceInput): Promise<Source> {
    return asGraphql(() => this.registry.add(withoutNulls(input)));
  }

  @Mutation(() => SourceType, { description: 'Changes some fields of a source; the result must still be valid.' })
  async changeSource(@Args('id', { type: () => ID }) id: string, @Args('input') input: ChangeSourceInput): Promise<Source> {
    return asGraphql(() => this.registry.update(id, withoutNulls(input)));
  }

  @Mutation(() => SourceType, { description: 'Stops the hub reaching a source, keeping its registration.' })
  async disableSource(@Args('id', { type: () => ID }) id: string): Promise<Source> {
    return asGraphql(() => this.registry.setEnabled(id, false));
  }

  @Mutation(() => SourceType)
  async enableSource(@Args('id', { type: () => ID }) id: string): Promise<Source> {
    return asGraphql(() => this.registry.setEnabled(id, true));
  }
}

async function asGraphql<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof SourceRegistryError) {
      const code = error.code === 'SOURCE_NOT_FOUND' ? 'NOT_FOUND' : 'BAD_USER_INPUT';
      throw new GraphQLError(error.message, { extensions: { code, reason: error.code, problems: error.problems } });
    }
    throw error;
  }
}

/** GraphQL gives omitted optional fields as null or undefined; the registry wants them absent. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, field]) => field !== null && field !== undefined)
      .map(([key, field]) => [key, withoutNulls(field)]),
  );
}
