import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import { GraphQLJSONObject } from 'graphql-scalars';

import { CurrentPrincipal, CurrentRequestId, CurrentRequestScope, type Principal, RequireRoles } from '../../governance/index.js';
import { PersonType } from '../../identity-matching/index.js';
import { MyAdvice } from './my-advice.service.js';
import { AccessLogPageType, AdviceType, BreakGlassAlertType, toAccessLogPage, toBreakGlassAlert } from './my-record.graphql.js';
import { MyRecord } from './my-record.service.js';

// The resident's own entry points: `me` is their person (with the same demographics, record,
// timeline and reconciliation fields a professional's `person(id)` has, decided for them as a
// resident), who has looked, emergency access to their record, and the export.

@Resolver()
@RequireRoles('resident', 'carer')
export class MyRecordResolver {
  constructor(
    private readonly mine: MyRecord,
    private readonly advice: MyAdvice,
  ) {}

  @Query(() => PersonType, {
    description:
      'You (or the person you care for, with X-Acting-For): ask for demographics, record, timeline and reconciliation as on person(id).',
  })
  async me(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @CurrentRequestScope() scope: object | undefined,
  ): Promise<PersonType> {
    const { person, demographics } = await this.mine.me({ principal, requestId, scope, queryKind: 'Query.me' });
    return { id: person.personId, state: 'active', createdAt: demographics.knownSince, nhsNumbers: [person.nhsNumber] };
  }

  @Query(() => AccessLogPageType, {
    description:
      'Who has looked at your record: name, role, organisation, what and why, newest first (your own views left out unless includeOwn).',
  })
  async myAccessLog(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
    @Args('first', { type: () => Int, defaultValue: 20, description: '1 to 100.' }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @Args('includeOwn', { defaultValue: false }) includeOwn: boolean,
  ): Promise<AccessLogPageType> {
    const page = await this.mine.accessLog(
      { principal, requestId, queryKind: 'Query.myAccessLog' },
      { first, includeOwn, ...(after ? { after } : {}) },
    );
    return toAccessLogPage(page);
  }

  @Query(() => [BreakGlassAlertType], {
    description: 'Every time someone used emergency (break-glass) access to your record, newest first.',
  })
  async myBreakGlassAlerts(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestId() requestId: string,
  ): Promise<BreakGlassAlertType[]> {
    return (await this.mine.breakGlassAlerts({ principal, requestId, queryKind: 'Query.myBreakGlassAlerts' })).map(toBreakGlassAlert);
  }

  @Query(() => GraphQLJSONObject, {
    description: 'Everything you may see of your record as one FHIR R4 Bundle (collection), with where each item came from.',
  })
  async exportMyRecord(@CurrentPrincipal() principal: Principal, @CurrentRequestId() requestId: string): Promise<Record<string, unknown>> {
    return (await this.mine.export({ principal, requestId, queryKind: 'Query.exportMyRecord' })) as unknown as Record<string, unknown>;
  }

  @Query(() => [AdviceType], {
    description: 'Information on living well, chosen by the conditions in your record (then advice for everyone).',
  })
  async myAdvice(@CurrentPrincipal() principal: Principal, @CurrentRequestId() requestId: string): Promise<AdviceType[]> {
    const { entries } = await this.advice.forMe({ principal, requestId, queryKind: 'Query.myAdvice' });
    return entries.map(({ id, title, summary, paragraphs, topics, forEveryone }) => ({
      id,
      title,
      summary,
      paragraphs,
      topics,
      forEveryone,
    }));
  }
}
