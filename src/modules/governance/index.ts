// Authentication, principals and roles, relationships, consent, break-glass and the audit trail.
// Not built yet (issue 6): the module is wired into the app so its place and boundaries exist.
export { GovernanceModule } from './governance.module.js';
export * from './audit/index.js';
export * from './authentication/index.js';
export * from './policy/index.js';
