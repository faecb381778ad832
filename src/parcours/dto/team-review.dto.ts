import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateNested } from 'class-validator';
import { OptionalCalendarDate } from '../../common/calendar-date';
import { MEETING_ID } from '../../../workflows/team-meetings/team-meetings.contract';
import { TEAM_DECISIONS, type TeamDecision, type TeamReviewInput } from '../../../workflows/parcours/parcours.contract';
import { OneOf } from './enum';
import type { StaffFields } from './staff-fields';
import { MAX, OptionalLine, OptionalStaffId, OptionalText, Text } from './text';

export class ObjectiveDto {
  @Text(MAX.label, { example: 'Read fluently by June' }) label!: string;
}

/**
 * Body of `POST /parcours/{dossierId}/team-reviews`: the EPS decision, taken at a recorded meeting (`meetingId`, from
 * `POST /team-meetings`); the case's `meetingDate` is that meeting's date.
 */
export class TeamReviewDto implements Omit<StaffFields<TeamReviewInput>, 'meetingDate'> {
  @ApiProperty({ example: 'EPS-2026-12-01', pattern: MEETING_ID.source, description: 'The recorded EPS meeting (POST /team-meetings) the decision was taken at; unknown, or without the shared-secrecy charter read out: 422' })
  @IsString({ message: 'meetingId must be a string' })
  @Matches(MEETING_ID, { message: 'meetingId must be a meeting id such as EPS-2026-12-01' })
  meetingId!: string;

  @OptionalCalendarDate({ example: '2026-12-01', description: "The meeting's date, if given: must be the date of `meetingId` (422 otherwise)" }) meetingDate?: string;
  @OneOf(TEAM_DECISIONS, { example: 'VALIDATED' }) decision!: TeamDecision;

  @ApiPropertyOptional({ type: [ObjectiveDto], description: 'VALIDATED: at least one objective' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => ObjectiveDto)
  objectives?: ObjectiveDto[];

  @OptionalStaffId({ example: 'u-ref-1', description: 'VALIDATED: the référent (required unless one is already assigned)' }) referentId?: string;

  @ApiPropertyOptional({ example: 12, type: 'integer', minimum: 1, maximum: 60, description: 'VALIDATED: initial length in months (default 12)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(60)
  durationMonths?: number;

  @OptionalLine(MAX.line, { description: 'REDIRECTED: the common-law service' }) redirectedTo?: string;
  @OptionalText(MAX.note, { description: 'REFUSED: the motive (required). MORE_INFO: what is asked' }) motive?: string;
}
