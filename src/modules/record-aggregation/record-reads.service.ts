import { Injectable } from '@nestjs/common';

import { AppConfig } from '../../platform/config/index.js';
import {
  type AccessDecision,
  AccessGrants,
  AccessPolicyService,
  auditAgentOf,
  type AuditEventInput,
  AuditTrail,
  ConsentSettings,
  GovernanceError,
  GovernanceErrorCode,
  type OrganisationKind,
  type PolicySection,
  type Principal,
  type RelationshipEvent,
} from '../governance/index.js';
import {
  IdentityMatchingError,
  IdentityMatchingErrorCode,
  IdentityMatchingService,
  type PersonRecord,
} from '../identity-matching/index.js';
import { RECORD_SECTIONS, type RecordSection, SourceRegistry } from '../source-connectors/index.js';
import { type AssembledRecord, RecordAssembler } from './assembler/record-assembler.js';
import { reconcile, type ReconciledItem } from './domain/reconciliation.js';
import type { SourceSummary } from './domain/record.types.js';
import { pageTimeline, type TimelinePage, type TimelineQuery, timelineOf } from './domain/timeline.js';
import { RecordAggregationError, RecordAggregationErrorCode } from './record-aggregation.errors.js';
import { RelationshipEvidence } from './relationships/relationship-evidence.service.js';

/** Who reads, in which request, through which query: what the audit row names. */
export interface RecordReadContext {
  principal: Principal;
  requestId: string;
  /** e.g. 'Query.record', 'Query.timeline', 'fhir:AllergyIntolerance'. */
  queryKind: string;
}

export interface RecordReadOptions {
  /** Milliseconds to wait for sources; the configured default when absent, at most the configured maximum. */
  deadlineMs?: number;
  /**
   * The caller also asks for demographics (the linked identities' disagreements about the date of
   * birth): decided and audited as a section of its own, never making the read allowed by itself.
   */
  demographics?: boolean;
}

/** A person's record as the caller may see it, with the decision that let them. */
export interface GovernedRecord extends AssembledRecord {
  decision: AccessDecision;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KIND_OF_ORGANISATION: Partial<Record<string, OrganisationKind>> = {
  gp: 'gp',
  acute: 'acute',
  'mental-health': 'mental-health',
  community: 'community',
  'social-care': 'social-care',
};

/**
 * Every read of a person's clinical record goes through here: the policy decides on the
 * principal, the person's consent, the relationship evidence and any break-glass or
 * self-declared grant; the assembler fetches only what the decision allows and filters every
 * item; and one audit row is committed before anything is returned. A refusal is audited too.
 */
@Injectable()
export class RecordReads {
  constructor(
    private readonly identityIndex: IdentityMatchingService,
    private readonly policy: AccessPolicyService,
    private readonly consent: ConsentSettings,
    private readonly grants: AccessGrants,
    private readonly relationships: RelationshipEvidence,
    private readonly registry: SourceRegistry,
    private readonly assembler: RecordAssembler,
    private readonly audit: AuditTrail,
    private readonly config: AppConfig,
  ) {}

  async read(
    context: RecordReadContext,
    personId: string,
    requested: readonly string[] = RECORD_SECTIONS,
    options: RecordReadOptions = {},
  ): Promise<GovernedRecord> {
    const sections = checkSections(requested);
    const deadlineMs = this.deadlineOf(options.deadlineMs);
    const now = new Date();
    const person = UUID.test(personId) ? await this.personOrNull(personId) : null;
    if (!person) {
      // Still an attempt on a record: audited, naming the id asked for only when it is a well-formed one.
      await this.audit.record([this.refusalEvent(context, UUID.test(personId) ? personId : null, null, sections, 'unknown-person')]);
      throw new RecordAggregationError(RecordAggregationErrorCode.NotFound, 'no person with that id');
    }
    const decision = await this.decide(context.principal, person, options.demographics ? [...sections, 'demographics'] : sections, now);
    // Only record sections make a read allowed: demographics alone do not open a clinical read.
    if (!sections.some((section) => decision.allows(section))) {
      const reason = decision.deniedSections.find((denial) => denial.section !== 'demographics')?.reason ?? 'role-not-permitted';
      await this.audit.record([this.decisionEvent(context, person, decision, { refusedBecause: reason })]);
      throw new GovernanceError(GovernanceErrorCode.Forbidden, reason, `you may not read this record (${reason})`);
    }
    const record = await this.assembler.assemble(decision, { person, sections, deadlineMs });
    // Committed before the record is returned: if it cannot be written, the read fails with it.
    await this.audit.record([this.decisionEvent(context, person, decision, { record })]);
    return { ...record, decision };
  }

  /** Medicines and allergies across every source, each with its status in each (one governed read of both sections). */
  async reconciliation(
    context: RecordReadContext,
    personId: string,
    options: RecordReadOptions = {},
  ): Promise<{ record: GovernedRecord; items: ReconciledItem[] }> {
    const record = await this.read(context, personId, ['medications', 'allergies'], options);
    // Only sources that answered can say an item is not recorded; a silent one says nothing.
    const answered = new Map<string, SourceSummary>();
    for (const section of record.sections)
      for (const { sourceId, name, organisationCode, kind, status } of section.sources)
        if (status === 'ok') answered.set(sourceId, { sourceId, name, organisationCode, kind });
    return {
      record,
      items: reconcile(
        record.sections.flatMap((section) => section.items),
        [...answered.values()],
      ),
    };
  }

