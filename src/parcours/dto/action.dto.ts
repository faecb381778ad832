import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { CalendarDate, OptionalCalendarDate } from '../../common/calendar-date';
import {
  ACTION_FREQUENCIES,
  ACTION_PATCH_STATUSES,
  ACTION_TYPES,
  type ActionFrequency,
  type ActionInput,
  type ActionPatchInput,
  type ActionType,
} from '../../../workflows/parcours/parcours.contract';
import { OneOf, OptionalOneOf } from './enum';
import type { StaffFields } from './staff-fields';
import { MAX, OptionalLine, OptionalText, Text } from './text';

/** Body of `POST /parcours/{dossierId}/actions`: schedules an action. */
export class ActionDto implements StaffFields<ActionInput> {
  @OneOf(ACTION_TYPES, { example: 'SCHOOL_SUPPORT' }) type!: ActionType;
  @Text(MAX.line, { example: 'Association Lire et Faire Lire' }) provider!: string;
  @CalendarDate({ example: '2026-12-10' }) startsOn!: string;
  @OptionalCalendarDate({ example: '2027-06-30', kind: 'plan', description: 'An end date or a number of sessions (at least one)' }) endsOn?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(500)
  sessions?: number;

  @OptionalOneOf(ACTION_FREQUENCIES, { example: 'WEEKLY' }) frequency?: ActionFrequency;

  @ApiPropertyOptional({ type: [String], example: ['o1'], description: 'Objectives this action serves' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(/^o\d{1,6}$/, { each: true, message: 'each value in objectiveIds must be an objective id such as o1' })
  objectiveIds?: string[];

  @OptionalText(MAX.note) note?: string;
}

/** Body of `PATCH /parcours/{dossierId}/actions/{actionId}`: a status change, or changed dates/provider. */
export class ActionPatchDto implements Omit<StaffFields<ActionPatchInput>, 'actionId'> {
  @OptionalOneOf(ACTION_PATCH_STATUSES, { example: 'DONE' }) status?: 'DONE' | 'CANCELLED';
  @OptionalText(MAX.note, { description: 'CANCELLED: required' }) motive?: string;
  @OptionalLine(MAX.line) provider?: string;
  @OptionalCalendarDate() startsOn?: string;
  @OptionalCalendarDate({ kind: 'plan' }) endsOn?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(500)
  sessions?: number;

  @OptionalOneOf(ACTION_FREQUENCIES) frequency?: ActionFrequency;
  @OptionalText(MAX.note) note?: string;
}
