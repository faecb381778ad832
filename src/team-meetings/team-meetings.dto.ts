import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsInt, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import { CalendarDate } from '../common/calendar-date';
import { OneOf } from '../parcours/dto/enum';
import { StaffId } from '../parcours/dto/text';
import {
  ATTENDEE_ROLES,
  MAX_ATTENDEES,
  MAX_MEETINGS_PER_YEAR,
  MEETING_ID,
  type AttendeeRole,
  type TeamMeetingInput,
} from '../../workflows/team-meetings/team-meetings.contract';
import type { UpdateMeta } from '../../workflows/shared/messages';

/** The years `GET /team-meetings` answers (the dates window starts in 2000). */
export const MIN_MEETING_YEAR = 2000;
export const MAX_MEETING_YEAR = 2100;

export class EpsCalendarDto {
  @ApiProperty({ example: 2, description: '0 = Sunday … 6 = Saturday' }) weekday!: number;
  @ApiProperty({ example: 1, description: '1 = first such weekday of the month … 4 = fourth' }) weekOfMonth!: number;
  @ApiProperty({ type: [Number], example: [8], description: 'Months without a meeting' }) noMeetingMonths!: number[];
}

/** A case on the agenda: no name, no birth date. */
export class AgendaCaseDto {
  @ApiProperty({ example: 'D-7K3M9QX2TB' }) dossierId!: string;
  @ApiProperty({ example: 'GRESILLES' }) qpv!: string;
  @ApiProperty({ example: '6-10' }) ageBand!: string;
  @ApiProperty({ format: 'date', description: 'The date the case started waiting for the EPS (consent)' }) waitingSince!: string;
  @ApiProperty({ example: 12, description: 'Days waited so far' }) waitingDays!: number;
  @ApiProperty({ example: 0, description: 'Earlier MORE_INFO decisions of the EPS' }) moreInfoCount!: number;
  @ApiProperty({ description: 'The review escalation deadline has passed' }) overdue!: boolean;
}

/** `GET /team-meetings/next`. */
export class NextTeamMeetingDto {
  @ApiProperty({ format: 'date', example: '2026-12-01' }) date!: string;
  @ApiProperty({ type: EpsCalendarDto }) calendar!: EpsCalendarDto;
  @ApiProperty({ type: [AgendaCaseDto], description: 'Cases awaiting review, oldest first' }) agenda!: AgendaCaseDto[];
}

/** One attendee of an EPS meeting: a staff id and what they sit as (no name). */
export class AttendeeDto {
  @StaffId({ example: 'u-coord-1' }) staffId!: string;
  @OneOf(ATTENDEE_ROLES, { example: 'coordinator' }) role!: AttendeeRole;
}

/** Body of `POST /team-meetings`: a meeting the EPS held. */
export class TeamMeetingDto implements Omit<TeamMeetingInput, keyof UpdateMeta> {
  @CalendarDate({ example: '2026-12-01', description: 'The day the EPS met (not in the future); one meeting a day' }) meetingDate!: string;

  @ApiProperty({ type: [AttendeeDto], minItems: 1, maxItems: MAX_ATTENDEES, description: 'Who sat, each staff id once (422 otherwise)' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_ATTENDEES)
  @ValidateNested({ each: true })
  @Type(() => AttendeeDto)
  attendees!: AttendeeDto[];

  @ApiProperty({ example: true, description: 'The shared-secrecy charter was read out at the opening; without it no case may be decided at the meeting (422 on its team reviews)' })
  @IsBoolean({ message: 'secrecyCharterRead must be true or false' })
  secrecyCharterRead!: boolean;
}

class ActorDto {
  @ApiProperty({ example: 'u-coord-1' }) sub!: string;
  @ApiProperty({ example: 'coordinator' }) role!: string;
}

class AttendeeViewDto {
  @ApiProperty({ example: 'u-coord-1' }) staffId!: string;
  @ApiProperty({ enum: [...ATTENDEE_ROLES], example: 'coordinator' }) role!: string;
}

/** A recorded EPS meeting. */
export class TeamMeetingViewDto {
  @ApiProperty({ example: 'EPS-2026-12-01', pattern: MEETING_ID.source, description: 'What a team review names (`meetingId`)' }) meetingId!: string;
  @ApiProperty({ format: 'date', example: '2026-12-01' }) meetingDate!: string;
  @ApiProperty({ type: [AttendeeViewDto] }) attendees!: AttendeeViewDto[];
  @ApiProperty({ example: true }) secrecyCharterRead!: boolean;
  @ApiProperty({ type: ActorDto }) recordedBy!: ActorDto;
  @ApiProperty({ format: 'date-time' }) recordedAt!: string;
}

/** `GET /team-meetings?year=`. */
export class TeamMeetingListDto {
  @ApiProperty({ example: 2026 }) year!: number;
  @ApiProperty({ type: [TeamMeetingViewDto], description: `The meetings of the year, by date (at most ${MAX_MEETINGS_PER_YEAR})` }) items!: TeamMeetingViewDto[];
}

/** `GET /team-meetings` query. */
export class ListTeamMeetingsQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: MIN_MEETING_YEAR, maximum: MAX_MEETING_YEAR, example: 2026, description: 'The civil year (default: the current year in Paris)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'year must be a whole number such as 2026' })
  @Min(MIN_MEETING_YEAR, { message: `year must be between ${MIN_MEETING_YEAR} and ${MAX_MEETING_YEAR}` })
  @Max(MAX_MEETING_YEAR, { message: `year must be between ${MIN_MEETING_YEAR} and ${MAX_MEETING_YEAR}` })
  year?: number;
}
