import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, IsString, Matches, ValidateNested } from 'class-validator';
import { CalendarDate } from '../../common/calendar-date';
import { PROGRESS_LEVELS, REASSESSMENT_DECISIONS, type ProgressLevel, type ReassessmentDecision, type ReassessmentInput } from '../../../workflows/parcours/parcours.contract';
import { OneOf } from './enum';
import type { StaffFields } from './staff-fields';
import { MAX, OptionalText } from './text';
import { ObjectiveDto } from './team-review.dto';

export class ProgressDto {
  @ApiProperty({ example: 'o1' })
  @IsString()
  @Matches(/^o\d{1,6}$/, { message: 'objectiveId must be an objective id such as o1' })
  objectiveId!: string;

  @OneOf(PROGRESS_LEVELS, { example: 'PARTIAL' }) level!: ProgressLevel;
  @OptionalText(MAX.note) note?: string;
}

/** Body of `POST /parcours/{dossierId}/reassessments`. */
export class ReassessmentDto implements StaffFields<ReassessmentInput> {
  @CalendarDate({ example: '2027-03-01' }) assessedOn!: string;

  @ApiProperty({ type: [ProgressDto] })
  @IsArray()
  @ArrayMinSize(1, { message: 'progress must record at least one objective' })
  @ArrayMaxSize(40)
  @ValidateNested({ each: true })
  @Type(() => ProgressDto)
  progress!: ProgressDto[];

  @OneOf(REASSESSMENT_DECISIONS, { example: 'CONTINUE' }) decision!: ReassessmentDecision;

  @ApiPropertyOptional({ type: [ObjectiveDto], description: 'ADJUST: new objectives' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => ObjectiveDto)
  newObjectives?: ObjectiveDto[];

  @OptionalText(MAX.note) note?: string;
}
