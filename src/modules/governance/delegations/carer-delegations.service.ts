import { randomBytes, randomUUID } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';

import { normaliseNhsNumber } from '../../../fhir/index.js';
import { AuditTrail } from '../audit/audit-trail.js';
import { auditAgentOf, type AuditDetailValue, type AuditEventInput } from '../audit/index.js';
import type { Principal } from '../domain/principal.js';
import { GovernanceError, GovernanceErrorCode } from '../governance.errors.js';
import { AccessPolicyService } from '../policy/access-policy.service.js';
import {
  CarerDelegationReason,
  delegationEnded,
  delegationNotFound,
  invalidActingFor,
  invitationNotValid,
  notDelegated,
  refusalError,
} from './carer-delegation.errors.js';
import { CarerDelegationRepository } from './carer-delegation.repository.js';
import {
  acceptorRefusal,
  actingForOf,
  delegationStatus,
  formatInvitationCode,
  INVITATION_CODE_BYTES,
  invitationCodeHash,
  isActiveDelegation,
  isDelegationRefusal,
  isOpenInvitation,
  isUuid,
  normaliseInvitationCode,
  parseActingFor,
  personRefusal,
  planInvitation,
  selfCareRefusal,
  type ActingFor,
  type CarerDelegationRecord,
  type InvitationRequest,
} from './domain/carer-delegation.js';

/** The invitation the person passes on to their carer: the code is shown this once and stored only as a hash. */
export interface CarerInvitation {
  code: string;
  delegation: CarerDelegationRecord;
}

/** The most delegations one list returns (newest first): far more than anyone has carers. */
export const DELEGATION_LIST_LIMIT = 100;
/** The longest carer name kept from a sign-in (the table's limit). */
const STORED_NAME_MAX_LENGTH = 200;

// HL7 PurposeOfUse: the person's own request (PATRQT); a carer's is the policy's carer purpose (FAMRQT).
const PERSON_PURPOSE = 'PATRQT';

/**
 * Carers acting for a resident (docs/SECURITY.md, "Carers"). The person invites (a one-time code,
 * stored as its hash), a carer accepts with their own sign-in, and from then until it expires or
 * is revoked the carer's requests with `X-Acting-For: <the person's NHS number>` are made as a
 * 'carer' principal limited to the delegated sections (activeDelegation, actingPrincipal: used by
 * the AuthenticationGuard). Every change commits with its audit row; refusals about who the caller
 * is or which delegation they name are audited as 'denied' before the caller hears no.
 */
@Injectable()
export class CarerDelegations {
  constructor(
    @Inject(CarerDelegationRepository) private readonly repository: CarerDelegationRepository,
    @Inject(AuditTrail) private readonly audit: AuditTrail,
    @Inject(AccessPolicyService) private readonly policy: AccessPolicyService,
  ) {}

  /**
   * The person invites a carer to their own record: resident, P9, sections within the policy's
   * `carers.sections`, an expiry in the future and at most DELEGATION_MAXIMUM_DAYS away. Returns
   * the invitation code, once; it can be accepted for INVITATION_VALID_DAYS (or until the
   * delegation's expiry, if sooner).
   */
  async invite(
    principal: Principal,
    request: InvitationRequest,
    requestId: string = randomUUID(),
    now = new Date(),
  ): Promise<CarerInvitation> {
    const plan = planInvitation(principal, request, this.policy.policy, now);
    if (isDelegationRefusal(plan)) {
      if (plan.code === 'forbidden')
        await this.recordDenied(principal, requestId, 'carerDelegation.invite', plan.reason, ownNumber(principal));
      throw refusalError(plan);
    }
    const code = formatInvitationCode(randomBytes(INVITATION_CODE_BYTES));
    const delegation = await this.repository.transaction(async (manager) => {
      const stored = await this.repository.insert(plan, invitationCodeHash(normaliseInvitationCode(code)!), manager);
      await this.audit.record(
        [
          this.event(principal, requestId, 'create', 'carer-invited', PERSON_PURPOSE, 'carerDelegation.invite', stored, {
            invitationExpiresAt: stored.invitationExpiresAt.toISOString(),
          }),
        ],
        manager,
      );
      return stored;
    });
    return { code, delegation };
  }

