import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentCaller, Roles } from '../auth/decorators';
import type { Caller } from '../auth/roles';
import { ListTasksQuery, TaskListDto } from './dto/tasks.dto';
import { TasksService } from './tasks.service';

/** Each person's task list. */
@ApiTags('tasks')
@Controller('me/tasks')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Get()
  @Roles('referent', 'coordinator', 'finance', 'supervisor', 'admin')
  @ApiOperation({ summary: 'What is due for the caller, overdue first then soonest first (any staff role)' })
  @ApiOkResponse({ type: TaskListDto })
  list(@Query() query: ListTasksQuery, @CurrentCaller() caller: Caller) {
    return this.tasks.list(caller, query);
  }
}
