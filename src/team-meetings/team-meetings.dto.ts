import { ApiProperty } from '@nestjs/swagger';

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
