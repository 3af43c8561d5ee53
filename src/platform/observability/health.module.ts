import { Global, Module } from '@nestjs/common';
import { HealthController } from './health.controller.js';
import { HealthDetails } from './health-details.js';
import { LifecycleState } from './lifecycle-state.js';
import { Readiness } from './readiness.js';

@Global()
@Module({
  controllers: [HealthController],
  providers: [Readiness, LifecycleState, HealthDetails],
  exports: [LifecycleState, HealthDetails],
})
export class HealthModule {}
