import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentCaller, Roles } from '../auth/decorators';
import type { Caller } from '../auth/roles';
import { ApiIdempotencyKey, IdempotencyKey } from '../common/idempotency-key';
import { BackfillDto, ScheduleListDto, ScheduleNoteDto, ScheduleParams, ScheduleViewDto } from './dto/schedule.dto';
import { SchedulesService } from './schedules.service';

/** The Temporal Schedules of DOMAIN.md §3: supervisors see them, admins operate them. */
@ApiTags('schedules')
@Controller('schedules')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Get()
  @Roles('admin', 'supervisor')
  @ApiOperation({ summary: 'Every schedule with its note, spec, next run times, paused state and recent runs' })
  @ApiOkResponse({ type: ScheduleListDto })
  list() {
    return this.schedules.list();
  }

  @Post(':id/trigger')
  @Roles('admin')
  @HttpCode(200)
  @ApiIdempotencyKey()
  @ApiOperation({ summary: "Run the schedule's action now" })
  @ApiOkResponse({ type: ScheduleViewDto })
  trigger(@Param() { id }: ScheduleParams, @CurrentCaller() caller: Caller, @IdempotencyKey() key?: string) {
    return this.schedules.trigger(id, caller, key);
  }

  @Post(':id/pause')
  @Roles('admin')
  @HttpCode(200)
  @ApiBody({ type: ScheduleNoteDto, required: false })
  @ApiOperation({ summary: 'Pause the schedule (optional note, shown in the Temporal UI)' })
  @ApiOkResponse({ type: ScheduleViewDto })
  pause(@Param() { id }: ScheduleParams, @Body() body: ScheduleNoteDto, @CurrentCaller() caller: Caller) {
    return this.schedules.pause(id, caller, body?.note);
  }

  @Post(':id/unpause')
  @Roles('admin')
  @HttpCode(200)
  @ApiBody({ type: ScheduleNoteDto, required: false })
  @ApiOperation({ summary: 'Resume the schedule (optional note)' })
  @ApiOkResponse({ type: ScheduleViewDto })
  unpause(@Param() { id }: ScheduleParams, @Body() body: ScheduleNoteDto, @CurrentCaller() caller: Caller) {
    return this.schedules.unpause(id, caller, body?.note);
  }

  @Post(':id/backfill')
  @Roles('admin')
  @HttpCode(200)
  @ApiIdempotencyKey()
  @ApiOperation({ summary: 'Take now the actions the schedule would have taken between from and to (at most 31 days)' })
  @ApiOkResponse({ type: ScheduleViewDto })
  backfill(@Param() { id }: ScheduleParams, @Body() body: BackfillDto, @CurrentCaller() caller: Caller, @IdempotencyKey() key?: string) {
    return this.schedules.backfill(id, body, caller, key);
  }
}
