import { Injectable } from '@nestjs/common';

import {
  AccessLog,
  type AccessLogEntry,
  AuditTrail,
  auditAgentOf,
  type BreakGlassAlert,
  GovernanceError,
  GovernanceErrorCode,
  type Principal,
} from '../../governance/index.js';
import { IdentityMatchingService } from '../../identity-matching/index.js';
import {
  exportBundle,
  type GovernedDemographics,
  recordEntries,
  RecordReads,
  type RecordReadContext,
  resourceOfItem,
  type ShownItem,
} from '../../record-aggregation/index.js';
import { RECORD_SECTIONS, SourceRegistry } from '../../source-connectors/index.js';
import type { R4Bundle } from '../../../fhir/index.js';

// The resident's own view: who they are in the hub, their record as a resident may see it, who has
// looked at it, and all of it to take away. Every read goes through the same decisions and audit
// as a professional's (RecordReads); the access log is the person's own, P9 only.

/** The person a resident (or a carer acting for one) is, in the hub. */
export interface MyPerson {
  personId: string;
  /** Every id the hub has for them (normally one). */
  personIds: string[];
  nhsNumber: string;
}

export interface MyAccessLogPage {
  entries: Array<AccessLogEntry & { organisationName: string | null }>;
  hasMore: boolean;
}

@Injectable()
export class MyRecord {
  constructor(
    private readonly identityIndex: IdentityMatchingService,
    private readonly reads: RecordReads,
    private readonly log: AccessLog,
    private readonly audit: AuditTrail,
    private readonly registry: SourceRegistry,
  ) {}

  /** The caller's own person: a resident's, or the person a carer acts for. */
  async whoAmI(principal: Principal): Promise<MyPerson> {
    const nhsNumber =
      principal.kind === 'carer' ? principal.actingFor?.nhsNumber : principal.kind === 'resident' ? principal.nhsNumber : undefined;
    if (!nhsNumber)
      throw new GovernanceError(
        GovernanceErrorCode.Forbidden,
        'role-not-permitted',
        'only a resident, or a carer acting for one, has a record of their own here',
      );
    const hits = await this.identityIndex.searchPersons({ nhsNumber }, 5, 1);
    if (!hits.length)
      throw new GovernanceError(
        GovernanceErrorCode.NotFound,
        'unknown-person',
        'no record of you has reached the hub yet: none of your care providers has sent it',
      );
    return { personId: hits[0]!.personId, personIds: hits.map((hit) => hit.personId), nhsNumber };
  }

  /** My demographics, decided and audited as any read of them. */
  async me(context: RecordReadContext): Promise<{ person: MyPerson; demographics: GovernedDemographics }> {
    const person = await this.whoAmI(context.principal);
    return { person, demographics: await this.reads.person(context, person.personId) };
  }

  /** Who looked at my record, newest first. Only the person themself (P9); reading it is audited too. */
  async accessLog(context: RecordReadContext, page: { first?: number; after?: string; includeOwn?: boolean }): Promise<MyAccessLogPage> {
    const person = await this.ownPersonAtP9(context);
    const found = await this.log.entries({
      personIds: person.personIds,
      nhsNumber: person.nhsNumber,
      self: { subject: context.principal.subject, issuer: context.principal.issuer },
      ...page,
    });
    await this.auditOwnRead(context, person, 'access-log');
    const names = await this.organisationNames();
    return {
      entries: found.entries.map((entry) => ({
        ...entry,
        organisationName: names.get(entry.who.organisationCode?.toUpperCase() ?? '') ?? null,
      })),
      hasMore: found.hasMore,
    };
  }

  /** Emergency access granted to my record: I am told of every one. */
  async breakGlassAlerts(context: RecordReadContext): Promise<BreakGlassAlert[]> {
    const person = await this.ownPersonAtP9(context);
    const alerts = await this.log.breakGlassAlerts(person.personIds);
    await this.auditOwnRead(context, person, 'break-glass-alerts');
    return alerts;
  }

  /**
   * Everything I may see, as one FHIR R4 collection Bundle: my Patient, every item of every section
   * with a Provenance per source, and an OperationOutcome naming sources that did not answer.
   */
  async export(context: RecordReadContext): Promise<R4Bundle> {
    const person = await this.whoAmI(context.principal);
    const [demographics, record] = await Promise.all([
      this.reads.person(context, person.personId),
      this.reads.read(context, person.personId, RECORD_SECTIONS),
    ]);
    const shown = record.sections
      .flatMap((section) => section.items)
      .map((item): ShownItem => ({ item, resource: resourceOfItem(item, record.personId) }));
    return exportBundle(demographics.patient, recordEntries(shown, record.sections, { provenance: true }));
  }

  private async ownPersonAtP9(context: RecordReadContext): Promise<MyPerson> {
    const { principal } = context;
    // The access log names the professionals caring for the person: for the person alone, at full proofing.
    if (principal.kind !== 'resident')
      throw new GovernanceError(
        GovernanceErrorCode.Forbidden,
        'role-not-permitted',
        'only the person themself may see who has looked at their record',
      );
    if (principal.proofingLevel !== 'P9')
      throw new GovernanceError(GovernanceErrorCode.Forbidden, 'insufficient-proofing', 'who has looked at your record needs a P9 sign-in');
    return this.whoAmI(principal);
  }

  private async auditOwnRead(context: RecordReadContext, person: MyPerson, what: string): Promise<void> {
    await this.audit.record([
      {
        requestId: context.requestId,
        action: 'read',
        outcome: 'allowed',
        purpose: 'PATRQT',
        agent: auditAgentOf(context.principal),
        entity: { personId: person.personId, nhsNumber: person.nhsNumber, sections: [what], queryKind: context.queryKind },
      },
    ]);
  }

  /** Organisation names as the registry knows them (the name of the organisation's source). */
  private async organisationNames(): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    for (const source of await this.registry.list()) names.set(source.organisationCode.toUpperCase(), source.name);
    return names;
  }
}
