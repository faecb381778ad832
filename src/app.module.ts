import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AuthModule } from './auth/auth.module';
import { ProblemFilter } from './common/problem.filter';
import { AppConfig } from './config/env';
import { ConventionsModule } from './conventions/conventions.module';
import { HealthController } from './health/health.controller';
import { HttpMetrics, MetricsController } from './metrics/metrics';
import { NotificationsModule } from './notifications/notifications.module';
import { ParcoursModule } from './parcours/parcours.module';
import { PrivacyModule } from './privacy/privacy.module';
import { ReportsModule } from './reports/reports.module';
import { SchedulesModule } from './schedules/schedules.module';
import { TasksModule } from './tasks/tasks.module';
import { TeamMeetingsModule } from './team-meetings/team-meetings.module';
import { ReferentsModule } from './referents/referents.module';
import { TemporalModule } from './temporal/temporal.module';
import { TracingFlush } from './telemetry/http-tracing';

/** Feature modules of the API (one per path family of API.md). */
const FEATURES: Array<DynamicModule | (new () => unknown)> = [PrivacyModule, ConventionsModule, SchedulesModule, NotificationsModule, TasksModule, ParcoursModule, TeamMeetingsModule, ReferentsModule, ReportsModule];

@Module({})
export class AppModule {
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        { module: class ConfigModule {}, global: true, providers: [{ provide: AppConfig, useValue: config }], exports: [AppConfig] },
        TemporalModule,
        AuthModule,
        ...FEATURES,
      ],
      controllers: [HealthController, MetricsController],
      providers: [HttpMetrics, TracingFlush, { provide: APP_FILTER, useClass: ProblemFilter }],
      exports: [HttpMetrics],
    };
  }
}
