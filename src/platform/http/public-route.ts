import { SetMetadata } from '@nestjs/common';

// Route metadata the governance AuthenticationGuard reads. It lives in the platform so that
// platform controllers, and modules governance itself depends on (source-connectors: an import
// back would be a cycle), can carry it without importing governance. Governance re-exports both
// decorators, RequireRoles typed with its HubRole.

/** Metadata key: a route marked with it needs no token. */
export const PUBLIC_ROUTE = 'tessera:public-route';
/** Metadata key: the hub roles of which a caller needs at least one. */
export const REQUIRED_ROLES = 'tessera:required-roles';

/**
 * Marks a controller or handler as answering without a token. Only liveness, readiness and
 * metrics use it: everything else needs a valid bearer token.
 */
export const Public = (): ClassDecorator & MethodDecorator => SetMetadata(PUBLIC_ROUTE, true);

/**
 * Restricts a handler (or every handler of a class) to callers holding at least one of these hub
 * roles; a handler's list replaces its class's. Pass governance's HubRole as `Role` for checking.
 */
export const RequireRoles = <Role extends string>(...roles: Role[]): ClassDecorator & MethodDecorator => SetMetadata(REQUIRED_ROLES, roles);
