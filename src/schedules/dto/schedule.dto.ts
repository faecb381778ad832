import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, Matches } from 'class-validator';
import { IsInstantInWindow } from '../../common/calendar-date';
import { CleanText, MaxChars } from '../../common/text';

/** `{id}` of the schedule paths. */
export class ScheduleParams {
  @ApiProperty({ example: 'pre-daily-digest' })
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{0,80}$/, { message: 'id must be a schedule id, e.g. pre-daily-digest' })
  id!: string;
}

/** Optional body of pause / unpause: the note shown with the schedule (Temporal UI and GET /schedules). */
export class ScheduleNoteDto {
  @ApiPropertyOptional({ example: 'Vacances de Noël : pas de récapitulatif', maxLength: 300 })
  @IsOptional()
  @IsString({ message: 'note must be text' })
  @MaxChars(300, { message: 'note must be at most 300 characters' })
  @CleanText()
  note?: string;
}

const ISO = { strict: true, strictSeparator: true };

/** Body of backfill: run the schedule's actions as if [from, to) had passed now (at most 31 days). */
export class BackfillDto {
  @ApiProperty({ example: '2026-01-05T00:00:00Z', description: 'ISO 8601 instant (or date), inclusive' })
  @IsISO8601(ISO, { message: 'from must be an ISO 8601 instant, e.g. 2026-01-05T00:00:00Z' })
  @MaxChars(40, { message: 'from must be at most 40 characters' })
  @IsInstantInWindow()
  from!: string;

  @ApiProperty({ example: '2026-01-08T00:00:00Z', description: 'ISO 8601 instant (or date), after from, at most 31 days later' })
  @IsISO8601(ISO, { message: 'to must be an ISO 8601 instant, e.g. 2026-01-08T00:00:00Z' })
  @MaxChars(40, { message: 'to must be at most 40 characters' })
  @IsInstantInWindow()
  to!: string;
}

export class ScheduleRunDto {
  @ApiProperty({ example: '2026-01-05T06:30:00.000Z' }) scheduledAt!: string;
  @ApiProperty({ example: '2026-01-05T06:30:00.412Z' }) takenAt!: string;
  @ApiProperty({ example: 'pre-daily-digest-2026-01-05T06:30:00Z' }) workflowId!: string;
}

export class ScheduleViewDto {
  @ApiProperty({ example: 'pre-daily-digest' }) id!: string;
  @ApiProperty({ example: 'daily-digest' }) name!: string;
  @ApiProperty({ description: 'false when the schedule does not exist (yet) in Temporal' }) exists!: boolean;
  @ApiProperty({ example: 'dailyDigestWorkflow' }) workflowType!: string;
  @ApiProperty({ description: 'What the schedule does (French)' }) description!: string;
  @ApiPropertyOptional({ description: 'The note shown in the Temporal UI (set by pause / unpause)' }) note?: string;
  @ApiProperty() paused!: boolean;
  @ApiProperty({ example: { summary: 'Du lundi au vendredi à 07:30 (Europe/Paris)', timezone: 'Europe/Paris' } })
  spec!: { summary: string; timezone: string };
  @ApiProperty({ example: { overlap: 'SKIP', catchupWindowSeconds: 14400, reason: '…' } })
  policies!: { overlap?: string; catchupWindowSeconds?: number; reason: string };
  @ApiProperty({ type: [String], example: ['2026-01-06T06:30:00.000Z'] }) nextRunTimes!: string[];
  @ApiProperty({ type: [ScheduleRunDto] }) recentActions!: ScheduleRunDto[];
  @ApiProperty({ type: [String], description: 'Workflow ids of runs still in progress' }) runningWorkflowIds!: string[];
  @ApiPropertyOptional() numActionsTaken?: number;
  @ApiPropertyOptional() numActionsMissedCatchupWindow?: number;
  @ApiPropertyOptional() numActionsSkippedOverlap?: number;
  @ApiPropertyOptional() createdAt?: string;
  @ApiPropertyOptional() lastUpdatedAt?: string;
}

export class ScheduleListDto {
  @ApiProperty({ type: [ScheduleViewDto] }) items!: ScheduleViewDto[];
}
