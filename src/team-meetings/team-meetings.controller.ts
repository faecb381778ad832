import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { TEAM_MEETING_READERS, TEAM_MEETING_WRITERS } from '../auth/access-policy';
import { CurrentCaller, Roles } from '../auth/decorators';
import type { Caller } from '../auth/roles';
import { ApiIdempotencyKey, IdempotencyKey } from '../common/idempotency-key';
import { ListTeamMeetingsQuery, NextTeamMeetingDto, TeamMeetingDto, TeamMeetingListDto, TeamMeetingViewDto } from './team-meetings.dto';
import { TeamMeetingsService } from './team-meetings.service';

/** EPS meetings (API.md "EPS meetings"). */
@ApiTags('team-meetings')
@Controller('team-meetings')
export class TeamMeetingsController {
  constructor(private readonly meetings: TeamMeetingsService) {}

  @Post()
  @Roles(...TEAM_MEETING_WRITERS)
  @HttpCode(201)
  @ApiIdempotencyKey()
  @ApiOperation({ summary: 'Records an EPS meeting held: its date, attendees and whether the shared-secrecy charter was read out; its meetingId is what team reviews name' })
  @ApiCreatedResponse({ type: TeamMeetingViewDto })
  @ApiConflictResponse({ description: 'A meeting is already recorded that day (the problem names its meetingId)' })
  @ApiUnprocessableEntityResponse({ description: 'The date is in the future, or the year already holds its most meetings' })
  record(@Body() body: TeamMeetingDto, @CurrentCaller() caller: Caller, @IdempotencyKey() key?: string) {
    return this.meetings.record(body, caller, key);
  }

  @Get()
  @Roles(...TEAM_MEETING_READERS)
  @ApiOperation({ summary: 'The EPS meetings recorded for a civil year, by date' })
  @ApiOkResponse({ type: TeamMeetingListDto })
  list(@Query() query: ListTeamMeetingsQuery) {
    return this.meetings.list(query.year);
  }

  @Get('next')
  @Roles(...TEAM_MEETING_READERS)
  @ApiOperation({ summary: "The next EPS meeting's date (monthly rule from configuration) and its agenda: the cases awaiting review, oldest first, without names" })
  @ApiOkResponse({ type: NextTeamMeetingDto })
  next() {
    return this.meetings.next();
  }
}
