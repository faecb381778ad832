import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/decorators';
import { NextTeamMeetingDto } from './team-meetings.dto';
import { TeamMeetingsService } from './team-meetings.service';

/** EPS meetings (API.md "EPS meetings"). */
@ApiTags('team-meetings')
@Controller('team-meetings')
export class TeamMeetingsController {
  constructor(private readonly meetings: TeamMeetingsService) {}

  @Get('next')
  @Roles('coordinator', 'supervisor')
  @ApiOperation({ summary: "The next EPS meeting's date (monthly rule from configuration) and its agenda: the cases awaiting review, oldest first, without names" })
  @ApiOkResponse({ type: NextTeamMeetingDto })
  next() {
    return this.meetings.next();
  }
}
