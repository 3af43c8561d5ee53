import { randomUUID } from 'node:crypto';

import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';

import type { R4CarePlan } from '../../../fhir/index.js';
import { AppConfig } from '../../../platform/config/index.js';
import {
  type AccessDecision,
  auditAgentOf,
  type AuditEventInput,
  AuditTrail,
  GovernanceError,
  GovernanceErrorCode,
} from '../../governance/index.js';
import { IdentityMatchingService, type PersonRecord } from '../../identity-matching/index.js';
import { type Source, SourceConnectors, SourceRecordChanges, SourceRegistry, SourceRegistryError } from '../../source-connectors/index.js';
import { RecordAssembler } from '../assembler/record-assembler.js';
import { RecordAccess } from '../record-access.service.js';
import { RecordAggregationError, RecordAggregationErrorCode } from '../record-aggregation.errors.js';
import type { RecordEditContext } from '../record-writes.service.js';
import {
  CARE_PLAN_EDITOR_ROLES,
  type CarePlanAuthor,
  carePlanResource,
  checkCarePlanInput,
  checkRevokeReason,
  type CheckedCarePlan,
  contentOf,
  type SharedCarePlanInput,
  type SharedCarePlanKind,
} from './domain/shared-care-plan.js';
import { SharedCarePlanRepository, type SharedCarePlanRecord, type SharedCarePlanVersionRecord } from './shared-care-plan.repository.js';

/** A plan as its editors see it after a change: the version now current and its CarePlan. */
export interface SharedCarePlanView {
  id: string;
  personId: string;
  kind: SharedCarePlanKind;
  status: 'active' | 'revoked';
  version: number;
  createdAt: Date;
  updatedAt: Date;
  resource: R4CarePlan;
}

/** One version in a plan's history: who changed it, when, and what they said of the change. */
export interface SharedCarePlanHistoryEntry {
  version: number;
  status: 'active' | 'revoked';
  changeNote: string | null;
  author: { name: string | null; role: string; organisationCode: string | null };
  createdAt: Date;
  resource: R4CarePlan;
}

/** The hosted source's name in the registry and in every record view. */
export const SHARED_CARE_PLANS_SOURCE_NAME = 'Shared care plans';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Change = 'create' | 'update' | 'revoke';

/**
 * Shared care plans: created and changed by professionals of any organisation whose role plans
 * care, every version kept, and shown in the record from the hub's own source ("Shared care
 * plans", protocol hub-hosted). Each change is authorised like a read of the person's carePlans
 * from that source, and the version, the plan and the audit row commit in one transaction.
 */
