import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';

import type { R4Resource } from '../../../fhir/index.js';
import { AppConfig } from '../../../platform/config/index.js';
import { type AccessDecision, requireAccessDecision, type WithholdReason } from '../../governance/index.js';
import { IdentityEvents, type PersonRecord } from '../../identity-matching/index.js';
import {
  type RecordSection,
  type Source,
  SourceConnectors,
  SourceError,
  SourceRecordChanges,
  SourceRegistry,
} from '../../source-connectors/index.js';
import { birthDateConflicts, sectionConflicts } from '../domain/conflicts.js';
import { deduplicateSection } from '../domain/deduplicate.js';
import type { RecordConflict, SectionResult, SourceStatus, SourceSummary, SourcedResource } from '../domain/record.types.js';
import { SectionFetches } from './section-fetches.js';

// The heart of the hub: for one person and the sections asked for, every linked source is asked
// for every section at once, and what has arrived when the deadline passes is the answer. A
// source that is slow, failing or switched off costs its own status, never the answer.

/** What the assembler was asked for. */
export interface AssemblyRequest {
  /** The person, as the identity index holds them (the survivor of any merge). */
  person: PersonRecord;
  sections: readonly RecordSection[];
  /** How long to wait for sources, in milliseconds, from the call. */
  deadlineMs: number;
}

/** One person's record as the caller may see it. */
export interface AssembledRecord {
  personId: string;
  sections: SectionResult[];
  /** Disagreements between linked identities' demographics (when the caller may see demographics). */
  demographicConflicts: RecordConflict[];
  /** Sources whose data reached the caller (for the audit trail). */
  sourcesRead: string[];
  /** Items the policy withheld, by reason (for the audit trail; never shown to the caller). */
  withheld: Partial<Record<WithholdReason, number>>;
  elapsedMs: number;
}

type SourceAnswer =
  | { outcome: 'ok'; resources: readonly R4Resource[]; fetchedAt: Date; freshness: 'live' | 'cached' }
  | { outcome: 'timeout' | 'error' | 'circuit-open'; reason: string };

const TIMED_OUT = Symbol('deadline');

/** Safe words for each way a source can fail: no upstream text ever reaches the caller. */
function answerForError(error: unknown): Exclude<SourceAnswer, { outcome: 'ok' }> {
  if (!(error instanceof SourceError)) return { outcome: 'error', reason: 'the source call failed unexpectedly' };
  switch (error.kind) {
    case 'timeout':
      return { outcome: 'timeout', reason: 'the source did not answer within its own time limit' };
    case 'circuit-open':
      return { outcome: 'circuit-open', reason: 'calls to this source are paused after repeated failures' };
    case 'unreachable':
      return { outcome: 'error', reason: 'the source could not be reached' };
    case 'http-error':
      return { outcome: 'error', reason: `the source answered with an error${error.status ? ` (HTTP ${error.status})` : ''}` };
    case 'malformed':
      return { outcome: 'error', reason: 'the source answered with something the hub could not read' };
    case 'not-found':
      return { outcome: 'error', reason: 'the source no longer knows this patient' };
    case 'unauthorised':
      return { outcome: 'error', reason: "the source refused the hub's credentials" };
    case 'unsupported':
      return { outcome: 'error', reason: 'the source does not offer this section' };
    default: {
      const unhandled: never = error.kind;
      return { outcome: 'error', reason: `the source call failed (${String(unhandled)})` };
    }
  }
}

const WITHHELD_SOURCE_REASON: Record<WithholdReason, string> = {
  'section-not-permitted': 'your role may not see this section',
  'outside-sharing-agreement': "no sharing agreement covers this organisation's data for you",
  'opted-out': 'the person has opted out of sharing this organisation’s data',
  'private-to-person': 'kept private by the person',
  sensitive: 'withheld as sensitive',
  'result-not-yet-released': 'not yet released',
};

const summaryOf = (source: Source): SourceSummary => ({
  sourceId: source.id,
  name: source.name,
  organisationCode: source.organisationCode,
  kind: source.kind,
});

