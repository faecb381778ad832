import { Module } from '@nestjs/common';
import { TeamMeetingsController } from './team-meetings.controller';
import { TeamMeetingsService } from './team-meetings.service';

/** The EPS calendar and agenda. */
@Module({ controllers: [TeamMeetingsController], providers: [TeamMeetingsService] })
export class TeamMeetingsModule {}
