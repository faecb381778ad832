/**
 * Pure domain rules of a child's parcours (DOMAIN.md §1): age, age band, eligibility, school year, the age limit,
 * the EPS calendar, the granted length. No I/O, no clock: callers pass dates (the calendar is shared/calendar.ts).
 * Shared by the workflow (deterministic), the activities and the API.
 */
import { addDays, dateOfYmd, dateParts, isLeapYear, maxDate, minDate, weekdayOf, type IsoDate } from '../shared/calendar';

/** Youngest eligible age on the referral date. */
export const MIN_ELIGIBLE_AGE = 2;
/** Oldest eligible age on the referral date (inclusive). */
export const MAX_ELIGIBLE_AGE = 16;
/** The case must close at this birthday unless a derogation extends it. */
export const AGE_LIMIT = 17;
/** An age derogation extends the case up to this birthday at most. */
export const AGE_DEROGATION_LIMIT = 18;
/**
 * The date of the `age`-th birthday. A child born on 29 February has its birthday on 1 March in common
 * years (the day after 28 February: the age is reached once the full year has elapsed).
 */
export function birthdayOn(birthDate: IsoDate, age: number): IsoDate {
  const [y, m, d] = dateParts(birthDate);
  const year = y + age;
  if (m === 2 && d === 29 && !isLeapYear(year)) return dateOfYmd(year, 3, 1);
  return dateOfYmd(year, m, d);
}

/** Age in whole years on `onDate` (0 before the first birthday; negative if born after `onDate`). */
export function ageOn(birthDate: IsoDate, onDate: IsoDate): number {
  const [by] = dateParts(birthDate);
  const [oy] = dateParts(onDate);
  let age = oy - by;
  if (onDate < birthdayOn(birthDate, age)) age -= 1;
  return age;
}

/** Age bands of the yearly report (DOMAIN.md §4), plus 0-1 for referrals of children under 2. */
export const AGE_BANDS = ['0-1', '2-5', '6-10', '11-16', '17+'] as const;
export type AgeBand = (typeof AGE_BANDS)[number];

/** The report's age band of an age in years. */
export function ageBandOf(age: number): AgeBand {
  if (age < 2) return '0-1';
  if (age <= 5) return '2-5';
  if (age <= 10) return '6-10';
  if (age <= 16) return '11-16';
  return '17+';
}

/** Why a referral is (in)eligible; stable codes recorded on the case. */
export const ELIGIBILITY_REASONS = {
  AGE_IN_RANGE: 'AGE_IN_RANGE',
  AGE_UNDER_MIN: 'AGE_UNDER_2',
  AGE_OVER_MAX: 'AGE_OVER_16',
  BORN_AFTER_REFERRAL: 'BORN_AFTER_REFERRAL',
  QPV_ELIGIBLE: 'QPV_ELIGIBLE',
  QPV_NOT_ELIGIBLE: 'QPV_NOT_ELIGIBLE',
} as const;

/** Input of the eligibility rule. */
export interface EligibilityRuleInput {
  birthDate: IsoDate;
  referredOn: IsoDate;
  qpv: string;
  eligibleQpvs: readonly string[];
  ruleVersion: string;
}

/** Outcome of the eligibility rule, recorded on the case with the rule version. */
export interface EligibilityOutcome {
  eligible: boolean;
  ruleVersion: string;
  /** Codes of ELIGIBILITY_REASONS: every criterion, met or not. */
  reasons: string[];
  ageOnReferral: number;
}

