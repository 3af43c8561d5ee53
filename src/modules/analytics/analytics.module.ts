import { Module } from '@nestjs/common';

/** Usage, audit intelligence, data quality and population indicators, computed in background jobs. */
@Module({})
export class AnalyticsModule {}