  /** Dated events across the sections asked for (every one by default), most recent first, one page. */
  async timeline(
    context: RecordReadContext,
    personId: string,
    page: TimelineQuery,
    options: RecordReadOptions = {},
  ): Promise<{ record: GovernedRecord; page: TimelinePage }> {
    // A bad page request is refused before any source is asked.
    this.checkPage(page);
    const record = await this.read(context, personId, page.types ?? RECORD_SECTIONS, options);
    return { record, page: this.checkPage(page, timelineOf(record.sections.flatMap((section) => section.items))) };
  }

  private checkPage(page: TimelineQuery, events: Parameters<typeof pageTimeline>[0] = []): TimelinePage {
    try {
      return pageTimeline(events, page);
    } catch (error) {
      if (error instanceof RangeError) throw new RecordAggregationError(RecordAggregationErrorCode.BadInput, error.message);
      throw error;
    }
  }

  private async personOrNull(personId: string): Promise<PersonRecord | null> {
    try {
      return await this.identityIndex.person(personId);
    } catch (error) {
      if (error instanceof IdentityMatchingError && error.code === IdentityMatchingErrorCode.NotFound) return null;
      throw error;
    }
  }

  private deadlineOf(requested: number | undefined): number {
    if (requested === undefined) return this.config.record.deadlineMs;
    if (!Number.isInteger(requested) || requested < 1 || requested > this.config.record.maxDeadlineMs)
      throw new RecordAggregationError(
        RecordAggregationErrorCode.BadInput,
        `deadlineMs must be a whole number from 1 to ${this.config.record.maxDeadlineMs}`,
      );
    return requested;
  }

  private async decide(principal: Principal, person: PersonRecord, sections: readonly PolicySection[], now: Date): Promise<AccessDecision> {
    const nhsNumber = person.nhsNumbers[0] ?? '';
    const professional = principal.kind === 'professional';
    // Evidence and grants only count for professionals: not worth reading for anyone else.
    const [consent, relationshipEvidence, grants, sources] = await Promise.all([
      this.consent.forPerson(nhsNumber),
      professional ? this.relationships.eventsFor(person.id, now) : Promise.resolve<RelationshipEvent[]>([]),
      professional ? this.grants.activeFor(principal, person.id, now) : Promise.resolve({}),
      this.registry.list(),
    ]);
    const organisationKinds: Record<string, OrganisationKind> = {};
    for (const source of sources) {
      const kind = KIND_OF_ORGANISATION[source.kind];
      if (kind) organisationKinds[source.organisationCode.toUpperCase()] = kind;
    }
    return this.policy.decide({
      principal,
      context: 'record',
      person: { id: person.id, nhsNumber, restricted: false, consent },
      sections,
      relationshipEvidence,
      ...grants,
      organisationKinds,
      now,
    });
  }

  private decisionEvent(
    context: RecordReadContext,
    person: PersonRecord,
    decision: AccessDecision,
    result: { record: AssembledRecord } | { refusedBecause: string },
  ): AuditEventInput {
    const record = 'record' in result ? result.record : undefined;
    const refused = !record;
    return {
      requestId: context.requestId,
      action: 'read',
      outcome: refused ? 'denied' : decision.outcome,
      outcomeReason: 'refusedBecause' in result ? result.refusedBecause : null,
      purpose: decision.purposeOfUse,
      agent: auditAgentOf(context.principal),
      entity: {
        personId: person.id,
        nhsNumber: person.nhsNumbers[0] ?? null,
        sections: refused ? decision.requestedSections : decision.allowedSections,
        sources: record?.sourcesRead ?? [],
        queryKind: context.queryKind,
        detail: {
          basis: decision.basis,
          ...(decision.relationship
            ? { relationship: decision.relationship.kind, relationshipOrganisation: decision.relationship.organisationCode }
            : {}),
          deniedSections: decision.deniedSections.map(({ section, reason }) => ({ section, reason })),
          ...(record ? { withheldItems: { ...record.withheld } } : {}),
          ...(decision.consentOverridden ? { consentOverridden: true } : {}),
        },
      },
    };
  }

  private refusalEvent(
    context: RecordReadContext,
    personId: string | null,
    nhsNumber: string | null,
    sections: readonly RecordSection[],
    reason: string,
  ): AuditEventInput {
    return {
      requestId: context.requestId,
      action: 'read',
      outcome: 'denied',
      outcomeReason: reason,
      purpose: null,
      agent: auditAgentOf(context.principal),
      entity: { personId, nhsNumber, sections, queryKind: context.queryKind },
    };
  }
}

/** The sections asked for, checked: an unknown name is an error naming it, not silently dropped. */
function checkSections(requested: readonly string[]): RecordSection[] {
  const unknown = requested.filter((section) => !(RECORD_SECTIONS as readonly string[]).includes(section));
  if (unknown.length)
    throw new RecordAggregationError(
      RecordAggregationErrorCode.BadInput,
      `unknown section ${JSON.stringify(unknown[0]!.slice(0, 40))}: sections are ${RECORD_SECTIONS.join(', ')}`,
    );
  if (!requested.length) throw new RecordAggregationError(RecordAggregationErrorCode.BadInput, 'ask for at least one section');
  return [...new Set(requested)] as RecordSection[];
}
