import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/index.js';
import { buildDataSourceOptions } from './data-source-options.js';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        ...buildDataSourceOptions(config.database),
        autoLoadEntities: true,
        // Boot has already checked that PostgreSQL answers; a lost connection later is
        // reported by readiness and healed by the pool, not by retrying here.
        retryAttempts: 0,
      }),
    }),
  ],
})
export class DatabaseModule {}
