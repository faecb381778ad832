import { Module } from '@nestjs/common';
import { SchedulesBootstrap } from './schedules.bootstrap';
import { SchedulesController } from './schedules.controller';
import { SchedulesService } from './schedules.service';

/** Temporal Schedules: ensured at start-up, listed and operated through the API (API.md "Schedules, reminders, reports"). */
@Module({ controllers: [SchedulesController], providers: [SchedulesService, SchedulesBootstrap] })
export class SchedulesModule {}
