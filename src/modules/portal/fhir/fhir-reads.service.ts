import { Injectable } from '@nestjs/common';

import type { R4Bundle, R4OperationOutcome, R4Patient } from '../../../fhir/index.js';
import {
  auditAgentOf,
  AuditTrail,
  GovernanceError,
  GovernanceErrorCode,
  type Principal,
  toFhirAuditEvent,
} from '../../governance/index.js';
import {
  type BundleLinks,
  conflictIssues,
  type PeopleQuery,
  RecordReads,
  type RecordReadContext,
  recordEntries,
  REFUSAL_REASON_SYSTEM,
  resourceOfItem,
  type SearchEntry,
  searchsetBundle,
  type ShownItem,
} from '../../record-aggregation/index.js';
import { RECORD_RESOURCE_TYPES, type RecordResourceType, SECTION_OF_TYPE, sectionsOfTypes } from './domain/resource-sections.js';
import { type FhirInteraction, scopePermits } from './domain/smart-scopes.js';
import { invalidParameter } from './fhir-facade.errors.js';

// The FHIR facade's reads: each checks the token's SMART scopes, then goes through RecordReads
// (decide, assemble, audit, return) or, for privacy officers, the audit trail, and shapes the
// answer as FHIR. Nothing here decides access: the policy does, in RecordReads.

/** Who asks, in which request, and where the facade is (for the Bundle's links). */
export interface FhirRequest extends BundleLinks {
  principal: Principal;
  requestId: string;
  /** The HTTP request: identity and policy look-ups are shared by the reads it makes. */
  scope?: object;
}

/** What `$everything` may be narrowed to with `_type`. */
export const EVERYTHING_TYPES = ['Patient', ...RECORD_RESOURCE_TYPES, 'Provenance'] as const;
export type EverythingType = (typeof EVERYTHING_TYPES)[number];

export interface AuditEventQuery {
  personId?: string;
  from?: Date;
  to?: Date;
  count: number;
  cursor?: string;
}

@Injectable()
export class FhirReads {
  constructor(
    private readonly reads: RecordReads,
    private readonly audit: AuditTrail,
  ) {}

  async patient(request: FhirRequest, personId: string): Promise<R4Patient> {
    const context = await this.scoped(request, 'Patient', 'read', 'fhir:Patient.read');
    return (await this.reads.person(context, personId)).patient;
  }

  /**
   * People matching the query, as Patients the caller may see (search mode match, with the match
   * probability as score). A professional is also told, without any demographics, of matches the
   * policy keeps from them and why (as the portal is, so that they can break glass); nobody else is,
   * since that would say who exists.
   */
  async searchPatients(request: FhirRequest, query: PeopleQuery, count: number): Promise<R4Bundle> {
    const context = await this.scoped(request, 'Patient', 'search', 'fhir:Patient.search');
    const hits = await this.reads.searchPeople(context, query, count);
    const entries: SearchEntry[] = hits.flatMap((hit) =>
      hit.patient ? [{ resource: hit.patient, mode: 'match' as const, score: hit.probability }] : [],
    );
    const withheld = request.principal.kind === 'professional' ? hits.filter((hit) => !hit.patient) : [];
    if (withheld.length) {
      const outcome: R4OperationOutcome = {
        resourceType: 'OperationOutcome',
        issue: withheld.map((hit) => ({
          severity: 'information',
          code: 'suppressed',
          details: {
            coding: [{ system: REFUSAL_REASON_SYSTEM, code: hit.access }],
            text: `a matching person's demographics are withheld from you (${hit.access})`,
          },
          diagnostics: `Patient/${hit.personId}`,
        })),
      };
      entries.push({ resource: outcome, mode: 'outcome' });
    }
    return searchsetBundle(request, entries);
  }

  /** The items of one resource type, read through the section holding it. */
  async searchRecord(request: FhirRequest, type: RecordResourceType, personId: string, withProvenance: boolean): Promise<R4Bundle> {
    const context = await this.scoped(request, type, 'search', `fhir:${type}.search`);
    const record = await this.reads.read(context, personId, [SECTION_OF_TYPE[type]]);
    const shown = record.sections
      .flatMap((section) => section.items)
      .filter((item) => item.resource.resourceType === type)
      .map((item): ShownItem => ({ item, resource: resourceOfItem(item, record.personId) }));
    return searchsetBundle(request, recordEntries(shown, record.sections, { provenance: withProvenance }));
  }

