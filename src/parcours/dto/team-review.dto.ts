import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import { CalendarDate } from '../../common/calendar-date';
import { TEAM_DECISIONS, type TeamDecision, type TeamReviewInput } from '../../../workflows/parcours/parcours.contract';
import { OneOf } from './enum';
import type { StaffFields } from './staff-fields';
import { MAX, OptionalLine, OptionalStaffId, OptionalText, Text } from './text';

export class ObjectiveDto {
  @Text(MAX.label, { example: 'Read fluently by June' }) label!: string;
}

/** Body of `POST /parcours/{dossierId}/team-reviews`: the EPS decision. */
export class TeamReviewDto implements StaffFields<TeamReviewInput> {
  @CalendarDate({ example: '2026-12-03' }) meetingDate!: string;
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
