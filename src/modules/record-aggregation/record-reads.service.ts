import { Injectable } from '@nestjs/common';

import { AppConfig } from '../../platform/config/index.js';
import {
  type AccessDecision,
  auditAgentOf,
  type AuditEventInput,
  AuditTrail,
  GovernanceError,
  GovernanceErrorCode,
  type PolicySection,
  type Principal,
} from '../governance/index.js';
import { IdentityMatchingService, type PersonRecord } from '../identity-matching/index.js';
import type { R4Patient } from '../../fhir/index.js';
import { RECORD_SECTIONS, type RecordSection, type Source, SourceRegistry } from '../source-connectors/index.js';
import { type AssembledRecord, RecordAssembler } from './assembler/record-assembler.js';
import { birthDateConflicts } from './domain/conflicts.js';
import { type IdentityDemographics, patientOf } from './domain/person-demographics.js';
import { reconcile, type ReconciledItem } from './domain/reconciliation.js';
import type { RecordConflict, SourceSummary } from './domain/record.types.js';
import { pageTimeline, type TimelinePage, type TimelineQuery, timelineOf } from './domain/timeline.js';
import { RecordAggregationError, RecordAggregationErrorCode } from './record-aggregation.errors.js';
import { RecordAccess } from './record-access.service.js';
import type { RecordLookups } from './record-lookups.js';

/** Who reads, in which request, through which query: what the audit row names. */
export interface RecordReadContext {
  principal: Principal;
  requestId: string;
  /** e.g. 'Query.record', 'Query.timeline', 'fhir:AllergyIntolerance'. */
  queryKind: string;
  /**
   * The request a query's read belongs to (the request object): identity and policy look-ups are
   * batched and shared by every read of that request (RecordLookups). Left out for mutations and
   * subscriptions, whose reads look up afresh.
   */
  scope?: object;
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

/** A person's demographics as the caller may see them. */
export interface GovernedDemographics {
  decision: AccessDecision;
  /** The person now standing for the id asked (the survivor of any merge). */
  personId: string;
  /** When the hub first knew them. */
  knownSince: Date;
  /** One Patient made of the most authoritative identities (redacted for a restricted record). */
  patient: R4Patient;
  /** What each linked source says of the person. */
  identities: IdentityDemographics[];
  /** Linked identities disagreeing (dates of birth). */
  conflicts: RecordConflict[];
}

/** What a search may be given: an NHS number, or enough demographics to tell people apart. */
export interface PeopleQuery {
  nhsNumber?: string;
  family?: string;
  given?: string;
  birthDate?: string;
  postcode?: string;
}

/** One person a search found: their demographics only when the caller may see them. */
export interface PeopleSearchHit {
  personId: string;
  /** How likely this is the person described (1 for an NHS number). */
  probability: number;
  /** 'allowed', or the policy's reason the caller may not see this person's demographics. */
  access: string;
  patient?: R4Patient;
}

/** Results a search returns at most. */
export const PEOPLE_SEARCH_MAX = 20;

/** A person's record as the caller may see it, with the decision that let them. */
export interface GovernedRecord extends AssembledRecord {
  decision: AccessDecision;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
    private readonly access: RecordAccess,
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
    const lookups = this.lookupsOf(context);
    const now = lookups?.now ?? new Date();
    const person = UUID.test(personId) ? await this.access.personOrNull(personId, lookups) : null;
    if (!person) {
      // Still an attempt on a record: audited, naming the id asked for only when it is a well-formed one.
      await this.audit.record([this.refusalEvent(context, UUID.test(personId) ? personId : null, null, sections, 'unknown-person')]);
      throw new RecordAggregationError(RecordAggregationErrorCode.NotFound, 'no person with that id');
    }
    const decision = await this.access.decide(
      context.principal,
      person,
      options.demographics ? [...sections, 'demographics'] : sections,
      now,
      lookups,
    );
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

