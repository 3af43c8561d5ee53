import { Module } from '@nestjs/common';

import { AuditTrail } from './audit/audit-trail.js';
import { AuditVerifier } from './audit/audit-verifier.js';
import { TokenVerifier } from './authentication/token-verifier.js';
import { AccessPolicyService } from './policy/access-policy.service.js';

/** Authentication, principals and roles, relationships, consent, break-glass and the audit trail. */
@Module({
  providers: [AuditTrail, AuditVerifier, TokenVerifier, AccessPolicyService],
  exports: [AuditTrail, AuditVerifier, TokenVerifier, AccessPolicyService],
})
export class GovernanceModule {}
