import { ApiProperty } from '@nestjs/swagger';
import { StaffId } from '../parcours/dto/text';
import { TASK_KINDS } from '../../workflows/schedules/schedules.rules';

/** Most open cases one caseload reads (a référent follows a few dozen): past it, `truncated` is true. */
export const MAX_CASELOAD = 500;

/** The open stages a caseload counts. */
export const OPEN_STAGES = ['REFERRED', 'AWAITING_CONSENT', 'AWAITING_TEAM_REVIEW', 'ACTIVE'] as const;

/** `{referentId}` of `GET /referents/{referentId}/caseload`. */
export class ReferentParams {
  @StaffId({ example: 'u-ref-1' }) referentId!: string;
}

/** An open case of the caseload and what is to be done next: no name, codes and dates only. */
export class CaseloadItemDto {
  @ApiProperty({ example: 'D-7K3M9QX2TB' }) dossierId!: string;
  @ApiProperty({ enum: [...OPEN_STAGES], example: 'ACTIVE' }) stage!: string;
  @ApiProperty({ enum: Object.keys(TASK_KINDS), example: 'REASSESSMENT_DUE', description: 'The next thing to do on the case' }) action!: string;
  @ApiProperty({ example: 'Faire la réévaluation du parcours' }) label!: string;
  @ApiProperty({ type: String, format: 'date', nullable: true, example: '2027-03-01', description: 'Its due date (the case’s next deadline), null without one' }) dueOn!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'REASSESSMENT', description: 'The deadline behind it (PreNextDeadlineKind)' }) deadlineKind!: string | null;
  @ApiProperty({ description: 'A deadline of the case has passed without the expected action' }) overdue!: boolean;
}

export class OpenByStageDto {
  @ApiProperty({ example: 0 }) REFERRED!: number;
  @ApiProperty({ example: 2 }) AWAITING_CONSENT!: number;
  @ApiProperty({ example: 1 }) AWAITING_TEAM_REVIEW!: number;
  @ApiProperty({ example: 14 }) ACTIVE!: number;
}

/** `GET /referents/{referentId}/caseload`. */
export class CaseloadDto {
  @ApiProperty({ example: 'u-ref-1' }) referentId!: string;
  @ApiProperty({ format: 'date', example: '2026-12-07', description: 'Today in Paris' }) asOf!: string;
  @ApiProperty({ example: 17, description: 'Open cases followed by the référent' }) openCases!: number;
  @ApiProperty({ type: OpenByStageDto }) byStage!: OpenByStageDto;
  @ApiProperty({ type: [CaseloadItemDto], description: 'Open cases with an overdue deadline, the longest overdue first' }) overdue!: CaseloadItemDto[];
  @ApiProperty({ type: [CaseloadItemDto], description: 'The other open cases with their next action, soonest first (those without a due date last)' }) nextActions!: CaseloadItemDto[];
  @ApiProperty({ example: MAX_CASELOAD, description: 'The most open cases one caseload reads' }) limit!: number;
  @ApiProperty({ description: `More than ${MAX_CASELOAD} open cases: the figures cover the first ${MAX_CASELOAD} found` }) truncated!: boolean;
}