/** Eligibility (DOMAIN.md §1): age 2 to 16 inclusive on the referral date and residence in an eligible QPV. */
export function eligibilityOf(input: EligibilityRuleInput): EligibilityOutcome {
  const age = ageOn(input.birthDate, input.referredOn);
  const reasons: string[] = [];
  let eligible = true;
  if (input.birthDate > input.referredOn) {
    reasons.push(ELIGIBILITY_REASONS.BORN_AFTER_REFERRAL);
    eligible = false;
  } else if (age < MIN_ELIGIBLE_AGE) {
    reasons.push(ELIGIBILITY_REASONS.AGE_UNDER_MIN);
    eligible = false;
  } else if (age > MAX_ELIGIBLE_AGE) {
    reasons.push(ELIGIBILITY_REASONS.AGE_OVER_MAX);
    eligible = false;
  } else {
    reasons.push(ELIGIBILITY_REASONS.AGE_IN_RANGE);
  }
  if (input.eligibleQpvs.includes(input.qpv)) {
    reasons.push(ELIGIBILITY_REASONS.QPV_ELIGIBLE);
  } else {
    reasons.push(ELIGIBILITY_REASONS.QPV_NOT_ELIGIBLE);
    eligible = false;
  }
  return { eligible, ruleVersion: input.ruleVersion, reasons, ageOnReferral: age };
}

/** The end of the school year a date falls in: 31 August (of the same year up to August, else the next). */
export function schoolYearEnd(date: IsoDate): IsoDate {
  const [y, m] = dateParts(date);
  return dateOfYmd(m <= 8 ? y : y + 1, 8, 31);
}

/** The school year a date falls in, as `2026-2027` (1 September to 31 August). */
export function schoolYearOf(date: IsoDate): string {
  const end = Number(schoolYearEnd(date).slice(0, 4));
  return `${end - 1}-${end}`;
}

/** The date the case must close for age: the 17th birthday, or the derogation's date (never after the 18th birthday). */
export function ageLimitOn(birthDate: IsoDate, derogationUntil?: IsoDate | null): IsoDate {
  const limit = birthdayOn(birthDate, AGE_LIMIT);
  if (!derogationUntil) return limit;
  return minDate(maxDate(derogationUntil, limit), birthdayOn(birthDate, AGE_DEROGATION_LIMIT));
}

/** The monthly EPS calendar: the n-th given weekday of each month, except some months. */
export interface EpsCalendar {
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
  /** 1 to 4: first … fourth such weekday of the month. */
  weekOfMonth: number;
  /** Months (1-12) without a meeting, e.g. [8]. */
  noMeetingMonths: readonly number[];
}

/** The EPS meeting of a month, or null for a month without a meeting. */
export function epsMeetingOfMonth(year: number, month: number, cal: EpsCalendar): IsoDate | null {
  if (cal.noMeetingMonths.includes(month)) return null;
  const first = dateOfYmd(year, month, 1);
  const firstWeekday = weekdayOf(first);
  const offset = (cal.weekday - firstWeekday + 7) % 7;
  return addDays(first, offset + (cal.weekOfMonth - 1) * 7);
}

/** The first EPS meeting on or after `from`. */
export function nextEpsMeeting(from: IsoDate, cal: EpsCalendar): IsoDate {
  let [y, m] = dateParts(from);
  for (let i = 0; i < 24; i += 1) {
    const d = epsMeetingOfMonth(y, m, cal);
    if (d && d >= from) return d;
    m += 1;
    if (m > 12) {
      m = 1;
      y += 1;
    }
  }
  throw new RangeError('No EPS meeting in the next 24 months: check the calendar configuration.');
}

/** Total granted months of a parcours: initial length plus each renewal. */
export function totalGrantedMonths(initialMonths: number, renewals: readonly number[]): number {
  return renewals.reduce((a, b) => a + b, initialMonths);
}

/** Whether a total length needs a coordinator's duration derogation (more than `maxTotalMonths`). */
export function needsDurationDerogation(totalMonths: number, maxTotalMonths: number): boolean {
  return totalMonths > maxTotalMonths;
}

/**
 * Whether a date lies beyond the granted length: after its end (validation + initial length + every renewal,
 * `PlanRecord.endsOn`, its last day). An action starting then is refused until the EPS renews the parcours
 * (DOMAIN.md "Renewal and length").
 */
export function beyondGrantedLength(date: IsoDate, endsOn: IsoDate): boolean {
  return date > endsOn;
}
