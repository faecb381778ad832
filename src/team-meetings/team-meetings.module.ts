import { Module } from '@nestjs/common';
import { TeamMeetingsController } from './team-meetings.controller';
import { TeamMeetingsService } from './team-meetings.service';

/** The EPS meetings (records), calendar and agenda; team reviews check their meeting with its service. */
@Module({ controllers: [TeamMeetingsController], providers: [TeamMeetingsService], exports: [TeamMeetingsService] })
export class TeamMeetingsModule {}
