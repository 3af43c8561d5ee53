import { Injectable } from '@nestjs/common';

import { AuditTrail } from '../audit/audit-trail.js';
import { auditAgentOf, type AuditEventInput } from '../audit/index.js';
import type { Principal } from '../domain/principal.js';
import { GovernanceError, GovernanceErrorCode } from '../governance.errors.js';
import { AccessPolicyService } from '../policy/access-policy.service.js';
import { accessGrantError, AccessGrantErrorCode } from './access-grant.errors.js';
import { AccessGrantRepository, type PrivacyAlertRecord } from './access-grant.repository.js';
import {
  activeGrantsOf,
  isRefusal,
  isUuid,
  planGrant,
  type AccessGrantKind,
  type AccessGrantRecord,
  type ActiveGrants,
} from './domain/access-grant.js';
import { PrivacyAlertEvents } from './privacy-alert-events.js';

/** Who asks and in which request: every start, end and officer's look is written to the audit trail. */
export interface GrantRequest {
  principal: Principal;
  requestId: string;
}

export interface PrivacyAlertPage {
  alerts: PrivacyAlertRecord[];
  /** Pass as `after` for the next (older) page; absent on the last page. */
  next?: string;
}

export const PRIVACY_ALERT_PAGE_MAX = 500;
const PRIVACY_ALERT_PAGE_DEFAULT = 50;

/**
 * Break-glass and self-declared relationships: a professional starts one with a reason, it lasts
 * as long as the access policy says (or until they end it), and it is what AccessRequest's
 * breakGlass and selfDeclared come from. Starting one writes the grant, its audit row and (for
 * break-glass) a privacy alert in one transaction; the alert is then announced on Redis.
 */
@Injectable()
export class AccessGrants {
  constructor(
    private readonly grants: AccessGrantRepository,
    private readonly trail: AuditTrail,
    private readonly policy: AccessPolicyService,
    private readonly alertEvents: PrivacyAlertEvents,
  ) {}

  breakGlass(request: GrantRequest, personId: string, reason: string): Promise<AccessGrantRecord> {
    return this.start('break-glass', request, personId, reason);
  }

  declareRelationship(request: GrantRequest, personId: string, reason: string): Promise<AccessGrantRecord> {
    return this.start('self-declared', request, personId, reason);
  }

  /** The grants this professional holds for this person at `now`, as AccessRequest takes them. */
  async activeFor(principal: Principal, personId: string, now: Date = new Date()): Promise<ActiveGrants> {
    if (principal.kind !== 'professional' || !isUuid(personId)) return {};
    return activeGrantsOf(await this.grants.unexpiredGrants(principal, personId, now), now);
  }

  /** Ends one of the caller's own grants early; another's grant is as unknown as a missing one. */
  async end(request: GrantRequest, grantId: string, now: Date = new Date()): Promise<AccessGrantRecord> {
    if (!isUuid(grantId)) throw accessGrantError(AccessGrantErrorCode.BadInput, 'id must be a UUID');
    return this.grants.transaction(async (manager) => {
      const grant = await this.grants.holdersGrantForUpdate(grantId, request.principal, manager);
      if (!grant) throw accessGrantError(AccessGrantErrorCode.NotFound, 'you hold no access grant with that id');
      if (grant.endedAt) throw accessGrantError(AccessGrantErrorCode.Conflict, 'that access grant has ended already');
      if (grant.expiresAt <= now) throw accessGrantError(AccessGrantErrorCode.Conflict, 'that access grant has expired already');
      const ended = await this.grants.endGrant(grant.id, now, manager);
      await this.trail.record(
        [
          {
            requestId: request.requestId,
            action: 'update',
            outcome: 'allowed',
            outcomeReason: `${grant.kind}-ended`,
            purpose: null,
            agent: auditAgentOf(request.principal),
            entity: { personId: grant.personId, queryKind: 'endAccessGrant', detail: { accessGrantId: grant.id } },
          },
        ],
        manager,
      );
      return ended;
    });
  }

  /** Privacy alerts, newest first; the officer's look is audited. */
  async privacyAlerts(request: GrantRequest, search: { acknowledged: boolean; limit?: number; after?: string }): Promise<PrivacyAlertPage> {
    const limit = search.limit ?? PRIVACY_ALERT_PAGE_DEFAULT;
    if (!Number.isInteger(limit) || limit < 1 || limit > PRIVACY_ALERT_PAGE_MAX) {
      throw accessGrantError(AccessGrantErrorCode.BadInput, `first must be a whole number from 1 to ${PRIVACY_ALERT_PAGE_MAX}`);
    }
    if (search.after !== undefined && !/^[1-9]\d{0,18}$/.test(search.after)) {
      throw accessGrantError(AccessGrantErrorCode.BadInput, 'after must be a cursor from an earlier page');
    }
    const found = await this.grants.alerts({
      acknowledged: search.acknowledged,
      limit: limit + 1,
      ...(search.after !== undefined && { after: search.after }),
    });
    const alerts = found.slice(0, limit);
    await this.trail.record([
      this.officerEvent(request, 'search', 'privacyAlerts', {
        detail: { acknowledged: search.acknowledged, returned: alerts.length },
      }),
    ]);
    return found.length > limit ? { alerts, next: alerts[alerts.length - 1]!.id } : { alerts };
  }