  /** The person's demographics (the policy's `demographics` section), decided and audited like a record read. */
  async person(context: RecordReadContext, personId: string): Promise<GovernedDemographics> {
    const lookups = this.lookupsOf(context);
    const person = UUID.test(personId) ? await this.access.personOrNull(personId, lookups) : null;
    if (!person) {
      await this.audit.record([
        this.refusalEvent(context, UUID.test(personId) ? personId : null, null, ['demographics'], 'unknown-person'),
      ]);
      throw new RecordAggregationError(RecordAggregationErrorCode.NotFound, 'no person with that id');
    }
    const decision = await this.access.decide(context.principal, person, ['demographics'], lookups?.now ?? new Date(), lookups);
    const linked = this.identitiesOf(person, await this.registry.list());
    // A restricted record: no source's address either (as the Patient is redacted below).
    const identities = decision.restrictsDemographics ? linked.map((identity) => ({ ...identity, postcode: null })) : linked;
    if (!decision.allows('demographics')) {
      const reason = decision.deniedSections[0]?.reason ?? 'role-not-permitted';
      await this.audit.record([this.decisionEvent(context, person, decision, { refusedBecause: reason })]);
      throw new GovernanceError(GovernanceErrorCode.Forbidden, reason, `you may not see this person (${reason})`);
    }
    await this.audit.record([
      this.decisionEvent(context, person, decision, { sourcesRead: identities.map((identity) => identity.sourceId) }),
    ]);
    return {
      decision,
      personId: person.id,
      knownSince: person.createdAt,
      patient: decision.redactDemographics(patientOf(person.id, person.nhsNumbers, identities)),
      identities,
      conflicts: birthDateConflicts(identities),
    };
  }

  /**
   * Persons who may be the one described, most likely first. Each is decided on its own: the
   * demographics of those the caller may see; for a professional, only the id and the reason for
   * the others (so they can still break glass); for anyone else, nothing of the others. One 'search' audit row per person found, or one naming
   * nobody when none was; the criteria are recorded by name, never by value.
   */
  async searchPeople(context: RecordReadContext, query: PeopleQuery, limit = PEOPLE_SEARCH_MAX): Promise<PeopleSearchHit[]> {
    const criteria = checkPeopleQuery(query);
    if (!Number.isInteger(limit) || limit < 1 || limit > PEOPLE_SEARCH_MAX)
      throw new RecordAggregationError(RecordAggregationErrorCode.BadInput, `limit must be a whole number from 1 to ${PEOPLE_SEARCH_MAX}`);
    const found = await this.identityIndex.searchPersons(query, limit, this.config.identity.review);
    const lookups = this.lookupsOf(context);
    const now = lookups?.now ?? new Date();
    const sources = await this.registry.list();
    const results = await Promise.all(
      found.map(async ({ personId, probability }) => {
        const person = await this.access.personOrNull(personId, lookups);
        if (!person) return undefined;
        const decision = await this.access.decide(context.principal, person, ['demographics'], now, lookups);
        return { person, probability, decision };
      }),
    );
    const hits = results.filter((hit): hit is NonNullable<typeof hit> => hit !== undefined);
    const detail = { criteria, personsFound: hits.length };
    await this.audit.record(
      hits.length
        ? hits.map(({ person, decision, probability }) => ({
            ...this.decisionEvent(
              context,
              person,
              decision,
              decision.allows('demographics')
                ? { sourcesRead: [] }
                : { refusedBecause: decision.deniedSections[0]?.reason ?? 'role-not-permitted' },
            ),
            action: 'search' as const,
            entity: {
              personId: person.id,
              nhsNumber: person.nhsNumbers[0] ?? null,
              sections: ['demographics'],
              queryKind: context.queryKind,
              detail: { ...detail, basis: decision.basis, probability: Math.round(probability * 1000) / 1000 },
            },
          }))
        : [
            {
              ...this.refusalEvent(context, null, null, ['demographics'], 'nobody-found'),
              action: 'search' as const,
              outcome: 'allowed' as const,
              entity: { sections: ['demographics'], queryKind: context.queryKind, detail },
            },
          ],
    );
    // Only a professional learns of people they may not see (so they can break glass); anyone else
    // (a resident, a carer, a service) would learn who else exists, and hears of their own only.
    const shown = context.principal.kind === 'professional' ? hits : hits.filter(({ decision }) => decision.allows('demographics'));
    return shown.map(({ person, probability, decision }) =>
      decision.allows('demographics')
        ? {
            personId: person.id,
            probability,
            access: 'allowed',
            patient: decision.redactDemographics(patientOf(person.id, person.nhsNumbers, this.identitiesOf(person, sources))),
          }
        : { personId: person.id, probability, access: decision.deniedSections[0]?.reason ?? 'role-not-permitted' },
    );
  }

