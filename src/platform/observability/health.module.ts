import { Global, Module } from '@nestjs/common';
import { HealthController } from './health.controller.js';
import { LifecycleState } from './lifecycle-state.js';
import { Readiness } from './readiness.js';

@Global()
@Module({
  controllers: [HealthController],
  providers: [Readiness, LifecycleState],
  exports: [LifecycleState],
})
export class HealthModule {}