  /**
   * A carer accepts an invitation with their own sign-in: a resident (not acting for anyone) proofed
   * to the policy's `carers.minimumProofing`, who is not the person. An unknown, mistyped, used,
   * withdrawn or expired code gets one answer (NOT_FOUND 'invitation-not-valid'). Any delegation
   * this carer held for the same person ends ('superseded'): the new one replaces it.
   */
  async accept(principal: Principal, code: string, requestId: string = randomUUID(), now = new Date()): Promise<CarerDelegationRecord> {
    const refusal = acceptorRefusal(principal, this.policy.policy);
    if (refusal) {
      await this.recordDenied(principal, requestId, 'carerDelegation.accept', refusal.reason);
      throw refusalError(refusal);
    }
    const normalised = normaliseInvitationCode(code);
    if (normalised === undefined) {
      await this.recordDenied(principal, requestId, 'carerDelegation.accept', CarerDelegationReason.InvitationNotValid);
      throw invitationNotValid();
    }
    const outcome = await this.repository.transaction(async (manager): Promise<Attempt<CarerDelegationRecord>> => {
      const invitation = await this.repository.byCodeForUpdate(invitationCodeHash(normalised), manager);
      // The refusal is audited after this transaction ends: rolled back with it, the row would be lost.
      if (!invitation || !isOpenInvitation(invitation, now)) return { refused: invitationNotValid(), delegation: invitation };
      const self = selfCareRefusal(principal, invitation);
      if (self) return { refused: refusalError(self), delegation: invitation };
      const carer = { issuer: principal.issuer, subject: principal.subject };
      const superseded = await this.repository.supersede(carer, invitation.personNhsNumber, now, manager);
      const accepted = await this.repository.accept(
        invitation.id,
        { ...carer, name: principal.name?.slice(0, STORED_NAME_MAX_LENGTH) ?? null },
        now,
        manager,
      );
      await this.audit.record(
        [
          this.event(
            principal,
            requestId,
            'update',
            'carer-accepted',
            this.policy.policy.carers.purposeOfUse,
            'carerDelegation.accept',
            accepted,
            {
              supersededDelegationIds: superseded,
            },
          ),
        ],
        manager,
      );
      return { done: accepted };
    });
    if ('refused' in outcome) {
      const { refused, delegation } = outcome;
      await this.recordDenied(principal, requestId, 'carerDelegation.accept', refused.reason, delegation?.personNhsNumber, delegation?.id);
      throw refused;
    }
    return outcome.done;
  }

  /**
   * Ends a delegation (or withdraws an invitation not yet accepted): the person (resident, P9) for
   * any of theirs, or the carer for their own. Anyone else hears NOT_FOUND, as if it did not exist;
   * one that has ended already is CONFLICT.
   */
  async revoke(principal: Principal, id: string, requestId: string = randomUUID(), now = new Date()): Promise<CarerDelegationRecord> {
    const queryKind = 'carerDelegation.revoke';
    if (!isUuid(id)) throw refusalError({ code: 'bad-input', reason: 'invalid-id', message: 'id must be a UUID' });
    const outcome = await this.repository.transaction(async (manager): Promise<Attempt<CarerDelegationRecord>> => {
      const delegation = await this.repository.byIdForUpdate(id, manager);
      const by = delegation ? revoker(principal, delegation) : undefined;
      if (!delegation || !by) return { refused: delegationNotFound(), delegation };
      if (by === 'person') {
        const person = personRefusal(principal);
        if (person) return { refused: refusalError(person), delegation };
      }
      const status = delegationStatus(delegation, now);
      // Nothing was written yet: the rollback loses nothing, and a second revoke is no attempt on anyone.
      if (status === 'revoked' || status === 'expired' || status === 'invitation-expired') throw delegationEnded(status);
      const revoked = await this.repository.revoke(delegation.id, by, now, manager);
      const purpose = by === 'person' ? PERSON_PURPOSE : this.policy.policy.carers.purposeOfUse;
      await this.audit.record(
        [this.event(principal, requestId, 'update', 'carer-revoked', purpose, queryKind, revoked, { revokedBy: by })],
        manager,
      );
      return { done: revoked };
    });
    if ('refused' in outcome) {
      const { refused, delegation } = outcome;
      // A stranger's guess at an id names no person in the trail: only the caller and the id.
      const person = refused.reason === CarerDelegationReason.DelegationNotFound ? undefined : delegation?.personNhsNumber;
      await this.recordDenied(principal, requestId, queryKind, refused.reason, person, id);
      throw refused;
    }
    return outcome.done;
  }

  /** The person's carers: every invitation and delegation of their record, newest first (at most DELEGATION_LIST_LIMIT). */
  async forPerson(principal: Principal, requestId: string = randomUUID()): Promise<CarerDelegationRecord[]> {
    const refusal = personRefusal(principal);
    if (refusal) {
      await this.recordDenied(principal, requestId, 'carerDelegation.forPerson', refusal.reason, ownNumber(principal));
      throw refusalError(refusal);
    }
    const nhsNumber = ownNumber(principal)!;
    const delegations = await this.repository.forPerson(nhsNumber, DELEGATION_LIST_LIMIT);
    await this.audit.record([
      {
        requestId,
        action: 'search',
        outcome: 'allowed',
        purpose: PERSON_PURPOSE,
        agent: auditAgentOf(principal),
        entity: { nhsNumber, queryKind: 'carerDelegation.forPerson', detail: { returned: delegations.length } },
      },
    ]);
    return delegations;
  }

