import { Transform } from 'class-transformer';
import { IsInt, Matches, Max, Min } from 'class-validator';
import type { DateWindowSettings } from '../common/calendar-date';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

/**
 * The window of plausible dates (DOMAIN.md "Plausible dates"): a business date the API takes (a referral, a
 * consent, an event, a meeting, a payment, a report) is not before PRE_DATES_EARLIEST nor more than
 * PRE_DATES_MAX_MONTHS_AHEAD months after today; a planned end (an action's end, a suspension's expected end, an
 * age derogation's limit) not more than PRE_PLAN_DATES_MAX_MONTHS_AHEAD months after today. Birth dates are
 * fixed: from 1900-01-01 to today.
 */
export class DatesEnv {
  @Matches(/^(19|20)\d{2}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, { message: 'PRE_DATES_EARLIEST must be a date YYYY-MM-DD between 1900 and 2099, e.g. 2000-01-01' })
  PRE_DATES_EARLIEST = '2000-01-01';

  @Transform(toInt) @IsInt() @Min(0) @Max(120) PRE_DATES_MAX_MONTHS_AHEAD = 12;
  @Transform(toInt) @IsInt() @Min(0) @Max(240) PRE_PLAN_DATES_MAX_MONTHS_AHEAD = 60;

  /**
   * Hour, in Paris (0-23), at which the timers of a date fire (reminders, escalations, automatic closures, the
   * purge): 8 is 08:00 in Dijon, winter and summer alike. Passed to each case and convention as a setting.
   */
  @Transform(toInt) @IsInt() @Min(0) @Max(23) PRE_TIMER_LOCAL_HOUR = 8;
}

/** The validation pipe's window, from this section. */
export function dateWindowFrom(env: DatesEnv): DateWindowSettings {
  return { earliest: env.PRE_DATES_EARLIEST, maxMonthsAhead: env.PRE_DATES_MAX_MONTHS_AHEAD, planMaxMonthsAhead: env.PRE_PLAN_DATES_MAX_MONTHS_AHEAD };
}
