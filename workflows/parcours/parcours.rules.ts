/**
 * Pure domain rules of a child's parcours (DOMAIN.md §1): calendar arithmetic on `YYYY-MM-DD` dates, age,
 * age band, eligibility, school year, EPS calendar, overdue. No I/O, no clock: callers pass "now".
 * Shared by the workflow (deterministic), the activities and the API.
 */

/** A calendar date `YYYY-MM-DD` (no time zone: a business date). */
export type IsoDate = string;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/** Youngest eligible age on the referral date. */
export const MIN_ELIGIBLE_AGE = 2;
/** Oldest eligible age on the referral date (inclusive). */
export const MAX_ELIGIBLE_AGE = 16;
/** The case must close at this birthday unless a derogation extends it. */
export const AGE_LIMIT = 17;
/** An age derogation extends the case up to this birthday at most. */
export const AGE_DEROGATION_LIMIT = 18;
/** Hour (UTC) at which a date's timers fire: early morning in Dijon, before the staff's day starts. */
export const DAY_START_HOUR_UTC = 6;

/** True when `s` is a real calendar date written `YYYY-MM-DD` (2026-02-30 is not). */
export function isValidDate(s: unknown): s is IsoDate {
  if (typeof s !== 'string') return false;
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  return d <= daysInMonth(y, mo);
}

/** Leap year of the Gregorian calendar. */
export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Number of days of month `m` (1-12) of year `y`. */
export function daysInMonth(y: number, m: number): number {
  return [31, isLeapYear(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

function parts(date: IsoDate): [number, number, number] {
  const m = DATE_RE.exec(date);
  if (!m) throw new TypeError(`Not a YYYY-MM-DD date: ${date}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function fmt(y: number, m: number, d: number): IsoDate {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Days since 1970-01-01 of a date. */
export function toEpochDays(date: IsoDate): number {
  const [y, m, d] = parts(date);
  return Math.round(Date.UTC(y, m - 1, d) / MS_PER_DAY);
}

/** The date `n` days after 1970-01-01. */
export function fromEpochDays(n: number): IsoDate {
  const dt = new Date(n * MS_PER_DAY);
  return fmt(dt.getUTCFullYear(), dt.getUTCMonth() + 1, dt.getUTCDate());
}

/** `date` plus `n` days (n may be negative). */
export function addDays(date: IsoDate, n: number): IsoDate {
  return fromEpochDays(toEpochDays(date) + n);
}

/** `date` plus `n` months; the day is clamped to the month's end (31 January + 1 month = 28/29 February). */
export function addMonths(date: IsoDate, n: number): IsoDate {
  const [y, m, d] = parts(date);
  const idx = y * 12 + (m - 1) + n;
  const ny = Math.floor(idx / 12);
  const nm = (idx % 12) + 1;
  return fmt(ny, nm, Math.min(d, daysInMonth(ny, nm)));
}

/** Whole days from `a` to `b` (positive when b is later). */
export function daysBetween(a: IsoDate, b: IsoDate): number {
  return toEpochDays(b) - toEpochDays(a);
}

/** Negative, zero or positive as `a` is before, equal to or after `b` (string order is date order). */
export function compareDates(a: IsoDate, b: IsoDate): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The earlier of two dates. */
export function minDate(a: IsoDate, b: IsoDate): IsoDate {
  return a <= b ? a : b;
}

/** The later of two dates. */
export function maxDate(a: IsoDate, b: IsoDate): IsoDate {
  return a >= b ? a : b;
}

/** The UTC calendar date of an instant (ms since epoch or ISO string). */
export function dateOf(instant: number | string): IsoDate {
  const ms = typeof instant === 'number' ? instant : Date.parse(instant);
  return fromEpochDays(Math.floor(ms / MS_PER_DAY));
}

/** `31/12/2026`: a date as staff read it in messages, timelines and the Temporal UI. */
export function frDate(date: IsoDate): string {
  return `${date.slice(8, 10)}/${date.slice(5, 7)}/${date.slice(0, 4)}`;
}

/** The instant (ms) at which timers of `date` fire: DAY_START_HOUR_UTC on that day. */
export function instantOf(date: IsoDate): number {
  return toEpochDays(date) * MS_PER_DAY + DAY_START_HOUR_UTC * 3_600_000;
}

/** True once the instant `nowMs` has reached the firing time of `date`. */
export function isReached(date: IsoDate, nowMs: number): boolean {
  return nowMs >= instantOf(date);
}

/** A deadline is overdue from the day after its due date. */
export function isOverdue(dueOn: IsoDate, nowMs: number): boolean {
  return isReached(addDays(dueOn, 1), nowMs);
}

/**
 * The date of the `age`-th birthday. A child born on 29 February has its birthday on 1 March in common
 * years (the day after 28 February: the age is reached once the full year has elapsed).
 */
export function birthdayOn(birthDate: IsoDate, age: number): IsoDate {
  const [y, m, d] = parts(birthDate);
  const year = y + age;
  if (m === 2 && d === 29 && !isLeapYear(year)) return fmt(year, 3, 1);
  return fmt(year, m, d);
}

/** Age in whole years on `onDate` (0 before the first birthday; negative if born after `onDate`). */
export function ageOn(birthDate: IsoDate, onDate: IsoDate): number {
  const [by] = parts(birthDate);
  const [oy] = parts(onDate);
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

/** Label of an age band for people: `6–10 ans`. */
export function ageBandLabel(band: AgeBand): string {
  return band === '17+' ? '17 ans et plus' : `${band.replace('-', '–')} ans`;
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
  const [y, m] = parts(date);
  return fmt(m <= 8 ? y : y + 1, 8, 31);
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

/** The date of the age-limit warning: `warningMonths` before the 17th birthday. */
export function ageWarningOn(birthDate: IsoDate, warningMonths: number): IsoDate {
  return addMonths(birthdayOn(birthDate, AGE_LIMIT), -warningMonths);
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
  const first = fmt(year, month, 1);
  const firstWeekday = (toEpochDays(first) + 4) % 7; // 1970-01-01 was a Thursday
  const offset = (cal.weekday - firstWeekday + 7) % 7;
  return addDays(first, offset + (cal.weekOfMonth - 1) * 7);
}

/** The first EPS meeting on or after `from`. */
export function nextEpsMeeting(from: IsoDate, cal: EpsCalendar): IsoDate {
  let [y, m] = parts(from);
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

/** A dated deadline of a case (kind + due date). */
export interface DatedDeadline {
  kind: string;
  dueOn: IsoDate;
}

/** The earliest deadline (ties: first in list order), or null. */
export function nextDeadlineOf<T extends DatedDeadline>(deadlines: readonly T[]): T | null {
  let best: T | null = null;
  for (const d of deadlines) if (!best || d.dueOn < best.dueOn) best = d;
  return best;
}

/** Total granted months of a parcours: initial length plus each renewal. */
export function totalGrantedMonths(initialMonths: number, renewals: readonly number[]): number {
  return renewals.reduce((a, b) => a + b, initialMonths);
}

/** Whether a total length needs a coordinator's duration derogation (more than `maxTotalMonths`). */
export function needsDurationDerogation(totalMonths: number, maxTotalMonths: number): boolean {
  return totalMonths > maxTotalMonths;
}
