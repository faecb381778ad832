import { Module } from '@nestjs/common';
import { TasksController } from './tasks.controller';
import { TasksService } from './tasks.service';

/** `GET /me/tasks`, built from search attributes. */
@Module({ controllers: [TasksController], providers: [TasksService] })
export class TasksModule {}
