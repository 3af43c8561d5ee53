import { Module } from '@nestjs/common';

/** Authentication, principals and roles, relationships, consent, break-glass and the audit trail. */
@Module({})
export class GovernanceModule {}