  /**
   * Patient $everything: the Patient, every item of every section the caller may see, a Provenance
   * per source and the outcome (sources that did not answer, disagreements). The demographics and
   * the record are decided (and audited) each on its own, at once: a caller allowed only one of
   * them gets that one with the other named as withheld; allowed neither, the record's refusal.
   */
  async everything(request: FhirRequest, personId: string, only?: readonly EverythingType[]): Promise<R4Bundle> {
    const context = await this.scoped(request, 'Patient', 'read', 'fhir:Patient.$everything');
    // `_type` narrows what is returned; a token's scopes may cover only some types, and the others are left out, as SMART expects.
    const wanted = (type: string) => (!only || (only as readonly string[]).includes(type)) && scopePermits(request.principal, type, 'read');
    const wantsPatient = !only || only.includes('Patient');
    const sections = sectionsOfTypes(RECORD_RESOURCE_TYPES.filter(wanted));
    if (!wantsPatient && !sections.length)
      throw invalidParameter('_type', 'names nothing to return: Patient, or a record resource type the token’s scopes allow');
    const [person, record] = await Promise.allSettled([
      wantsPatient ? this.reads.person(context, personId) : Promise.resolve(undefined),
      sections.length ? this.reads.read(context, personId, sections) : Promise.resolve(undefined),
    ]);
    for (const outcome of [person, record]) if (outcome.status === 'rejected' && !isRefusal(outcome.reason)) throw outcome.reason;
    const demographics = person.status === 'fulfilled' ? person.value : undefined;
    const governed = record.status === 'fulfilled' ? record.value : undefined;
    // Both refused: the record's refusal (or the demographics', when only they were asked for).
    if (!demographics && !governed) throw record.status === 'rejected' ? record.reason : (person as PromiseRejectedResult).reason;

    const shown = (governed?.sections ?? [])
      .flatMap((section) => section.items)
      .filter((item) => wanted(item.resource.resourceType))
      .map((item): ShownItem => ({ item, resource: resourceOfItem(item, governed!.personId) }));
    const issues = demographics ? conflictIssues(demographics.conflicts, shown) : [];
    for (const outcome of [person, record])
      if (outcome.status === 'rejected') {
        const refusal = outcome.reason as GovernanceError;
        issues.push({
          severity: 'warning',
          code: 'suppressed',
          details: {
            coding: [{ system: REFUSAL_REASON_SYSTEM, code: refusal.reason }],
            text: outcome === person ? `the person's demographics are withheld from you (${refusal.reason})` : refusal.message,
          },
        });
      }
    const entries = recordEntries(shown, governed?.sections ?? [], { provenance: !only || only.includes('Provenance'), issues });
    return searchsetBundle(request, demographics ? [{ resource: demographics.patient, mode: 'match' }, ...entries] : entries);
  }

  /** The audit trail as AuditEvents, newest first, a page at a time; the officer's search is itself audited first. */
  async auditEvents(request: FhirRequest, query: AuditEventQuery): Promise<R4Bundle> {
    const queryKind = 'fhir:AuditEvent.search';
    await this.scoped(request, 'AuditEvent', 'search', queryKind);
    const { personId, from, to, count, cursor } = query;
    const page = await this.audit.search({
      ...(personId ? { personId } : {}),
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      limit: count,
      ...(cursor ? { after: cursor } : {}),
    });
    await this.audit.record([
      {
        requestId: request.requestId,
        action: 'search',
        outcome: 'allowed',
        // HL7 PurposeOfUse HOPERAT: healthcare operations, which covers audit and oversight.
        purpose: 'HOPERAT',
        agent: auditAgentOf(request.principal),
        entity: {
          personId: personId ?? null,
          queryKind,
          detail: {
            ...(from ? { from: from.toISOString() } : {}),
            ...(to ? { to: to.toISOString() } : {}),
            returned: page.events.length,
          },
        },
      },
    ]);
    const next = page.next ? withParameter(request.self, '_cursor', page.next) : undefined;
    return searchsetBundle(
      { ...request, ...(next ? { next } : {}) },
      page.events.map((event) => ({ resource: toFhirAuditEvent(event), mode: 'match' })),
    );
  }

  /** The read's context once the token's scopes allow the interaction; refused (and audited) otherwise. */
  private async scoped(
    request: FhirRequest,
    resourceType: string,
    interaction: FhirInteraction,
    queryKind: string,
  ): Promise<RecordReadContext> {
    const context = { principal: request.principal, requestId: request.requestId, scope: request.scope, queryKind };
    if (scopePermits(request.principal, resourceType, interaction)) return context;
    await this.audit.record([
      {
        requestId: request.requestId,
        action: 'execute',
        outcome: 'denied',
        outcomeReason: 'insufficient-scope',
        agent: auditAgentOf(request.principal),
        entity: { queryKind },
      },
    ]);
    throw new GovernanceError(
      GovernanceErrorCode.Forbidden,
      'insufficient-scope',
      `the token's SMART scopes do not allow ${interaction} of ${resourceType}`,
    );
  }
}

/** A refusal by the access policy: shown as withheld when the other half of $everything was allowed. */
function isRefusal(error: unknown): error is GovernanceError {
  return error instanceof GovernanceError && error.code === GovernanceErrorCode.Forbidden;
}

/** The URL with one query parameter set (paging links). */
function withParameter(url: string, name: string, value: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set(name, value);
  return parsed.toString();
}
