import { Injectable, Logger } from '@nestjs/common';

import {
  type AccessDecision,
  auditAgentOf,
  type AuditEventInput,
  AuditTrail,
  GovernanceError,
  GovernanceErrorCode,
} from '../governance/index.js';
import type { PersonRecord } from '../identity-matching/index.js';
import {
  type RecordSection,
  type Source,
  SourceConnectors,
  SourceError,
  SourceHttpError,
  SourceRecordChanges,
  SourceRegistry,
} from '../source-connectors/index.js';
import { RecordAssembler } from './assembler/record-assembler.js';
import { checkWrite } from './domain/write-back.js';
import { RecordAggregationError, RecordAggregationErrorCode } from './record-aggregation.errors.js';
import { RecordAccess } from './record-access.service.js';
import type { RecordReadContext } from './record-reads.service.js';

/** Who edits, in which request, through which operation: what the audit row names. */
export type RecordEditContext = RecordReadContext;

/** What the source said to a write: accepted with the id it gave, or not, with a reason safe to show. */
export interface WriteResult {
  accepted: boolean;
  sourceId: string;
  resourceType: string;
  resourceId?: string;
  reason?: string;
}

/**
 * Write-back: a professional's new observation or diagnosis goes to the source that owns the
 * person's record there, through its connector, and the answer says whether the source accepted
 * it. The hub keeps no copy. Authorised exactly as a read of the section from that source would
 * be, and only for professionals; one audit row per attempt, written once the source has answered.
 */
@Injectable()
export class RecordWrites {
  private readonly logger = new Logger(RecordWrites.name);

  constructor(
    private readonly access: RecordAccess,
    private readonly registry: SourceRegistry,
    private readonly connectors: SourceConnectors,
    private readonly assembler: RecordAssembler,
    private readonly recordChanges: SourceRecordChanges,
    private readonly audit: AuditTrail,
  ) {}

  async create(context: RecordEditContext, personId: string, sourceId: string, resource: unknown): Promise<WriteResult> {
    const checked = checkWrite(resource);
    // A malformed request is refused before anything is looked up, like a read of an unknown section.
    if (!checked.ok) throw new RecordAggregationError(RecordAggregationErrorCode.BadInput, checked.problem);
    const { section } = checked;
    const person = await this.access.personOrNull(personId);
    if (!person) {
      await this.audit.record([this.refusal(context, null, section, sourceId, 'unknown-person')]);
      throw new RecordAggregationError(RecordAggregationErrorCode.NotFound, 'no person with that id');
    }
    const source = (await this.registry.list()).find((candidate) => candidate.id === sourceId);
    if (!source) {
      await this.audit.record([this.refusal(context, person, section, null, 'unknown-source')]);
      throw new RecordAggregationError(RecordAggregationErrorCode.NotFound, 'no source with that id');
    }
    const decision = await this.access.decide(context.principal, person, [section], new Date());
    const refusal = this.refusalOf(context, decision, source, section);
    if (refusal) {
      await this.audit.record([this.event(context, person, decision, section, source, { refusedBecause: refusal.reason })]);
      throw refusal.error;
    }
    const refuseInput = async (reason: string, message: string): Promise<never> => {
      await this.audit.record([this.event(context, person, decision, section, source, { refusedBecause: reason })]);
      throw new RecordAggregationError(RecordAggregationErrorCode.BadInput, message);
    };
    if (!source.capabilities.acceptsWrites)
      return refuseInput('source-not-writable', `${source.name} does not accept writes through the hub`);
    const connector = await this.connectors.forSource(source.id);
    if (!connector) return refuseInput('source-disabled', `${source.name} is switched off`);
    if (!connector.create) return refuseInput('source-not-writable', `${source.name} does not accept writes through the hub`);
    const localId = person.links.find((link) => link.sourceId === source.id)?.localId;
    if (!localId) return refuseInput('not-linked-to-source', `this person has no record at ${source.name} to write to`);

    let result: WriteResult;
    let sourceStatus: number | undefined;
    try {
      const created = await connector.create!(localId, section, checked.resource);
      result = {
        accepted: true,
        sourceId: source.id,
        resourceType: checked.resource.resourceType,
        ...(created.id ? { resourceId: created.id } : {}),
      };
      sourceStatus = 201;
    } catch (error) {
      sourceStatus = error instanceof SourceError ? error.status : undefined;
      // Kinds and codes only: what the source said could hold clinical content.
      this.logger.warn(
        `write to source ${source.id} ${section}: not accepted (${error instanceof SourceError ? error.kind : 'unexpected'})`,
      );
      result = { accepted: false, sourceId: source.id, resourceType: checked.resource.resourceType, reason: reasonFor(error) };
    }
    // Written after the source answered and before the caller hears it: if it cannot be written, the call fails.
    await this.audit.record([
      this.event(context, person, decision, section, source, { accepted: result.accepted, ...(sourceStatus ? { sourceStatus } : {}) }),
    ]);
    if (result.accepted) {
      // Cached reads of this patient's record there are now out of date, in every process.
      this.assembler.fetches.invalidatePatient(source.organisationCode, localId);
      await this.recordChanges.publish({ organisationCode: source.organisationCode, localId });
    }
    return result;
  }