  /** The persons this carer accepted delegations from, newest first (ended ones included, with their status). */
  async forCarer(principal: Principal, requestId: string = randomUUID()): Promise<CarerDelegationRecord[]> {
    if (principal.kind !== 'resident' && principal.kind !== 'carer') {
      const reason = 'role-not-permitted';
      await this.recordDenied(principal, requestId, 'carerDelegation.forCarer', reason);
      throw new GovernanceError(GovernanceErrorCode.Forbidden, reason, 'only residents can be carers');
    }
    const delegations = await this.repository.forCarer(principal, DELEGATION_LIST_LIMIT);
    await this.audit.record([
      {
        requestId,
        action: 'search',
        outcome: 'allowed',
        purpose: this.policy.policy.carers.purposeOfUse,
        agent: auditAgentOf(principal),
        entity: {
          queryKind: 'carerDelegation.forCarer',
          detail: { returned: delegations.length, delegationIds: delegations.map((d) => d.id) },
        },
      },
    ]);
    return delegations;
  }

  /** The delegation this sign-in may act under for the person at `now`, as Principal.actingFor holds it; one indexed lookup. */
  async activeDelegation(issuer: string, subject: string, nhsNumber: string, now: Date = new Date()): Promise<ActingFor | undefined> {
    const delegation = await this.repository.active({ issuer, subject }, normaliseNhsNumber(nhsNumber), now);
    return delegation && isActiveDelegation(delegation, now) ? actingForOf(delegation) : undefined;
  }

  /**
   * The principal a request with `X-Acting-For` is made as: the resident, now kind 'carer' with
   * role 'carer' and `actingFor` the live delegation's scope (their own `nhsNumber` is kept).
   * Throws BAD_INPUT 'invalid-acting-for' for a header that is not one NHS number, FORBIDDEN
   * 'not-delegated' when this sign-in holds no live delegation from that person (staff and
   * services never do), FORBIDDEN 'insufficient-proofing' below the policy's carer proofing.
   */
  async actingPrincipal(principal: Principal, header: string | string[] | undefined, now: Date = new Date()): Promise<Principal> {
    const nhsNumber = parseActingFor(header);
    if (nhsNumber === undefined) throw invalidActingFor();
    if (principal.kind !== 'resident') throw notDelegated();
    const refusal = acceptorRefusal(principal, this.policy.policy);
    if (refusal) throw refusalError(refusal);
    const actingFor = await this.activeDelegation(principal.issuer, principal.subject, nhsNumber, now);
    if (!actingFor) throw notDelegated();
    return {
      ...principal,
      kind: 'carer',
      roles: ['carer'],
      actingFor,
    };
  }

  private event(
    principal: Principal,
    requestId: string,
    action: AuditEventInput['action'],
    reason: string,
    purpose: string,
    queryKind: string,
    delegation: CarerDelegationRecord,
    extra: { [key: string]: AuditDetailValue },
  ): AuditEventInput {
    return {
      requestId,
      action,
      outcome: 'allowed',
      outcomeReason: reason,
      purpose,
      agent: auditAgentOf(principal),
      entity: {
        nhsNumber: delegation.personNhsNumber,
        sections: delegation.sections,
        queryKind,
        // Ids, flags and times only: the names stay in carer_delegation.
        detail: {
          delegationId: delegation.id,
          canAddReadings: delegation.canAddReadings,
          expiresAt: delegation.expiresAt.toISOString(),
          ...extra,
        },
      },
    };
  }

  /** A refused attempt, committed before the caller hears no (attempts on another person's carers are investigated). */
  private async recordDenied(
    principal: Principal,
    requestId: string,
    queryKind: string,
    reason: string,
    nhsNumber?: string,
    delegationId?: string,
  ): Promise<void> {
    await this.audit.record([
      {
        requestId,
        action: 'execute',
        outcome: 'denied',
        outcomeReason: reason,
        agent: auditAgentOf(principal),
        entity: { nhsNumber: nhsNumber ?? null, queryKind, ...(delegationId ? { detail: { delegationId } } : {}) },
      },
    ]);
  }
}

/** A change made, or the refusal to audit once its transaction has rolled back (with the delegation it was about, if any). */
type Attempt<T> = { done: T } | { refused: GovernanceError; delegation: CarerDelegationRecord | null };

/** Who may revoke this delegation: its person (signed in as themself) or its carer; undefined for anyone else. */
function revoker(principal: Principal, delegation: CarerDelegationRecord): 'person' | 'carer' | undefined {
  if (principal.kind === 'resident' && ownNumber(principal) === delegation.personNhsNumber) return 'person';
  const carer = delegation.carer;
  if (
    (principal.kind === 'resident' || principal.kind === 'carer') &&
    carer?.issuer === principal.issuer &&
    carer.subject === principal.subject
  )
    return 'carer';
  return undefined;
}

function ownNumber(principal: Principal): string | undefined {
  return principal.nhsNumber === undefined ? undefined : normaliseNhsNumber(principal.nhsNumber);
}