@Injectable()
export class SharedCarePlans implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(SharedCarePlans.name);

  constructor(
    private readonly plans: SharedCarePlanRepository,
    private readonly access: RecordAccess,
    private readonly identityIndex: IdentityMatchingService,
    private readonly registry: SourceRegistry,
    private readonly connectors: SourceConnectors,
    private readonly assembler: RecordAssembler,
    private readonly recordChanges: SourceRecordChanges,
    private readonly audit: AuditTrail,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.connectors.hostSections('shared-care', this.plans);
  }

  /** Registers the hub's own source when it is missing; an operator's later changes to it are kept. */
  async onApplicationBootstrap(): Promise<void> {
    if (await this.hubSource()) return;
    try {
      await this.registry.add({
        organisationCode: this.hubOdsCode,
        name: SHARED_CARE_PLANS_SOURCE_NAME,
        kind: 'shared-care',
        protocol: 'hub-hosted',
        // Never called: the connector reads the hub's database. The registry wants a URL; this names the source.
        baseUrl: 'https://tessera.local/hub-hosted/shared-care-plans',
        capabilities: { sections: ['carePlans'], demographicSearch: false, acceptsWrites: false, changeFeed: 'none' },
      });
      this.logger.log('registered the shared care plans source');
    } catch (error) {
      // Another process registered it first.
      if (!(error instanceof SourceRegistryError && error.code === 'DUPLICATE_SOURCE')) throw error;
    }
  }

  async create(context: RecordEditContext, personId: string, input: SharedCarePlanInput): Promise<SharedCarePlanView> {
    const content = checked(input);
    const person = await this.access.personOrNull(personId);
    if (!person) {
      await this.audit.record([this.refusal(context, 'create', UUID.test(personId) ? personId : null, null, 'unknown-person')]);
      throw new RecordAggregationError(RecordAggregationErrorCode.NotFound, 'no person with that id');
    }
    const nhsNumber = person.nhsNumbers[0];
    if (!nhsNumber)
      throw new RecordAggregationError(
        RecordAggregationErrorCode.BadInput,
        'this person has no NHS number: shared care plans are kept by NHS number, so one cannot be made yet',
      );
    const source = await this.hubSource();
    const decision = await this.authorise(context, 'create', person, source);
    const now = new Date();
    const planId = randomUUID();
    const resource = carePlanResource({
      planId,
      version: 1,
      nhsNumber,
      status: 'active',
      planCreatedAt: now,
      versionCreatedAt: now,
      author: authorOf(context),
      content,
    });
    await this.plans.transaction(async (manager) => {
      await this.plans.insertPlan(
        { id: planId, nhsNumber, kind: content.kind, status: 'active', currentVersion: 1, createdAt: now },
        manager,
      );
      await this.plans.insertVersion(this.versionRow(context, planId, 1, resource, content.changeNote ?? null, now), manager);
      await this.audit.record([this.changeEvent(context, 'create', person, decision, source, planId, 1, content.kind)], manager);
    });
    await this.announce(nhsNumber);
    return { id: planId, personId: person.id, kind: content.kind, status: 'active', version: 1, createdAt: now, updatedAt: now, resource };
  }

  /** A new version with the whole plan as given; CONFLICT when someone changed it since `expectedVersion`. */
  async update(
    context: RecordEditContext,
    planId: string,
    expectedVersion: number,
    input: SharedCarePlanInput,
  ): Promise<SharedCarePlanView> {
    const content = checked(input);
    return this.change(context, 'update', planId, expectedVersion, () => ({ content, status: 'active', note: content.changeNote ?? null }));
  }

  /** Ends a plan: a last version with status revoked, which the record no longer shows; the history keeps every version. */
  async revoke(context: RecordEditContext, planId: string, expectedVersion: number, reason: string): Promise<SharedCarePlanView> {
    const checkedReason = checkRevokeReason(reason);
    if (!checkedReason.ok) throw new RecordAggregationError(RecordAggregationErrorCode.BadInput, checkedReason.problem);
    return this.change(context, 'revoke', planId, expectedVersion, (current) => ({
      content: contentOf(current),
      status: 'revoked',
      note: checkedReason.reason,
    }));
  }

  /** Every version of a plan, oldest first, for whoever may read the person's shared care plans; audited as a read. */
  async history(context: RecordEditContext, planId: string): Promise<{ plan: SharedCarePlanView; versions: SharedCarePlanHistoryEntry[] }> {
    const { plan, person } = await this.planAndPerson(context, 'read', planId);
    const source = await this.hubSource();
    const decision = await this.access.decide(context.principal, person, ['carePlans'], new Date());
    const withheld = decision.allows('carePlans')
      ? decision.sourceWithheldBecause(this.hubOdsCode, 'carePlans')
      : (decision.deniedSections[0]?.reason ?? 'role-not-permitted');
    if (withheld) {
      await this.audit.record([
        {
          ...this.changeEvent(context, 'read', person, decision, source, plan.id, plan.currentVersion, plan.kind),
          outcome: 'denied',
          outcomeReason: withheld,
        },
      ]);
      throw new GovernanceError(GovernanceErrorCode.Forbidden, withheld, `you may not read this plan (${withheld})`);
    }
    const versions = await this.plans.versions(plan.id);
    await this.audit.record([this.changeEvent(context, 'read', person, decision, source, plan.id, plan.currentVersion, plan.kind)]);
    const current = versions.at(-1)!;
    return {
      plan: this.view(plan, person, current.resource),
      versions: versions.map((version) => ({
        version: version.version,
        status: version.resource.status === 'revoked' ? 'revoked' : 'active',
        changeNote: version.changeNote,
        author: { name: version.authorName, role: version.authorRole, organisationCode: version.authorOrganisation },
        createdAt: version.createdAt,
        resource: version.resource,
      })),
    };
  }

  private async change(
    context: RecordEditContext,
    change: 'update' | 'revoke',
    planId: string,
    expectedVersion: number,
    next: (current: R4CarePlan) => { content: CheckedCarePlan; status: 'active' | 'revoked'; note: string | null },
  ): Promise<SharedCarePlanView> {
    if (!Number.isInteger(expectedVersion) || expectedVersion < 1)
      throw new RecordAggregationError(RecordAggregationErrorCode.BadInput, 'expectedVersion must be a whole number from 1');
    const { plan: seen, person } = await this.planAndPerson(context, change, planId);
    const source = await this.hubSource();
    const decision = await this.authorise(context, change, person, source, seen);
    const now = new Date();
    const result = await this.plans.transaction(
      async (manager): Promise<{ conflict: string } | { plan: SharedCarePlanRecord; resource: R4CarePlan }> => {
        // Locked, so that two editors of the same version cannot both make the next one.
        const plan = (await this.plans.plan(planId, manager, { forUpdate: true }))!;
        if (plan.currentVersion !== expectedVersion)
          return { conflict: `the plan is at version ${plan.currentVersion}, not ${expectedVersion}: read it again` };
        if (plan.status === 'revoked') return { conflict: `the plan was revoked at version ${plan.currentVersion}` };
        const current = (await this.plans.version(plan.id, plan.currentVersion, manager))!;
        const { content, status, note } = next(current.resource);
        const version = plan.currentVersion + 1;
        const resource = carePlanResource({
          planId: plan.id,
          version,
          nhsNumber: plan.nhsNumber,
          status,
          planCreatedAt: plan.createdAt,
          versionCreatedAt: now,
          author: authorOf(context),
          content,
        });
        await this.plans.insertVersion(this.versionRow(context, plan.id, version, resource, note, now), manager);
        await this.plans.updatePlan(plan.id, { kind: content.kind, status, currentVersion: version, updatedAt: now }, manager);
        await this.audit.record([this.changeEvent(context, change, person, decision, source, plan.id, version, content.kind)], manager);
        return { plan: { ...plan, kind: content.kind, status, currentVersion: version, updatedAt: now }, resource };
      },
    );
    if ('conflict' in result) {
      await this.audit.record([
        {
          ...this.changeEvent(context, change, person, decision, source, seen.id, seen.currentVersion, seen.kind),
          outcome: 'denied',
          outcomeReason: 'stale-version',
        },
      ]);
      throw new GovernanceError(GovernanceErrorCode.Conflict, 'stale-version', result.conflict);
    }
    await this.announce(result.plan.nhsNumber);
    return this.view(result.plan, person, result.resource);
  }

  /** The plan and the person it is for (found by its NHS number); NOT_FOUND, audited, when either is missing. */
  private async planAndPerson(
    context: RecordEditContext,
    change: Change | 'read',
    planId: string,
  ): Promise<{ plan: SharedCarePlanRecord; person: PersonRecord }> {
    const plan = UUID.test(planId) ? await this.plans.plan(planId) : null;
    const [hit] = plan ? await this.identityIndex.searchPersons({ nhsNumber: plan.nhsNumber }, 1, 1) : [];
    const person = hit ? await this.access.personOrNull(hit.personId) : null;
    if (!plan || !person) {
      await this.audit.record([this.refusal(context, change, null, plan?.nhsNumber ?? null, plan ? 'unknown-person' : 'unknown-plan')]);
      throw new RecordAggregationError(
        RecordAggregationErrorCode.NotFound,
        plan ? 'nobody in the index has this plan’s NHS number' : 'no shared care plan with that id',
      );
    }
    return { plan, person };
  }

  /**
   * Decided as a read of the person's carePlans, and the hub's plans must be visible to the
   * caller; and only professionals whose role plans care may change them. A refusal is audited.
   */
  private async authorise(
    context: RecordEditContext,
    change: Change,
    person: PersonRecord,
    source: Source | undefined,
    plan?: SharedCarePlanRecord,
  ): Promise<AccessDecision> {
    const decision = await this.access.decide(context.principal, person, ['carePlans'], new Date());
    const { principal } = context;
    const reason =
      principal.kind !== 'professional'
        ? 'not-a-professional'
        : !principal.roles.some((role) => (CARE_PLAN_EDITOR_ROLES as readonly string[]).includes(role))
          ? 'role-may-not-edit'
          : !decision.allows('carePlans')
            ? (decision.deniedSections[0]?.reason ?? 'role-not-permitted')
            : decision.sourceWithheldBecause(this.hubOdsCode, 'carePlans');
    if (reason) {
      await this.audit.record([
        {
          ...this.changeEvent(
            context,
            change,
            person,
            decision,
            source,
            plan?.id ?? null,
            plan?.currentVersion ?? null,
            plan?.kind ?? null,
          ),
          outcome: 'denied',
          outcomeReason: reason,
        },
      ]);
      throw new GovernanceError(
        GovernanceErrorCode.Forbidden,
        reason,
        `you may not ${change === 'create' ? 'create' : 'change'} shared care plans for this person (${reason})`,
      );
    }
    return decision;
  }

  /** Caches of the person's hosted plans are stale in every process; live followers hear of it. */
  private async announce(nhsNumber: string): Promise<void> {
    this.assembler.fetches.invalidatePatient(this.hubOdsCode, nhsNumber);
    await this.recordChanges.publish({ organisationCode: this.hubOdsCode, localId: nhsNumber });
  }

  private get hubOdsCode(): string {
    return this.config.gpConnect.odsCode;
  }

  private async hubSource(): Promise<Source | undefined> {
    return (await this.registry.list()).find((source) => source.protocol === 'hub-hosted' && source.organisationCode === this.hubOdsCode);
  }

  private view(plan: SharedCarePlanRecord, person: PersonRecord, resource: R4CarePlan): SharedCarePlanView {
    return {
      id: plan.id,
      personId: person.id,
      kind: plan.kind,
      status: plan.status,
      version: plan.currentVersion,
      createdAt: plan.createdAt,
      updatedAt: plan.updatedAt,
      resource,
    };
  }

  private versionRow(
    context: RecordEditContext,
    planId: string,
    version: number,
    resource: R4CarePlan,
    changeNote: string | null,
    at: Date,
  ): SharedCarePlanVersionRecord {
    const author = authorOf(context);
    return {
      planId,
      version,
      resource,
      authorSubject: context.principal.subject,
      authorIssuer: context.principal.issuer,
      authorName: context.principal.name ?? null,
      authorOrganisation: context.principal.organisation?.code ?? null,
      authorRole: author.role,
      changeNote,
      createdAt: at,
    };
  }

  private changeEvent(
    context: RecordEditContext,
    change: Change | 'read',
    person: PersonRecord,
    decision: AccessDecision,
    source: Source | undefined,
    planId: string | null,
    version: number | null,
    kind: SharedCarePlanKind | null,
  ): AuditEventInput {
    return {
      requestId: context.requestId,
      action: change === 'create' ? 'create' : change === 'read' ? 'read' : 'update',
      outcome: decision.outcome,
      outcomeReason: null,
      purpose: decision.purposeOfUse,
      agent: auditAgentOf(context.principal),
      entity: {
        personId: person.id,
        nhsNumber: person.nhsNumbers[0] ?? null,
        sections: ['carePlans'],
        sources: source ? [source.id] : [],
        queryKind: context.queryKind,
        detail: {
          basis: decision.basis,
          ...(planId ? { sharedCarePlan: planId } : {}),
          ...(version ? { version } : {}),
          ...(kind ? { kind } : {}),
          ...(change !== 'read' ? { change } : {}),
        },
      },
    };
  }

  private refusal(
    context: RecordEditContext,
    change: Change | 'read',
    personId: string | null,
    nhsNumber: string | null,
    reason: string,
  ): AuditEventInput {
    return {
      requestId: context.requestId,
      action: change === 'create' ? 'create' : change === 'read' ? 'read' : 'update',
      outcome: 'denied',
      outcomeReason: reason,
      purpose: null,
      agent: auditAgentOf(context.principal),
      entity: { personId, nhsNumber, sections: ['carePlans'], queryKind: context.queryKind },
    };
  }
}

function checked(input: SharedCarePlanInput): CheckedCarePlan {
  const result = checkCarePlanInput(input);
  if (!result.ok) throw new RecordAggregationError(RecordAggregationErrorCode.BadInput, result.problems.join('; '));
  return result.plan;
}

function authorOf(context: RecordEditContext): CarePlanAuthor {
  const { principal } = context;
  const role =
    principal.roles.find((candidate) => (CARE_PLAN_EDITOR_ROLES as readonly string[]).includes(candidate)) ??
    principal.roles[0] ??
    principal.kind;
  return {
    name: principal.name ?? principal.subject,
    role,
    organisationCode: principal.organisation?.code ?? 'unknown',
    ...(principal.organisation?.name ? { organisationName: principal.organisation.name } : {}),
  };
}
