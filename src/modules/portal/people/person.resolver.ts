import { UseFilters } from '@nestjs/common';
import { Args, ID, Info, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';

import { CurrentPrincipal, CurrentRequestId, CurrentRequestScope, type Principal } from '../../governance/index.js';
import { IdentityMatchingErrorFilter, PersonType, StewardPersons } from '../../identity-matching/index.js';
import { type GovernedDemographics, type RecordReadContext, RecordReads } from '../../record-aggregation/index.js';
import { RecordAggregationErrorFilter } from '../record/record-aggregation-error.filter.js';
import { DeadlineArgs, RecordArgs, TimelineArgs } from '../record/record-args.js';
import { RecordQueries } from '../record/record-queries.js';
import { PersonRecordType, ReconciliationType, TimelineConnectionType } from '../record/record.graphql.js';
import { PersonDetailsType, toDemographics, toPersonDetails } from './people.graphql.js';

// `person(id)`: one way in to a person for everyone. Stewards and operators open the identity
// index's view (links, how each was made); anyone else opens the person's demographics, decided
// and audited like a record read, and from there their record, timeline and reconciliation, each
// a read of its own (decided and audited). Identity and policy look-ups are shared by every field
// of the request (RecordLookups), so a person opened with four fields is looked up once.

/** The demographics read that opened the person, kept for the `demographics` field of the same request. */
const OPENED_WITH = Symbol('demographics the person was opened with');

type OpenedPerson = PersonType & { [OPENED_WITH]?: GovernedDemographics };

interface Caller {
  principal: Principal;
  requestId: string;
  scope: object | undefined;
}

@Resolver(() => PersonType)
@UseFilters(RecordAggregationErrorFilter, IdentityMatchingErrorFilter)
export class PersonResolver {
  constructor(
    private readonly reads: RecordReads,
    private readonly stewards: StewardPersons,
    private readonly queries: RecordQueries,
  ) {}

  @Query(() => PersonType, {
    nullable: true,
    description:
      "A person by the hub's id. Stewards and operators get the index's view (links); anyone else the person as the access policy lets them see them.",
  })
  async person(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @CurrentRequestScope() scope: object | undefined,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<OpenedPerson> {
    if (this.stewards.isSteward(principal)) return this.stewards.person(principal, requestId, id);
    const demographics = await this.reads.person(context({ principal, requestId, scope }, 'Query.person'), id);
    return {
      id: demographics.personId,
      state: 'active',
      createdAt: demographics.knownSince,
      nhsNumbers: toDemographics(demographics.patient).nhsNumbers,
      [OPENED_WITH]: demographics,
    };
  }

  @ResolveField(() => PersonDetailsType, {
    nullable: true,
    description: 'Demographics, with what each linked source says and where they disagree.',
  })
  async demographics(
    @Parent() person: OpenedPerson,
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @CurrentRequestScope() scope: object | undefined,
  ): Promise<PersonDetailsType> {
    const opened = person[OPENED_WITH];
    // Opened by this principal in this request: already decided and audited.
    if (opened) return toPersonDetails(opened);
    return toPersonDetails(await this.reads.person(context({ principal, requestId, scope }, 'Person.demographics'), person.id));
  }

  @ResolveField(() => PersonRecordType, {
    nullable: true,
    description: 'The record from every linked source, assembled now; sections not asked for are null.',
  })
  record(
    @Parent() person: PersonType,
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @CurrentRequestScope() scope: object | undefined,
    @Args() args: RecordArgs,
    @Info() info: GraphQLResolveInfo,
  ): Promise<PersonRecordType> {
    return this.queries.record(context({ principal, requestId, scope }, 'Person.record'), person.id, args, info);
  }

  @ResolveField(() => TimelineConnectionType, { nullable: true, description: 'Dated events across sections, most recent first, paged.' })
  timeline(
    @Parent() person: PersonType,
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @CurrentRequestScope() scope: object | undefined,
    @Args() args: TimelineArgs,
  ): Promise<TimelineConnectionType> {
    return this.queries.timeline(context({ principal, requestId, scope }, 'Person.timeline'), person.id, args);
  }

  @ResolveField(() => ReconciliationType, {
    nullable: true,
    description: 'Medicines and allergies across every source, disagreements first.',
  })
  reconciliation(
    @Parent() person: PersonType,
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @CurrentRequestScope() scope: object | undefined,
    @Args() args: DeadlineArgs,
  ): Promise<ReconciliationType> {
    return this.queries.reconciliation(context({ principal, requestId, scope }, 'Person.reconciliation'), person.id, args);
  }
}

const context = (caller: Caller, queryKind: string): RecordReadContext => ({ ...caller, queryKind });
