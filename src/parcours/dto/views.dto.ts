/**
 * Response shapes, for the OpenAPI document only (answers are the contract's types, produced by the workflow's
 * queries and updates). They document the fields clients rely on (API.md "A case answer").
 */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ACTION_STATUSES,
  ACTION_TYPES,
  CLOSURE_REASONS,
  DEADLINE_KINDS,
  PARCOURS_STAGES,
  QPV_CODES,
  TIMELINE_TYPES,
} from '../../../workflows/parcours/parcours.contract';
import { AGE_BANDS } from '../../../workflows/parcours/parcours.rules';
import { ChildDto, GuardianDto, OrienteurDto } from './referral.dto';

export class ActorDto {
  @ApiProperty({ example: 'u-ref-1' }) sub!: string;
  @ApiProperty({ example: 'referent' }) role!: string;
}

export class EligibilityViewDto {
  @ApiProperty() eligible!: boolean;
  @ApiProperty({ example: 'qpv-2024-dijon-v1' }) ruleVersion!: string;
  @ApiProperty({ type: [String], example: ['AGE_IN_RANGE', 'QPV_ELIGIBLE'] }) reasons!: string[];
  @ApiProperty({ example: 10 }) ageOnReferral!: number;
  @ApiProperty({ example: 'GRESILLES' }) qpv!: string;
  @ApiProperty({ format: 'date-time' }) checkedAt!: string;
}

export class ObjectiveViewDto {
  @ApiProperty({ example: 'o1' }) id!: string;
  @ApiProperty({ example: 'Read fluently by June' }) label!: string;
  @ApiProperty({ format: 'date' }) setOn!: string;
  @ApiPropertyOptional({ enum: ['NONE', 'PARTIAL', 'ACHIEVED'] }) lastLevel?: string;
}

export class ActionViewDto {
  @ApiProperty({ example: 'a1' }) id!: string;
  @ApiProperty({ enum: [...ACTION_TYPES] }) type!: string;
  @ApiProperty() provider!: string;
  @ApiProperty({ format: 'date' }) startsOn!: string;
  @ApiPropertyOptional({ format: 'date' }) endsOn?: string;
  @ApiProperty({ enum: [...ACTION_STATUSES] }) status!: string;
}

export class DeadlineViewDto {
  @ApiProperty({ enum: [...DEADLINE_KINDS] }) kind!: string;
  @ApiProperty({ format: 'date' }) dueOn!: string;
  @ApiProperty() overdue!: boolean;
  @ApiProperty({ example: 'Réévaluation à faire' }) label!: string;
  @ApiPropertyOptional({ example: 'a1' }) actionId?: string;
}

export class ClosureViewDto {
  @ApiProperty({ enum: [...CLOSURE_REASONS] }) reason!: string;
  @ApiProperty({ format: 'date' }) closedOn!: string;
  @ApiProperty() summary!: string;
  @ApiPropertyOptional() handedOverTo?: string;
}

export class TimelineEntryDto {
  @ApiProperty({ example: 3 }) seq!: number;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiPropertyOptional({ format: 'date-time' }) requestedAt?: string;
  @ApiProperty({ type: ActorDto }) actor!: ActorDto;
  @ApiProperty({ enum: [...TIMELINE_TYPES] }) type!: string;
  @ApiProperty({ example: 'Consentement recueilli (signé le 25/11/2026, information sur le partage en EPS faite)' }) summary!: string;
  @ApiProperty({ enum: [...PARCOURS_STAGES] }) stage!: string;
  @ApiPropertyOptional({ format: 'date' }) onDate?: string;
  @ApiPropertyOptional() idempotencyKey?: string;
}

/** The case as it now stands: the answer of every parcours change and of `GET /parcours/{dossierId}`. */
export class RetentionViewDto {
  @ApiProperty({ format: 'date', description: 'Last contact with the family: the day it became unreachable if it still was at closure, else the closure date' }) lastContactOn!: string;
  @ApiProperty({ example: 24 }) retentionMonths!: number;
  @ApiProperty({ format: 'date', description: 'The personal data are purged on this day; the case then answers 410 Gone' }) purgeOn!: string;
  @ApiPropertyOptional({ description: 'False for a referral that never became a parcours (never validated by the EPS): kept the shorter period (PRE_NOT_FOLLOWED_RETENTION_MONTHS)' })
  followed?: boolean;
}

