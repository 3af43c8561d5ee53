import { Inject, Injectable } from '@nestjs/common';

import { AuditTrail } from '../audit/audit-trail.js';
import { auditAgentOf, type AuditEventInput } from '../audit/index.js';
import type { Principal } from '../domain/principal.js';
import { GovernanceError, GovernanceErrorCode } from '../governance.errors.js';
import type { AccessContext, AccessDecision, PersonConsent } from '../policy/access-decision.js';
import { AccessPolicyService } from '../policy/access-policy.service.js';
import { openWithheld, type PersonReference, type Withheld } from './withheld.js';

/** Who reads, in which request, through which query: what every audit row of the read names. */
export interface GovernedRead {
  principal: Principal;
  /** The request's id (CurrentRequestId): the audit row and the response header carry the same. */
  requestId: string;
  /** The query read, e.g. 'Query.person'. */
  queryKind: string;
  /** 'identity-index' for stewards' reads of the index (the only context released here today). */
  context: AccessContext;
}

// Consent governs the shared record, not the index (policy `identityIndex`), so index reads
// decide with no sharing choices; a record read must pass the person's real consent instead.
const NO_CHOICES: PersonConsent = Object.freeze({ optedOut: false, hiddenSections: [], refusesBreakGlass: false });

/**
 * "No data leaves without an access decision and an audit event" for reads of persons' data: the
 * policy decides for each person in a Withheld, the audit trail commits one row per person read
 * (one row naming no person when the read found nobody), and only then is the data handed back.
 * A denied read leaves 'denied' rows and throws FORBIDDEN; a failed audit write fails the read.
 */
@Injectable()
export class PersonReads {
  constructor(
    @Inject(AccessPolicyService) private readonly policy: AccessPolicyService,
    @Inject(AuditTrail) private readonly audit: AuditTrail,
  ) {}

  async release<T>(read: GovernedRead, sealed: Withheld<T>): Promise<T> {
    const { value, persons, sections } = openWithheld(sealed);
    const now = new Date();
    // A read that found nobody is still an attempt on the index: decided (and audited) without a person.
    const targets: Array<PersonReference | undefined> = persons.length ? [...persons] : [undefined];
    const decisions = targets.map((person) =>
      this.policy.decide({
        principal: read.principal,
        context: read.context,
        person: { id: person?.id ?? '', nhsNumber: person?.nhsNumber ?? '', restricted: false, consent: NO_CHOICES },
        sections,
        relationshipEvidence: [],
        organisationKinds: {},
        now,
      }),
    );
    // The value holds every section asked for and cannot be cut down here: all of them, for every person, or nothing.
    const refusal = decisions.find((decision) => decision.deniedSections.length > 0 || !decision.isAllowed);
    const refusedBecause = refusal?.deniedSections[0]?.reason ?? (refusal ? 'role-not-permitted' : undefined);
    const events = targets.map((person, index) => auditEvent(read, person, decisions[index]!, refusedBecause, persons.length));
    // Committed before the data is returned; if it cannot be written, the read fails with it.
    await this.audit.record(events);
    if (refusedBecause)
      throw new GovernanceError(GovernanceErrorCode.Forbidden, refusedBecause, `this read is not permitted (${refusedBecause})`);
    return value;
  }
}

function auditEvent(
  read: GovernedRead,
  person: PersonReference | undefined,
  decision: AccessDecision,
  refusedBecause: string | undefined,
  personsRead: number,
): AuditEventInput {
  const principal = read.principal;
  return {
    requestId: read.requestId,
    action: 'read',
    outcome: refusedBecause ? 'denied' : decision.outcome,
    outcomeReason: refusedBecause ?? null,
    purpose: decision.purposeOfUse,
    agent: auditAgentOf(principal),
    entity: {
      personId: person?.id ?? null,
      nhsNumber: person?.nhsNumber ?? null,
      sections: decision.requestedSections,
      queryKind: read.queryKind,
      // How many persons the one request read, so a reviewer sees a row is one of several.
      detail: { basis: decision.basis, context: read.context, personsRead },
    },
  };
}
