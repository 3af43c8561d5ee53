import { randomUUID } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';

import { AuditTrail } from '../audit/audit-trail.js';
import { auditAgentOf, type AuditEventInput, type AuditOutcome } from '../audit/index.js';
import type { Principal } from '../domain/principal.js';
import { GovernanceError, GovernanceErrorCode } from '../governance.errors.js';
import type { PersonConsent } from '../policy/access-decision.js';
import { ConsentSettingsRepository, type ConsentChangeRecord, type StoredConsent } from './consent-settings.repository.js';
import {
  applyConsentChange,
  changedSettings,
  consentChangeRefusal,
  consentKey,
  DEFAULT_CONSENT,
  InvalidConsentChange,
  toPersonConsent,
  validateConsentChange,
  type ConsentChoices,
} from './domain/consent-settings.js';

/** A person's settings as they see them: the choices and the version to send back with a change. */
export interface ConsentSettingsView {
  choices: ConsentChoices;
  /** 0 while the person has never changed anything. */
  version: number;
  updatedAt: Date | null;
}

export interface ConsentUpdateOptions {
  /** The version the person last saw: the change is refused if someone changed the settings since. */
  expectedVersion?: number;
  /** The request's id, for the audit row and the history; a new one when absent. */
  requestId?: string;
}

const QUERY_KIND = 'consent.update';

/**
 * The person's consent: what the access policy decides with (forPerson), and changes made by the
 * person themself (update), each written with its history row and audit event in one transaction.
 * Residents reach it through GraphQL in issue 9; nobody else may change it.
 */
@Injectable()
export class ConsentSettings {
  constructor(
    @Inject(ConsentSettingsRepository) private readonly repository: ConsentSettingsRepository,
    @Inject(AuditTrail) private readonly audit: AuditTrail,
  ) {}

  /**
   * The person's choices in the shape AccessRequest.person.consent takes; the defaults (shared,
   * nothing hidden, break-glass allowed) when they set none. A number that is not a valid NHS
   * number has no settings (residents set theirs signed in with a valid one): the defaults too.
   */
  async forPerson(nhsNumber: string): Promise<PersonConsent> {
    return toPersonConsent((await this.settings(nhsNumber)).choices);
  }

  /** forPerson for several people at once (one query), in the order asked. */
  async forPersons(nhsNumbers: readonly string[]): Promise<PersonConsent[]> {
    const keys = nhsNumbers.map(consentKey);
    const stored = await this.repository.findMany(keys.filter((key): key is string => key !== undefined));
    return keys.map((key) => {
      const found = key === undefined ? undefined : stored.get(key);
      return toPersonConsent(found ? view(found).choices : DEFAULT_CONSENT);
    });
  }

  /** The person's settings with their version, as a resident's own view shows them. */
  async settings(nhsNumber: string): Promise<ConsentSettingsView> {
    const key = consentKey(nhsNumber);
    const stored = key === undefined ? null : await this.repository.find(key);
    return stored ? view(stored) : { choices: DEFAULT_CONSENT, version: 0, updatedAt: null };
  }

  /** Every change the person made, oldest first, each with the choices before and after. */
  async history(nhsNumber: string): Promise<ConsentChangeRecord[]> {
    const key = consentKey(nhsNumber);
    return key === undefined ? [] : this.repository.history(key);
  }

  /**
   * Changes the consent of the person with `nhsNumber`. Only the person themself, signed in with
   * high proofing (P9), may: anyone else is refused FORBIDDEN with the policy's reason code, and
   * the refusal is audited. An invalid change is refused BAD_INPUT naming every problem; a stale
   * `expectedVersion` is refused BAD_INPUT with reason 'version-conflict'. The setting, its
   * history row and the audit event commit together or not at all.
   */
  async update(principal: Principal, nhsNumber: string, change: unknown, options: ConsentUpdateOptions = {}): Promise<ConsentSettingsView> {
    const requestId = options.requestId ?? randomUUID();
    const key = consentKey(nhsNumber);
    if (key === undefined) throw new GovernanceError(GovernanceErrorCode.BadInput, 'invalid-nhs-number', 'the NHS number is not valid');
    const refusal = consentChangeRefusal(principal, key);
    if (refusal) {
      // Committed before the caller hears no: attempts on another person's choices are investigated.
      await this.audit.record([auditEvent(principal, key, requestId, 'denied', refusal, {})]);
      throw new GovernanceError(GovernanceErrorCode.Forbidden, refusal, `changing this person's consent is not permitted (${refusal})`);
    }
    let valid;
    try {
      valid = validateConsentChange(change);
    } catch (error) {
      if (error instanceof InvalidConsentChange)
        throw new GovernanceError(GovernanceErrorCode.BadInput, 'invalid-consent-change', error.message, { cause: error });
      throw error;
    }
    const expected = options.expectedVersion;
    if (expected !== undefined && (!Number.isInteger(expected) || expected < 0))
      throw new GovernanceError(GovernanceErrorCode.BadInput, 'invalid-version', 'expectedVersion must be a whole number, 0 or more');

    return this.repository.transaction(async (manager) => {
      const current = await this.repository.findForChange(manager, key);
      const currentVersion = current?.version ?? 0;
      if (expected !== undefined && expected !== currentVersion)
        throw new GovernanceError(
          GovernanceErrorCode.BadInput,
          'version-conflict',
          `the consent settings changed since version ${expected} (now version ${currentVersion}): read them again and retry`,
        );
      const before = current?.choices ?? DEFAULT_CONSENT;
      const after = applyConsentChange(before, valid);
      const next: StoredConsent = {
        nhsNumber: key,
        choices: after,
        version: currentVersion + 1,
        updatedAt: new Date(),
        updatedBy: { subject: principal.subject, issuer: principal.issuer },
      };
      await this.repository.save(manager, next, current ? current.choices : null, requestId);
      // Last in the transaction: the audit chain's lock is then held only until the commit.
      await this.audit.record(
        [auditEvent(principal, key, requestId, 'allowed', null, { version: next.version, changed: changedSettings(before, after) })],
        manager,
      );
      return view(next);
    });
  }
}

function view(stored: StoredConsent): ConsentSettingsView {
  return { choices: stored.choices, version: stored.version, updatedAt: stored.updatedAt };
}

function auditEvent(
  principal: Principal,
  nhsNumber: string,
  requestId: string,
  outcome: AuditOutcome,
  reason: string | null,
  detail: { version?: number; changed?: string[] },
): AuditEventInput {
  return {
    requestId,
    action: 'update',
    outcome,
    outcomeReason: reason,
    // The person's own request about their own data.
    purpose: 'PATRQT',
    agent: auditAgentOf(principal),
    // Which settings changed and the new version; the values themselves stay in consent_change.
    entity: { nhsNumber, queryKind: QUERY_KIND, detail },
  };
}