  /** Why the principal may not write this section to this source, or undefined when they may. */
  private refusalOf(
    context: RecordEditContext,
    decision: AccessDecision,
    source: Source,
    section: RecordSection,
  ): { reason: string; error: GovernanceError } | undefined {
    const refuse = (reason: string, message: string) => ({
      reason,
      error: new GovernanceError(GovernanceErrorCode.Forbidden, reason, message),
    });
    // Residents, carers and systems read; writing into a clinical system is for professionals.
    if (context.principal.kind !== 'professional') return refuse('not-a-professional', 'only professionals may write to a source');
    if (!decision.allows(section)) {
      const reason = decision.deniedSections[0]?.reason ?? 'role-not-permitted';
      return refuse(reason, `you may not write to this record (${reason})`);
    }
    const withheld = decision.sourceWithheldBecause(source.organisationCode, section);
    if (withheld) return refuse(withheld, `you may not write to this source's ${section} (${withheld})`);
    return undefined;
  }

  private event(
    context: RecordEditContext,
    person: PersonRecord,
    decision: AccessDecision,
    section: RecordSection,
    source: Source,
    result: { accepted: boolean; sourceStatus?: number } | { refusedBecause: string },
  ): AuditEventInput {
    const refused = 'refusedBecause' in result;
    return {
      requestId: context.requestId,
      action: 'create',
      outcome: refused ? 'denied' : decision.outcome,
      outcomeReason: refused ? result.refusedBecause : null,
      purpose: decision.purposeOfUse,
      agent: auditAgentOf(context.principal),
      entity: {
        personId: person.id,
        nhsNumber: person.nhsNumbers[0] ?? null,
        sections: [section],
        sources: [source.id],
        queryKind: context.queryKind,
        detail: {
          basis: decision.basis,
          accepted: refused ? false : result.accepted,
          ...(!refused && result.sourceStatus ? { sourceStatus: result.sourceStatus } : {}),
        },
      },
    };
  }

  private refusal(
    context: RecordEditContext,
    person: PersonRecord | null,
    section: RecordSection,
    sourceId: string | null,
    reason: string,
  ): AuditEventInput {
    return {
      requestId: context.requestId,
      action: 'create',
      outcome: 'denied',
      outcomeReason: reason,
      purpose: null,
      agent: auditAgentOf(context.principal),
      entity: {
        personId: person?.id ?? null,
        nhsNumber: person?.nhsNumbers[0] ?? null,
        sections: [section],
        sources: sourceId && /^[0-9a-f-]{36}$/i.test(sourceId) ? [sourceId] : [],
        queryKind: context.queryKind,
        detail: { accepted: false },
      },
    };
  }
}

/** Safe words for a write the source did not take: its status and coded reason, never its text. */
function reasonFor(error: unknown): string {
  if (!(error instanceof SourceError)) return 'the write failed unexpectedly; the source may not have stored it';
  switch (error.kind) {
    case 'http-error': {
      if (error.status !== undefined && error.status >= 400 && error.status < 500) {
        const code = error instanceof SourceHttpError ? error.outcomeCode : undefined;
        const where = error instanceof SourceHttpError ? error.outcomeExpression : undefined;
        return `the source refused the resource (HTTP ${error.status}${code ? `: ${code}` : ''}${where ? ` at ${where}` : ''})`;
      }
      return `the source failed${error.status ? ` (HTTP ${error.status})` : ''}; it may not have stored the resource`;
    }
    case 'timeout':
      // Not retried, and not knowable: say so rather than guess.
      return 'the source did not answer in time; it may or may not have stored the resource';
    case 'circuit-open':
      return 'calls to this source are paused after repeated failures; nothing was sent';
    case 'unreachable':
      return 'the source could not be reached; nothing was stored';
    case 'unauthorised':
      return "the source refused the hub's credentials";
    case 'not-found':
      return 'the source no longer knows this patient';
    case 'unsupported':
      return 'the source does not take this kind of resource';
    case 'malformed':
      return 'the source answered with something the hub could not read; it may have stored the resource';
    default: {
      const unhandled: never = error.kind;
      return `the write failed (${String(unhandled)})`;
    }
  }
}
