import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageQuery } from '../../common/page-query';
import { TASK_KINDS } from '../../../workflows/schedules/schedules.rules';

export class ListTasksQuery extends PageQuery {
}

export class TaskDto {
  @ApiProperty({ example: 'parcours-D-7K2M9Q:REASSESSMENT_DUE' }) id!: string;
  @ApiProperty({ enum: Object.keys(TASK_KINDS), example: 'REASSESSMENT_DUE' }) kind!: string;
  @ApiProperty({ example: 'Faire la réévaluation du parcours' }) label!: string;
  @ApiPropertyOptional({ example: '2027-03-01' }) dueOn?: string;
  @ApiProperty() overdue!: boolean;
  @ApiPropertyOptional({ example: 'D-7K2M9Q' }) dossierId?: string;
  @ApiPropertyOptional({ example: 'CPO-PRE-2024-2026' }) conventionRef?: string;
  @ApiPropertyOptional({ example: 2025 }) year?: number;
  @ApiPropertyOptional({ example: 'ACTIVE' }) stage?: string;
  @ApiPropertyOptional({ description: 'The deadline kind behind the task (PreNextDeadlineKind)', example: 'REASSESSMENT' }) deadlineKind?: string;
  @ApiProperty({ example: 'parcours-D-7K2M9Q' }) workflowId!: string;
  @ApiProperty({ example: '/parcours/D-7K2M9Q', description: 'The API path of the case or convention' }) path!: string;
}

export class TaskListDto {
  @ApiProperty({ type: [TaskDto] }) items!: TaskDto[];
  @ApiPropertyOptional() nextPageToken?: string;
}
