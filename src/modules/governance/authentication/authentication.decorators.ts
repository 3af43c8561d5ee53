import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';

import { Public, PUBLIC_ROUTE, REQUIRED_ROLES, RequireRoles as requireRolesOf } from '../../../platform/http/index.js';

import type { HubRole, Principal } from '../domain/principal.js';
import { GovernanceError, GovernanceErrorCode } from '../governance.errors.js';

// Public and the metadata keys come from the platform, which cannot import a module (platform/http).
export { Public, PUBLIC_ROUTE, REQUIRED_ROLES };

/** The property of the HTTP request object the guard caches the Principal (or the refusal) on. */
export const PRINCIPAL_ON_REQUEST = Symbol.for('tessera.governance.principal');

/**
 * Restricts a handler (or every handler of a class) to principals holding at least one of these
 * hub roles. Without it any authenticated principal may call; a handler's list replaces its class's.
 */
export const RequireRoles = (...roles: HubRole[]): ClassDecorator & MethodDecorator => requireRolesOf<HubRole>(...roles);

/** The request object behind an HTTP handler or a GraphQL resolver (Apollo's context carries `req`). */
export function requestOf(context: ExecutionContext): Record<string | symbol, unknown> | undefined {
  if (context.getType<string>() === 'graphql') {
    const graphqlContext = GqlExecutionContext.create(context).getContext<{ req?: Record<string | symbol, unknown> }>();
    return graphqlContext?.req;
  }
  if (context.getType() === 'http') return context.switchToHttp().getRequest<Record<string | symbol, unknown>>();
  return undefined;
}

/** What the guard leaves on the request: the Principal, or the refusal to repeat for the next field. */
export type CachedAuthentication = { principal: Principal } | { refusal: GovernanceError };

/**
 * The Principal the AuthenticationGuard verified for this request, in an HTTP handler or a
 * GraphQL resolver. Throws UNAUTHENTICATED if used on a route no guard authenticated (a @Public one).
 */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const cached = requestOf(context)?.[PRINCIPAL_ON_REQUEST] as CachedAuthentication | undefined;
  if (cached && 'principal' in cached) return cached.principal;
  throw new GovernanceError(GovernanceErrorCode.Unauthenticated, 'missing-token', 'this operation needs an authenticated caller');
});
