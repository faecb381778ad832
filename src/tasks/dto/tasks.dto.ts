import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { TASK_KINDS } from '../../../workflows/schedules.rules';

export class ListTasksQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'pageSize must be an integer' })
  @Min(1, { message: 'pageSize must be at least 1' })
  @Max(500, { message: 'pageSize must not exceed 500' })
  pageSize?: number;

  @ApiPropertyOptional({ description: 'The nextPageToken of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  pageToken?: string;

  @ApiPropertyOptional({ description: 'Same as pageToken' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  nextPageToken?: string;
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
