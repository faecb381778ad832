import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import type { ParcoursSettings } from '../../workflows/parcours/parcours.contract';
import { DEFAULT_TIMER_LOCAL_HOUR } from '../../workflows/shared/calendar';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

/** Parcours settings (DOMAIN.md §1); every duration here is passed to the workflow as input. */
export class ParcoursEnv {
  /** Eligible QPV codes, comma-separated. */
  @Matches(/^[A-Z_]+(,[A-Z_]+)*$/, { message: 'PRE_ELIGIBLE_QPVS must be comma-separated QPV codes, e.g. FONTAINE_D_OUCHE,GRESILLES' })
  PRE_ELIGIBLE_QPVS = 'FONTAINE_D_OUCHE,GRESILLES';

  /** Version tag of the eligibility rule and QPV list, recorded on each case. */
  @IsString() @MinLength(1)
  PRE_ELIGIBILITY_RULE_VERSION = 'qpv-2024-dijon-v1';

  /** HMAC key for the child identity fingerprint. Unset in development: generated into PRE_DATA_DIR. */
  @IsOptional() @IsString() @MinLength(32, { message: 'PRE_CHILD_KEY_SECRET must be at least 32 characters' })
  PRE_CHILD_KEY_SECRET?: string;

  @Transform(toInt) @IsInt() @Min(1) @Max(365) PRE_CONSENT_REMINDER_DAYS = 15;
  @Transform(toInt) @IsInt() @Min(1) @Max(365) PRE_CONSENT_EXPIRY_DAYS = 60;
  @Transform(toInt) @IsInt() @Min(1) @Max(365) PRE_REVIEW_ESCALATION_DAYS = 45;
  @Transform(toInt) @IsInt() @Min(1) @Max(10) PRE_MAX_MORE_INFO = 2;
  @Transform(toInt) @IsInt() @Min(1) @Max(60) PRE_DEFAULT_DURATION_MONTHS = 12;
  @Transform(toInt) @IsInt() @Min(1) @Max(60) PRE_MAX_TOTAL_MONTHS = 24;
  @Transform(toInt) @IsInt() @Min(1) @Max(24) PRE_REASSESSMENT_MONTHS = 3;
  @Transform(toInt) @IsInt() @Min(1) @Max(90) PRE_REASSESSMENT_REMINDER_DAYS = 14;
  @Transform(toInt) @IsInt() @Min(1) @Max(180) PRE_REASSESSMENT_ESCALATION_DAYS = 30;
  @Transform(toInt) @IsInt() @Min(1) @Max(365) PRE_UNREACHABLE_CLOSE_DAYS = 90;
  @Transform(toInt) @IsInt() @Min(1) @Max(90) PRE_CONSENT_WITHDRAWN_CLOSE_DAYS = 15;
  @Transform(toInt) @IsInt() @Min(1) @Max(12) PRE_AGE_WARNING_MONTHS = 3;
  /**
   * Months a closed case's personal data are kept after the last contact, then purged (DOMAIN.md §5). 0 purges on
   * the day of the last contact (tests, demonstrations).
   */
  @Transform(toInt) @IsInt() @Min(0) @Max(120) PRE_RETENTION_MONTHS = 24;
  /**
   * Months the personal data of a referral that never became a parcours (closed before any EPS validation) are kept
   * after the last contact; never more than PRE_RETENTION_MONTHS (DOMAIN.md §5, where the default is reasoned).
   */
  @Transform(toInt) @IsInt() @Min(0) @Max(120) PRE_NOT_FOLLOWED_RETENTION_MONTHS = 6;
  /** Reminder this many days before the end of the granted length; escalation this many days after it. */
  @Transform(toInt) @IsInt() @Min(1) @Max(180) PRE_RENEWAL_REMINDER_DAYS = 30;
  @Transform(toInt) @IsInt() @Min(1) @Max(180) PRE_RENEWAL_ESCALATION_DAYS = 15;

  /** EPS calendar: weekday (0 = Sunday … 6) and week of the month of the monthly meeting; months without one. */
  @Transform(toInt) @IsInt() @Min(0) @Max(6) PRE_EPS_WEEKDAY = 2;
  @Transform(toInt) @IsInt() @Min(1) @Max(4) PRE_EPS_WEEK_OF_MONTH = 1;
  @Matches(/^(\d{1,2}(,\d{1,2})*)?$/, { message: 'PRE_EPS_NO_MEETING_MONTHS must be comma-separated month numbers (1-12), e.g. 8' })
  PRE_EPS_NO_MEETING_MONTHS = '8';
}

/** The workflow's settings from this section (every case gets them in its input: workflows never read env). */
export function parcoursSettingsFrom(env: Omit<ParcoursEnv, 'PRE_CHILD_KEY_SECRET' | 'PRE_EPS_WEEKDAY' | 'PRE_EPS_WEEK_OF_MONTH' | 'PRE_EPS_NO_MEETING_MONTHS'> & { PRE_TIMER_LOCAL_HOUR?: number }): ParcoursSettings {
  return {
    consentReminderDays: env.PRE_CONSENT_REMINDER_DAYS,
    consentExpiryDays: env.PRE_CONSENT_EXPIRY_DAYS,
    reviewEscalationDays: env.PRE_REVIEW_ESCALATION_DAYS,
    maxMoreInfo: env.PRE_MAX_MORE_INFO,
    defaultDurationMonths: env.PRE_DEFAULT_DURATION_MONTHS,
    maxTotalMonths: env.PRE_MAX_TOTAL_MONTHS,
    reassessmentMonths: env.PRE_REASSESSMENT_MONTHS,
    reassessmentReminderDays: env.PRE_REASSESSMENT_REMINDER_DAYS,
    reassessmentEscalationDays: env.PRE_REASSESSMENT_ESCALATION_DAYS,
    unreachableCloseDays: env.PRE_UNREACHABLE_CLOSE_DAYS,
    consentWithdrawnCloseDays: env.PRE_CONSENT_WITHDRAWN_CLOSE_DAYS,
    ageWarningMonths: env.PRE_AGE_WARNING_MONTHS,
    coordinatorId: 'role:coordinator',
    eligibleQpvs: env.PRE_ELIGIBLE_QPVS.split(',').filter(Boolean),
    eligibilityRuleVersion: env.PRE_ELIGIBILITY_RULE_VERSION,
    retentionMonths: env.PRE_RETENTION_MONTHS,
    notFollowedRetentionMonths: env.PRE_NOT_FOLLOWED_RETENTION_MONTHS,
    renewalReminderDays: env.PRE_RENEWAL_REMINDER_DAYS,
    renewalEscalationDays: env.PRE_RENEWAL_ESCALATION_DAYS,
    timerLocalHour: env.PRE_TIMER_LOCAL_HOUR ?? DEFAULT_TIMER_LOCAL_HOUR,
  };
}