export class ParcoursViewDto {
  @ApiProperty({ example: 'D-7K3M9QX2TB' }) dossierId!: string;
  @ApiProperty({ example: 'parcours-D-7K3M9QX2TB' }) workflowId!: string;
  @ApiProperty({ enum: [...PARCOURS_STAGES] }) stage!: string;
  @ApiProperty({ format: 'date' }) referredOn!: string;
  @ApiProperty({ type: ChildDto }) child!: ChildDto;
  @ApiProperty({ type: [GuardianDto] }) guardians!: GuardianDto[];
  @ApiProperty({ type: OrienteurDto }) orienteur!: OrienteurDto;
  @ApiProperty({ type: [String] }) reasons!: string[];
  @ApiProperty({ enum: [...AGE_BANDS] }) ageBand!: string;
  @ApiProperty({ type: EligibilityViewDto, nullable: true }) eligibility!: EligibilityViewDto | null;
  @ApiProperty({ type: String, nullable: true, example: 'u-ref-1' }) referentId!: string | null;
  @ApiProperty({ type: [ObjectiveViewDto] }) objectives!: ObjectiveViewDto[];
  @ApiProperty({ type: [ActionViewDto] }) actions!: ActionViewDto[];
  @ApiProperty({ type: [DeadlineViewDto], description: 'Open deadlines, soonest first' }) deadlines!: DeadlineViewDto[];
  @ApiProperty({ type: DeadlineViewDto, nullable: true }) nextDeadline!: DeadlineViewDto | null;
  @ApiProperty() overdue!: boolean;
  @ApiProperty() suspended!: boolean;
  @ApiProperty({ type: ClosureViewDto, nullable: true }) closure!: ClosureViewDto | null;
  @ApiPropertyOptional({ type: RetentionViewDto, description: 'A closed case: until when its personal data are kept (DOMAIN.md §5)' }) retention?: RetentionViewDto;
  @ApiProperty({ type: [String], example: ['consent', 'events', 'closure'], description: 'What the current stage accepts' }) accepts!: string[];
  @ApiProperty({ description: 'Number of timeline entries and the last few', example: { count: 3, last: [] } }) timeline!: { count: number; last: TimelineEntryDto[] };
}

export class TimelineDto {
  @ApiProperty({ example: 'D-7K3M9QX2TB' }) dossierId!: string;
  @ApiProperty({ type: [TimelineEntryDto] }) items!: TimelineEntryDto[];
}

export class NextDeadlineDto {
  @ApiProperty({ enum: [...DEADLINE_KINDS] }) kind!: string;
  @ApiProperty({ format: 'date' }) dueOn!: string;
}

/** One case of a list, from its search attributes (no personal data). */
export class ParcoursListItemDto {
  @ApiProperty({ example: 'D-7K3M9QX2TB' }) dossierId!: string;
  @ApiProperty({ enum: [...PARCOURS_STAGES] }) stage!: string;
  @ApiProperty({ enum: [...QPV_CODES] }) qpv!: string;
  @ApiProperty({ enum: [...AGE_BANDS] }) ageBand!: string;
  @ApiProperty({ type: String, nullable: true }) referentId!: string | null;
  @ApiProperty({ type: String, format: 'date', nullable: true }) referredOn!: string | null;
  @ApiProperty({ type: NextDeadlineDto, nullable: true }) nextDeadline!: NextDeadlineDto | null;
  @ApiProperty() overdue!: boolean;
  @ApiProperty({ enum: [...CLOSURE_REASONS], nullable: true }) closureReason!: string | null;
  @ApiProperty({ example: 'RUNNING', description: 'Workflow status: RUNNING, COMPLETED, …' }) workflowStatus!: string;
  @ApiProperty({ format: 'date-time' }) startedAt!: string;
}

export class ParcoursListDto {
  @ApiProperty({ type: [ParcoursListItemDto] }) items!: ParcoursListItemDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as pageToken to read the next page; null on the last page' }) nextPageToken!: string | null;
}
