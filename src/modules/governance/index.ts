// Authentication (every request but health and metrics needs a valid token), principals and
// roles, the access policy (relationships, consent, break-glass, sharing, sensitive data), the
// hash-chained audit trail and privacy officers' review of it.
export { GovernanceModule } from './governance.module.js';
export * from './audit/index.js';
export * from './authentication/index.js';
export * from './policy/index.js';
export { HUB_ROLES, type HubRole, type Principal, type PrincipalKind } from './domain/principal.js';
export * from './audit-review/index.js';
export * from './governed-reads/index.js';
export * from './consent/index.js';
export * from './access-grants/index.js';
export * from './delegations/index.js';
export * from './access-log/index.js';
