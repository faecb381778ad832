import { Transform } from 'class-transformer';
import { IsInt, Matches, Max, Min } from 'class-validator';
import { DEFAULT_CONVENTION_SETTINGS, type ConventionSettings } from '../../workflows/convention/convention.contract';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

/** Funding convention settings (DOMAIN.md §2); passed to the workflows as input. */
export class ConventionEnv {
  /** Reminder when both signatures are not in after this many days. */
  @Transform(toInt) @IsInt() @Min(1) @Max(365) PRE_SIGNATURE_REMINDER_DAYS = 15;
  /** Subsidy request due date, as MM-DD of the year N. */
  @Transform(toInt) @IsInt() @Min(1) @Max(12) PRE_REQUEST_DUE_MONTH = 1;
  @Transform(toInt) @IsInt() @Min(1) @Max(31) PRE_REQUEST_DUE_DAY = 31;
  /** Financial report (CRF) due date, as MM-DD of the year N+1. */
  @Transform(toInt) @IsInt() @Min(1) @Max(12) PRE_REPORT_DUE_MONTH = 6;
  @Transform(toInt) @IsInt() @Min(1) @Max(31) PRE_REPORT_DUE_DAY = 30;
  /** Days late after which the next payment is flagged at risk. */
  @Transform(toInt) @IsInt() @Min(1) @Max(365) PRE_REPORT_AT_RISK_DAYS = 60;
  /** Subsidy request reminders, days before its due date, comma-separated. */
  @Matches(/^\d{1,3}(,\d{1,3})*$/, { message: 'PRE_REQUEST_REMINDER_DAYS must be comma-separated day counts, e.g. 15' })
  PRE_REQUEST_REMINDER_DAYS = '15';
  /** Financial report (CRF) reminders, days before its due date, comma-separated. */
  @Matches(/^\d{1,3}(,\d{1,3})*$/, { message: 'PRE_REPORT_REMINDER_DAYS must be comma-separated day counts, e.g. 60,30,7' })
  PRE_REPORT_REMINDER_DAYS = '60,30,7';
  /** Escalation this many days after a missed request or report due date. */
  @Transform(toInt) @IsInt() @Min(1) @Max(90) PRE_ESCALATION_DAYS_AFTER = 1;
  /** A returned financial report (CRF) is due again this many days after its return (not before its own due date). */
  @Transform(toInt) @IsInt() @Min(1) @Max(365) PRE_REPORT_RESUBMISSION_DAYS = 30;
  /** Reminders of a returned CRF, days before its resubmission date, comma-separated. */
  @Matches(/^\d{1,3}(,\d{1,3})*$/, { message: 'PRE_REPORT_RESUBMISSION_REMINDER_DAYS must be comma-separated day counts, e.g. 7' })
  PRE_REPORT_RESUBMISSION_REMINDER_DAYS = '7';
  /** A year's deadline already past when the year opens is due this many days after the opening (its catch-up date). */
  @Transform(toInt) @IsInt() @Min(1) @Max(365) PRE_CATCH_UP_DAYS = 30;
  /** Convocation delay of a board session, in jours francs (neither the sending day nor the session day counts). */
  @Transform(toInt) @IsInt() @Min(0) @Max(30) PRE_CONVOCATION_CLEAR_DAYS = 3;
  /** Days after the CRF's acceptance by which the State's balance or settlement is expected (then a reminder). */
  @Transform(toInt) @IsInt() @Min(1) @Max(730) PRE_SETTLEMENT_DAYS = 90;
}

/** The workflows' settings from this section (absent fields default; every convention gets them in its input). */
export function conventionSettingsFrom(env: {
  PRE_SIGNATURE_REMINDER_DAYS: number;
  PRE_REQUEST_DUE_MONTH: number;
  PRE_REQUEST_DUE_DAY: number;
  PRE_REPORT_DUE_MONTH: number;
  PRE_REPORT_DUE_DAY: number;
  PRE_REPORT_AT_RISK_DAYS: number;
  PRE_REQUEST_REMINDER_DAYS?: string | number[];
  PRE_REPORT_REMINDER_DAYS?: string | number[];
  PRE_ESCALATION_DAYS_AFTER?: number;
  PRE_CONVOCATION_CLEAR_DAYS?: number;
  PRE_REPORT_RESUBMISSION_DAYS?: number;
  PRE_REPORT_RESUBMISSION_REMINDER_DAYS?: string | number[];
  PRE_CATCH_UP_DAYS?: number;
  PRE_SETTLEMENT_DAYS?: number;
  PRE_TIMER_LOCAL_HOUR?: number;
}): ConventionSettings {
  const list = (v: string | number[] | undefined, d: number[]): number[] =>
    v === undefined ? d : Array.isArray(v) ? v : v.split(',').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0);
  const d = DEFAULT_CONVENTION_SETTINGS;
  return {
    ...d,
    signatureReminderDays: env.PRE_SIGNATURE_REMINDER_DAYS,
    requestDueMonth: env.PRE_REQUEST_DUE_MONTH,
    requestDueDay: env.PRE_REQUEST_DUE_DAY,
    requestReminderDaysBefore: list(env.PRE_REQUEST_REMINDER_DAYS, d.requestReminderDaysBefore),
    reportDueMonth: env.PRE_REPORT_DUE_MONTH,
    reportDueDay: env.PRE_REPORT_DUE_DAY,
    reportReminderDaysBefore: list(env.PRE_REPORT_REMINDER_DAYS, d.reportReminderDaysBefore),
    escalationDaysAfter: env.PRE_ESCALATION_DAYS_AFTER ?? d.escalationDaysAfter,
    atRiskDaysLate: env.PRE_REPORT_AT_RISK_DAYS,
    convocationClearDays: env.PRE_CONVOCATION_CLEAR_DAYS ?? d.convocationClearDays,
    resubmissionDays: env.PRE_REPORT_RESUBMISSION_DAYS ?? d.resubmissionDays,
    resubmissionReminderDaysBefore: list(env.PRE_REPORT_RESUBMISSION_REMINDER_DAYS, d.resubmissionReminderDaysBefore!),
    catchUpDays: env.PRE_CATCH_UP_DAYS ?? d.catchUpDays,
    settlementDays: env.PRE_SETTLEMENT_DAYS ?? d.settlementDays,
    ...(env.PRE_TIMER_LOCAL_HOUR !== undefined ? { timerLocalHour: env.PRE_TIMER_LOCAL_HOUR } : {}),
  };
}
