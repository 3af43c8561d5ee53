// Authentication: bearer tokens from trusted OIDC issuers (AUTH_ISSUERS) become Principals.
export { TokenVerifier, ALLOWED_ALGORITHMS } from './token-verifier.js';
export { AUTHENTICATION_FAILURES, type AuthenticationFailure } from './domain/authentication-failure.js';
export { RoleMap, type MappedRole } from './domain/role-map.js';
export { GovernanceError, GovernanceErrorCode } from '../governance.errors.js';
export { Public, RequireRoles, CurrentPrincipal, PUBLIC_ROUTE, REQUIRED_ROLES } from './authentication.decorators.js';
export { AuthenticationGuard } from './authentication.guard.js';
export { GovernanceErrorFilter, refusalShape } from './governance-error.filter.js';