  /** Marks an alert seen by this officer; once only. The acknowledgement and its audit row commit together. */
  async acknowledgePrivacyAlert(request: GrantRequest, alertId: string, now: Date = new Date()): Promise<PrivacyAlertRecord> {
    if (!/^[1-9]\d{0,18}$/.test(alertId)) throw accessGrantError(AccessGrantErrorCode.NotFound, 'no privacy alert has that id');
    return this.grants.transaction(async (manager) => {
      const alert = await this.grants.alertForUpdate(alertId, manager);
      if (!alert) throw accessGrantError(AccessGrantErrorCode.NotFound, 'no privacy alert has that id');
      if (alert.acknowledgedAt)
        throw accessGrantError(AccessGrantErrorCode.Conflict, `privacy alert ${alertId} has been acknowledged already`);
      const { principal } = request;
      const acknowledged = await this.grants.acknowledge(
        alertId,
        { subject: principal.subject, issuer: principal.issuer, name: principal.name ?? null },
        now,
        manager,
      );
      await this.trail.record(
        [
          this.officerEvent(request, 'update', 'acknowledgePrivacyAlert', {
            personId: alert.personId,
            detail: { privacyAlertId: alertId, accessGrantId: alert.grant.id },
          }),
        ],
        manager,
      );
      return acknowledged;
    });
  }

  private async start(kind: AccessGrantKind, request: GrantRequest, personId: string, reason: string): Promise<AccessGrantRecord> {
    const { principal } = request;
    if (!isUuid(personId)) throw accessGrantError(AccessGrantErrorCode.BadInput, 'personId must be a UUID');
    const plan = planGrant(kind, principal, reason, this.policy.policy, new Date());
    if (isRefusal(plan)) {
      if (plan.code === 'bad-input') throw accessGrantError(AccessGrantErrorCode.BadInput, plan.message);
      throw new GovernanceError(GovernanceErrorCode.Forbidden, plan.reason, plan.message);
    }
    const { grant, alertId } = await this.grants.transaction(async (manager) => {
      if (!(await this.grants.personExists(personId, manager))) {
        throw accessGrantError(AccessGrantErrorCode.NotFound, 'no person has that id');
      }
      const grant = await this.grants.insertGrant(
        {
          kind,
          subject: principal.subject,
          issuer: principal.issuer,
          name: principal.name ?? null,
          organisationCode: principal.organisation?.code ?? null,
          hubRole: plan.hubRole,
          personId,
          reason: plan.reason,
          startedAt: plan.startedAt,
          expiresAt: plan.expiresAt,
        },
        manager,
      );
      const alertId = kind === 'break-glass' ? await this.grants.insertAlert(grant, manager) : undefined;
      // The reason is free text: the audit row names the grant (where the reason is kept) and its length only.
      const detail: { [key: string]: string | number } = {
        accessGrantId: grant.id,
        reasonLength: grant.reason.length,
        expiresAt: grant.expiresAt.toISOString(),
      };
      if (alertId) detail.privacyAlertId = alertId;
      // Recorded last, just before commit, so the chain's lock is held briefly (AuditTrail).
      await this.trail.record(
        [
          {
            requestId: request.requestId,
            action: 'create',
            outcome: kind,
            outcomeReason: kind === 'break-glass' ? 'break-glass-started' : 'relationship-declared',
            purpose: plan.purpose,
            agent: { ...auditAgentOf(principal), hubRole: plan.hubRole },
            entity: { personId, queryKind: kind === 'break-glass' ? 'breakGlass' : 'declareRelationship', detail },
          },
        ],
        manager,
      );
      return { grant, alertId };
    });
    if (alertId) await this.alertEvents.publish({ alertId, kind: 'break-glass', accessGrantId: grant.id, personId: grant.personId });
    return grant;
  }

  private officerEvent(
    request: GrantRequest,
    action: AuditEventInput['action'],
    queryKind: string,
    entity: Omit<AuditEventInput['entity'], 'queryKind'>,
  ): AuditEventInput {
    return {
      requestId: request.requestId,
      action,
      outcome: 'allowed',
      // HL7 PurposeOfUse HOPERAT: healthcare operations, which covers audit and oversight.
      purpose: 'HOPERAT',
      agent: auditAgentOf(request.principal),
      entity: { ...entity, queryKind },
    };
  }
}
