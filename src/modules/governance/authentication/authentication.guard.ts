import { randomUUID } from 'node:crypto';

import { type CanActivate, type ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

import { AuditTrail } from '../audit/audit-trail.js';
import { auditAgentOf, type AuditEventInput } from '../audit/index.js';
import { CarerDelegations, parseActingFor } from '../delegations/index.js';
import type { HubRole, Principal } from '../domain/principal.js';
import { GovernanceError, GovernanceErrorCode } from '../governance.errors.js';
import { type CachedAuthentication, PRINCIPAL_ON_REQUEST, PUBLIC_ROUTE, REQUIRED_ROLES, requestOf } from './authentication.decorators.js';
import { TokenVerifier } from './token-verifier.js';

export type HubRequest = Record<string | symbol, unknown> & { headers?: Record<string, string | string[] | undefined>; id?: unknown };

/** The write of a request's refusal to the audit trail: a GraphQL query's other fields add no row of their own. */
const REFUSAL_AUDITED = Symbol.for('tessera.governance.refusal-audited');

/** A carer names the person they act for in this header (docs/SECURITY.md, "Carers"). */
export const ACTING_FOR_HEADER = 'x-acting-for';

/** The outcome of authentication, with the signed-in caller when it was acting for someone that was refused. */
export type Authentication = CachedAuthentication | { refusal: GovernanceError; refusedPrincipal: Principal };

/**
 * The global guard (APP_GUARD) in front of every HTTP controller and GraphQL resolver: no valid
 * bearer token, no answer (except @Public routes: liveness, readiness, metrics); with
 * @RequireRoles, the principal needs at least one of the roles. The token is verified once per
 * HTTP request (a GraphQL query runs this guard for each root field) and the outcome cached on
 * the request. Each refused request leaves one 'denied' row in the audit trail. With an
 * X-Acting-For header, a resident becomes a 'carer' principal for the person who delegated to
 * them (CarerDelegations.actingPrincipal: one indexed lookup, only when the header is sent).
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  private readonly logger = new Logger(AuthenticationGuard.name);

  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(AuditTrail) private readonly audit: AuditTrail,
    @Inject(CarerDelegations) private readonly delegations: CarerDelegations,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ROUTE, targets)) return true;
    const request = requestOf(context) as HubRequest | undefined;
    // Neither HTTP nor GraphQL over HTTP (a queue worker, the MLLP listener): not this guard's business.
    if (!request) return true;

    const authentication = await this.authenticate(request);
    if ('refusal' in authentication) {
      const refused = 'refusedPrincipal' in authentication ? authentication.refusedPrincipal : undefined;
      await this.recordRefusal(request, authentication.refusal, refused, context);
      throw authentication.refusal;
    }
    const required = this.reflector.getAllAndOverride<HubRole[] | undefined>(REQUIRED_ROLES, targets);
    const principal = authentication.principal;
    if (required?.length && !required.some((role) => principal.roles.includes(role))) {
      const refusal = new GovernanceError(
        GovernanceErrorCode.Forbidden,
        'missing-role',
        `this operation needs one of the roles: ${required.join(', ')}`,
      );
      await this.recordRefusal(request, refusal, principal, context);
      throw refusal;
    }
    return true;
  }

  /** Verifies the request's token once; concurrent fields of one GraphQL query share the same promise. */
  authenticate(request: HubRequest): Promise<Authentication> {
    const cached = request[PRINCIPAL_ON_REQUEST] as Authentication | Promise<Authentication> | undefined;
    if (cached) return Promise.resolve(cached);
    const header = request.headers?.authorization;
    const pending = this.verifier
      .verify(Array.isArray(header) ? header[0] : header)
      .then((principal) => this.actingFor(principal, request))
      .catch((error: unknown): Authentication => {
        if (error instanceof GovernanceError) return { refusal: error };
        throw error;
      })
      .then((outcome) => {
        // The settled outcome replaces the promise, so that CurrentPrincipal can read it synchronously.
        request[PRINCIPAL_ON_REQUEST] = outcome;
        return outcome;
      });
    request[PRINCIPAL_ON_REQUEST] = pending;
    pending.catch(() => delete request[PRINCIPAL_ON_REQUEST]);
    return pending;
  }

  /** The principal itself, or (with X-Acting-For) the carer it acts as; a refusal keeps who asked, for the audit row. */
  private async actingFor(principal: Principal, request: HubRequest): Promise<Authentication> {
    const header = request.headers?.[ACTING_FOR_HEADER];
    if (header === undefined) return { principal };
    try {
      return { principal: await this.delegations.actingPrincipal(principal, header) };
    } catch (error) {
      if (error instanceof GovernanceError) return { refusal: error, refusedPrincipal: principal };
      throw error;
    }
  }

  /**
   * One 'denied' row per refused request; no subject when no token was valid. Every refused field
   * of a GraphQL query waits for that one write: whichever field fails first ends the response,
   * and the row must be in the trail by then.
   */
  recordRefusal(
    request: HubRequest,
    refusal: GovernanceError,
    principal: Principal | undefined,
    context: ExecutionContext | string,
  ): Promise<void> {
    const pending = request[REFUSAL_AUDITED] as Promise<void> | undefined;
    if (pending) return pending;
    const event: AuditEventInput = {
      requestId: requestIdOf(request),
      action: 'execute',
      outcome: 'denied',
      outcomeReason: refusal.reason,
      agent: principal ? auditAgentOf(principal) : { principalKind: 'unauthenticated', subject: '', issuer: '' },
      // A refused X-Acting-For names the person it tried to act for, so the attempt shows in their access log.
      entity: {
        nhsNumber: principal ? (parseActingFor(request.headers?.[ACTING_FOR_HEADER]) ?? null) : null,
        queryKind: typeof context === 'string' ? context : operationName(context),
      },
    };
    const written = this.audit.record([event]).then(
      () => undefined,
      (error: unknown) => {
        // The refusal stands whether or not it could be written down; the failure is logged without the request.
        this.logger.error(`could not audit a refused request: ${(error as Error).message}`);
      },
    );
    request[REFUSAL_AUDITED] = written;
    return written;
  }
}

/** pino-http gives each request its id (X-Request-Id or a new UUID). */
function requestIdOf(request: HubRequest): string {
  return typeof request.id === 'string' && request.id.length > 0 ? request.id : randomUUID();
}

/** The resolver or handler refused, e.g. 'Query.deadLetters' or 'DeadLettersResolver.retry'. */
function operationName(context: ExecutionContext): string {
  return `${context.getClass().name}.${context.getHandler().name}`;
}