  private identitiesOf(person: PersonRecord, sources: readonly Source[]): IdentityDemographics[] {
    const byId = new Map(sources.map((source) => [source.id, source]));
    return person.links.flatMap((link) => {
      const source = byId.get(link.sourceId);
      if (!source) return [];
      return [
        {
          sourceId: source.id,
          name: source.name,
          organisationCode: source.organisationCode,
          kind: source.kind,
          localId: link.localId,
          nhsNumber: link.nhsNumber ?? link.tracedNhsNumber,
          given: link.given,
          family: link.family,
          birthDate: link.birthDate,
          sex: link.sex,
          postcode: link.postcode,
        },
      ];
    });
  }

  /**
   * Whether the caller may follow changes to a person's record (live updates): decided on every
   * record section as a read is, allowed when any is, and audited like a read that fetched no
   * source. Returns the decision, which says whose changes may reach them and until when.
   */
  async watch(context: RecordReadContext, personId: string): Promise<AccessDecision> {
    const person = UUID.test(personId) ? await this.personOrNull(personId) : null;
    if (!person) {
      await this.audit.record([this.refusalEvent(context, UUID.test(personId) ? personId : null, null, RECORD_SECTIONS, 'unknown-person')]);
      throw new RecordAggregationError(RecordAggregationErrorCode.NotFound, 'no person with that id');
    }
    const decision = await this.access.decide(context.principal, person, RECORD_SECTIONS, new Date());
    if (!decision.isAllowed) {
      const reason = decision.deniedSections[0]?.reason ?? 'role-not-permitted';
      await this.audit.record([this.decisionEvent(context, person, decision, { refusedBecause: reason })]);
      throw new GovernanceError(GovernanceErrorCode.Forbidden, reason, `you may not follow this record (${reason})`);
    }
    const nothingRead: AssembledRecord = {
      personId: person.id,
      sections: [],
      demographicConflicts: [],
      sourcesRead: [],
      withheld: {},
      elapsedMs: 0,
    };
    await this.audit.record([this.decisionEvent(context, person, decision, { record: nothingRead })]);
    return decision;
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

  private lookupsOf(context: RecordReadContext): RecordLookups | undefined {
    return this.access.lookupsFor(context.scope, context.principal);
  }

  private personOrNull(personId: string): Promise<PersonRecord | null> {
    return this.access.personOrNull(personId);
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

  private decisionEvent(
    context: RecordReadContext,
    person: PersonRecord,
    decision: AccessDecision,
    result: { record: AssembledRecord } | { sourcesRead: readonly string[] } | { refusedBecause: string },
  ): AuditEventInput {
    const record = 'record' in result ? result.record : undefined;
    const refused = 'refusedBecause' in result;
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
        sources: record?.sourcesRead ?? ('sourcesRead' in result ? [...result.sourcesRead] : []),
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
    sections: readonly PolicySection[],
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

/** The names of the criteria given (never their values, which are the person's details); BAD_INPUT when too few. */
function checkPeopleQuery(query: PeopleQuery): string[] {
  const given = Object.entries(query)
    .filter(([, value]) => typeof value === 'string' && value.trim().length > 0)
    .map(([name]) => name);
  const has = (name: keyof PeopleQuery) => given.includes(name);
  if (has('nhsNumber')) {
    if (!/^\d{10}$/.test(query.nhsNumber!.replace(/\s/g, '')))
      throw new RecordAggregationError(RecordAggregationErrorCode.BadInput, 'nhsNumber must be 10 digits');
    return given;
  }
  if (query.birthDate !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(query.birthDate))
    throw new RecordAggregationError(RecordAggregationErrorCode.BadInput, 'birthDate must be a date (YYYY-MM-DD)');
  // Enough to tell people apart, never a trawl: a family name with a birth date, or both names with a birth date or postcode.
  const enough = has('family') && (has('birthDate') || (has('given') && has('postcode')));
  if (!enough)
    throw new RecordAggregationError(
      RecordAggregationErrorCode.BadInput,
      'search by nhsNumber, or by family with birthDate, or by family, given and postcode',
    );
  return given;
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