@Injectable()
export class RecordAssembler implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RecordAssembler.name);
  readonly fetches: SectionFetches;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    private readonly registry: SourceRegistry,
    private readonly connectors: SourceConnectors,
    private readonly identityEvents: IdentityEvents,
    private readonly recordChanges: SourceRecordChanges,
    config: AppConfig,
  ) {
    this.fetches = new SectionFetches({ ttlMs: config.record.cacheTtlSeconds * 1000, maxEntries: config.record.cacheMaxEntries });
  }

  async onModuleInit(): Promise<void> {
    // Only a process that caches needs to hear of changes; every api process does, whatever its peers hold.
    if (!this.fetches.cacheEnabled) return;
    this.unsubscribe.push(
      await this.recordChanges.subscribe(({ organisationCode, localId }) => {
        this.fetches.invalidatePatient(organisationCode, localId);
      }),
      await this.identityEvents.subscribe(({ personIds }) => {
        this.fetches.invalidatePersons(personIds);
      }),
    );
  }

  onModuleDestroy(): void {
    for (const stop of this.unsubscribe.splice(0)) stop();
    this.fetches.clear();
  }

  /**
   * The person's record for the sections asked for, as `decision` lets its principal see it. The
   * decision must be the policy's, unexpired, and about this person: there is no other way in.
   */
  async assemble(decision: AccessDecision, request: AssemblyRequest): Promise<AssembledRecord> {
    const started = Date.now();
    requireAccessDecision(decision, new Date(started));
    if (decision.personId !== request.person.id) throw new TypeError('the access decision is about another person');
    const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
      const timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, request.deadlineMs));
      timer.unref();
    });
    const sources = (await this.registry.list()).filter((source) => source.enabled && source.kind !== 'pds');
    const localIdsBySource = new Map<string, string[]>();
    for (const link of request.person.links) {
      const ids = localIdsBySource.get(link.sourceId) ?? [];
      ids.push(link.localId);
      localIdsBySource.set(link.sourceId, ids);
    }
    // A source the hub hosts itself holds everyone, by NHS number: no identity links it to the person.
    for (const source of sources)
      if (source.protocol === 'hub-hosted' && request.person.nhsNumbers.length)
        localIdsBySource.set(source.id, [...request.person.nhsNumbers]);
    const withheld: Partial<Record<WithholdReason, number>> = {};
    const sourcesRead = new Set<string>();
    const sections = await Promise.all(
      [...new Set(request.sections)].map((section) =>
        this.assembleSection(decision, request.person.id, section, sources, localIdsBySource, deadline, withheld, sourcesRead, started),
      ),
    );
    const demographicConflicts = decision.allows('demographics')
      ? birthDateConflicts(
          request.person.links.map((link) => ({
            sourceId: link.sourceId,
            organisationCode: sources.find((source) => source.id === link.sourceId)?.organisationCode ?? 'unknown',
            birthDate: link.birthDate,
          })),
        )
      : [];
    return {
      personId: request.person.id,
      sections,
      demographicConflicts,
      sourcesRead: [...sourcesRead],
      withheld,
      elapsedMs: Date.now() - started,
    };
  }

  private async assembleSection(
    decision: AccessDecision,
    personId: string,
    section: RecordSection,
    sources: readonly Source[],
    localIdsBySource: ReadonlyMap<string, string[]>,
    deadline: Promise<typeof TIMED_OUT>,
    withheld: Partial<Record<WithholdReason, number>>,
    sourcesRead: Set<string>,
    started: number,
  ): Promise<SectionResult> {
    const holders = sources.filter((source) => source.capabilities.sections.includes(section));
    if (!decision.allows(section)) {
      const reason = WITHHELD_SOURCE_REASON['section-not-permitted'];
      return {
        section,
        items: [],
        sources: holders.map((source) => ({ ...summaryOf(source), status: 'withheld', reason, itemCount: 0 })),
        conflicts: [],
      };
    }
    const answers = await Promise.all(
      holders.map(async (source): Promise<{ status: SourceStatus; sourced: SourcedResource[] }> => {
        const summary = summaryOf(source);
        const localIds = localIdsBySource.get(source.id) ?? [];
        if (!localIds.length) return { status: { ...summary, status: 'not-linked', itemCount: 0 }, sourced: [] };
        const refusedBecause = decision.sourceWithheldBecause(source.organisationCode, section);
        if (refusedBecause)
          return { status: { ...summary, status: 'withheld', reason: WITHHELD_SOURCE_REASON[refusedBecause], itemCount: 0 }, sourced: [] };
        const answers = await Promise.all(localIds.map((localId) => this.askSource(source, personId, localId, section, deadline)));
        const latencyMs = Date.now() - started;
        const failed = answers.find((answer) => answer.outcome !== 'ok');
        // One of a source's duplicate records failing makes the source's answer incomplete: say so, show nothing half.
        if (failed) return { status: { ...summary, status: failed.outcome, reason: failed.reason, latencyMs, itemCount: 0 }, sourced: [] };
        const oks = answers.filter((answer): answer is Extract<SourceAnswer, { outcome: 'ok' }> => answer.outcome === 'ok');
        const sourced: SourcedResource[] = [];
        for (const answer of oks) {
          const asOf = answer.fetchedAt.toISOString();
          for (const resource of answer.resources) {
            const verdict = decision.itemFilter(resource, section, { organisationCode: source.organisationCode, kind: source.kind });
            if (verdict !== 'show') {
              withheld[verdict.withhold] = (withheld[verdict.withhold] ?? 0) + 1;
              continue;
            }
            sourced.push({
              section,
              resource,
              provenance: {
                ...summary,
                ...(resource.id ? { resourceId: resource.id } : {}),
                asOf,
                freshness: answer.freshness,
              },
            });
          }
        }
        if (sourced.length) sourcesRead.add(source.id);
        const fetchedAt = new Date(Math.min(...oks.map((answer) => answer.fetchedAt.getTime()))).toISOString();
        const freshness = oks.every((answer) => answer.freshness === 'cached') ? 'cached' : 'live';
        return { status: { ...summary, status: 'ok', fetchedAt, freshness, latencyMs, itemCount: 0 }, sourced };
      }),
    );
    const items = deduplicateSection(
      section,
      answers.flatMap((answer) => answer.sourced),
    );
    // Counted after de-duplication: a GP's medicine is a statement, an authorisation and its issues, one item.
    const statuses = answers.map(({ status }) =>
      status.status === 'ok'
        ? { ...status, itemCount: items.filter((item) => item.sources.some((source) => source.sourceId === status.sourceId)).length }
        : status,
    );
    return { section, items, sources: statuses, conflicts: sectionConflicts(section, items) };
  }

  /** One source's section for one of its patients, or why not, by the deadline at the latest. */
  private async askSource(
    source: Source,
    personId: string,
    localId: string,
    section: RecordSection,
    deadline: Promise<typeof TIMED_OUT>,
  ): Promise<SourceAnswer> {
    const call = (async (): Promise<SourceAnswer> => {
      const connector = await this.connectors.forSource(source.id);
      if (!connector) return { outcome: 'error', reason: 'the source is switched off' };
      // Not the request's signal: a call shared with other requests must not die with this one; the guard's own deadline ends it.
      const fetched = await this.fetches.get(
        { sourceId: source.id, organisationCode: source.organisationCode, localId, section },
        personId,
        () => connector.readSection(localId, section),
      );
      return { outcome: 'ok', ...fetched };
    })().catch((error: unknown) => {
      const answer = answerForError(error);
      // Ids and kinds only: an upstream's message could hold clinical content.
      this.logger.warn(`source ${source.id} ${section}: ${answer.outcome} (${error instanceof SourceError ? error.kind : 'unexpected'})`);
      return answer;
    });
    const first = await Promise.race([call, deadline]);
    return first === TIMED_OUT ? { outcome: 'timeout', reason: 'no answer within the deadline' } : first;
  }
}
