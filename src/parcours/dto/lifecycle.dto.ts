import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';
import { CalendarDate, OptionalCalendarDate } from '../../common/calendar-date';
import {
  CLOSURE_REASONS,
  DEROGATION_KINDS,
  LIFE_EVENT_TYPES,
  RENEWAL_MONTHS,
  SUSPENSION_REASONS,
  type ClosureInput,
  type ClosureReason,
  type DerogationInput,
  type DerogationKind,
  type LifeEventInput,
  type LifeEventType,
  type ReferentAssignmentInput,
  type RenewalInput,
  type RenewalMonths,
  type ResumptionInput,
  type SafeguardingReportInput,
  type SuspensionInput,
  type SuspensionReason,
} from '../../../workflows/parcours/parcours.contract';
import { OneOf } from './enum';
import type { StaffFields } from './staff-fields';
import { FreeText, MAX, OptionalLine, OptionalText, StaffId } from './text';

/** Body of `POST /parcours/{dossierId}/renewals`: the EPS renews by 6 or 12 months. */
export class RenewalDto implements StaffFields<RenewalInput> {
  @CalendarDate({ example: '2027-11-04', description: 'EPS meeting that decided the renewal' }) meetingDate!: string;
  @OneOf(RENEWAL_MONTHS, { example: 6 }) extensionMonths!: RenewalMonths;
  @OptionalText(MAX.note) note?: string;
}

/** Body of `POST /parcours/{dossierId}/suspension`. */
export class SuspensionDto implements StaffFields<SuspensionInput> {
  @OneOf(SUSPENSION_REASONS, { example: 'HOSPITALISATION' }) reason!: SuspensionReason;
  @CalendarDate({ example: '2027-01-10' }) startsOn!: string;
  @OptionalCalendarDate({ example: '2027-02-10', kind: 'plan' }) expectedEndOn?: string;
  @OptionalText(MAX.note) note?: string;
}

/** Body of `POST /parcours/{dossierId}/resumption`. */
export class ResumptionDto implements StaffFields<ResumptionInput> {
  @CalendarDate({ example: '2027-02-08' }) resumedOn!: string;
  @OptionalText(MAX.note) note?: string;
}

/** Body of `POST /parcours/{dossierId}/events`: a life event. */
export class LifeEventDto implements StaffFields<LifeEventInput> {
  @OneOf(LIFE_EVENT_TYPES, { example: 'MOVED_OUT' }) type!: LifeEventType;
  @CalendarDate({ example: '2027-04-02' }) occurredOn!: string;

  @ApiPropertyOptional({ example: false, description: 'MOVED_OUT: true when the family leaves the city (closes at once), else closes on 31 August' })
  @IsOptional()
  @IsBoolean()
  leftCity?: boolean;

  @OptionalCalendarDate({ description: 'SAFEGUARDING_CONCERN: date of the child-protection report to the département' }) reportedOn?: string;
  @OptionalText(MAX.note) note?: string;
}

/**
 * Body of `POST /parcours/{dossierId}/safeguarding-reports`: the date a concern already recorded was reported to the
 * département (added to that concern: no second concern, no second escalation).
 */
export class SafeguardingReportDto implements StaffFields<SafeguardingReportInput> {
  @CalendarDate({ example: '2027-04-02', description: 'The date of the concern (occurredOn of its SAFEGUARDING_CONCERN event)' }) concernOn!: string;
  @CalendarDate({ example: '2027-04-03', description: 'Date of the child-protection report (information préoccupante) to the département; not before the concern' }) reportedOn!: string;
}

/** Body of `POST /parcours/{dossierId}/derogations`: a coordinator override with a written motive. */
export class DerogationDto implements StaffFields<DerogationInput> {
  @OneOf(DEROGATION_KINDS, { example: 'DURATION' }) kind!: DerogationKind;
  // Optional here on purpose: a derogation without motive is a domain refusal (422), not a malformed request.
  @OptionalText(MAX.note, { description: 'Required, written (a missing or blank motive is refused with 422)' }) motive!: string;
  @CalendarDate({ example: '2027-10-01' }) decidedOn!: string;
  @OptionalCalendarDate({ kind: 'plan', description: 'AGE: the case may run until this date (at most the 18th birthday)' }) untilOn?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 120, description: 'DURATION: the new maximum total length in months' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(120)
  maxTotalMonths?: number;
}

/** Body of `POST /parcours/{dossierId}/closure`. */
export class ClosureDto implements StaffFields<ClosureInput> {
  @OneOf(CLOSURE_REASONS, { example: 'OBJECTIVES_MET' }) reason!: ClosureReason;
  @CalendarDate({ example: '2027-06-30' }) closedOn!: string;
  @FreeText(MAX.summary, { example: 'Objectifs atteints ; relais au centre social.' }) summary!: string;
  @OptionalLine(MAX.line, { example: 'Centre social des Grésilles', description: 'HANDED_OVER: required; the common-law service' }) handedOverTo?: string;
  @OptionalText(MAX.note, { description: 'OTHER: required' }) motive?: string;
}

/** Body of `PUT /parcours/{dossierId}/referent`. */
export class ReferentAssignmentDto implements StaffFields<ReferentAssignmentInput> {
  @StaffId({ example: 'u-ref-1' }) referentId!: string;
}
