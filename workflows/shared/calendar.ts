/**
 * The one calendar of the project: arithmetic on business dates written `YYYY-MM-DD`, the instant a date's timers
 * fire (a set hour in Paris), Paris days (every "today" is the Paris day) and working days, and the French ways of
 * writing a date. Pure and dependency-free: it runs in
 * the workflow sandbox (no clock: callers pass "now"), in the activities and in the API.
 */

/** A calendar date `YYYY-MM-DD` (no time zone: a business date). */
export type IsoDate = string;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;

/**
 * Hour, in Paris, at which a date's timers fire unless a workflow's settings say otherwise (`PRE_TIMER_LOCAL_HOUR`):
 * 08:00 in Dijon, winter and summer alike, as the staff's day starts.
 */
export const DEFAULT_TIMER_LOCAL_HOUR = 8;

/**
 * The hour of a workflow's timers: its settings' `timerLocalHour` (in Paris), or null for a case or convention started
 * before that setting existed, whose timers keep firing at 06:00 UTC as they were started with (their recorded
 * histories replay unchanged: a timer fired at 06:00 UTC must find its reminder due).
 */
export function timerHourOf(settings: { timerLocalHour?: number }): number | null {
  return settings.timerLocalHour ?? null;
}

/** The timers' hour, in UTC, of the workflows started before `timerLocalHour` (timerHourOf → null). */
const LEGACY_TIMER_HOUR_UTC = 6;

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

/** Year, month (1-12) and day of a date; throws on anything but `YYYY-MM-DD`. */
export function dateParts(date: IsoDate): [number, number, number] {
  const m = DATE_RE.exec(date);
  if (!m) throw new TypeError(`Not a YYYY-MM-DD date: ${date}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** `YYYY-MM-DD` of year, month (1-12), day, clamped to the month's length (29 Feb of a common year → 28). */
export function dateOfYmd(y: number, m: number, d: number): IsoDate {
  const day = Math.min(d, daysInMonth(y, m));
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Days since 1970-01-01 of a date. */
export function toEpochDays(date: IsoDate): number {
  const [y, m, d] = dateParts(date);
  return Math.round(Date.UTC(y, m - 1, d) / MS_PER_DAY);
}

/** The date `n` days after 1970-01-01. */
export function fromEpochDays(n: number): IsoDate {
  const dt = new Date(n * MS_PER_DAY);
  return dateOfYmd(dt.getUTCFullYear(), dt.getUTCMonth() + 1, dt.getUTCDate());
}

/** `date` plus `n` days (n may be negative). */
export function addDays(date: IsoDate, n: number): IsoDate {
  return fromEpochDays(toEpochDays(date) + n);
}

/** `date` plus `n` months; the day is clamped to the month's end (31 January + 1 month = 28/29 February). */
export function addMonths(date: IsoDate, n: number): IsoDate {
  const [y, m, d] = dateParts(date);
  const idx = y * 12 + (m - 1) + n;
  return dateOfYmd(Math.floor(idx / 12), (idx % 12) + 1, d);
}

/** Whole days from `a` to `b` (positive when b is later). */
export function daysBetween(a: IsoDate, b: IsoDate): number {
  return toEpochDays(b) - toEpochDays(a);
}

/** The earlier of two dates. */
export function minDate(a: IsoDate, b: IsoDate): IsoDate {
  return a <= b ? a : b;
}

/** The later of two dates. */
export function maxDate(a: IsoDate, b: IsoDate): IsoDate {
  return a >= b ? a : b;
}

/** Soonest first (string order is date order); a stable sort keeps ties in their order. */
export function byDueDate<T extends { dueOn: IsoDate }>(a: T, b: T): number {
  return a.dueOn < b.dueOn ? -1 : a.dueOn > b.dueOn ? 1 : 0;
}

/**
 * The calendar date of an instant (ms since epoch or ISO string): the day in Paris, the staff's day — never the UTC
 * day (at 00:30 in Paris on 1 September it is already 1 September, while UTC still says 31 August). Every "today"
 * of the service (API, activities, workflows) is this one.
 */
export function dateOf(instant: number | string): IsoDate {
  return parisDateOf(typeof instant === 'number' ? instant : Date.parse(instant));
}

/**
 * The instant (ms) at which the timers of `date` fire: `hour`:00 in Paris that day (default
 * DEFAULT_TIMER_LOCAL_HOUR; a workflow passes `timerHourOf(settings)`, null: 06:00 UTC), in winter (UTC+1) and summer
 * time (UTC+2) alike. An hour the spring change skips (02:00 on the last Sunday of March) fires at 03:00; an hour the
 * autumn change repeats fires the first time.
 */
export function instantOf(date: IsoDate, hour: number | null = DEFAULT_TIMER_LOCAL_HOUR): number {
  const midnightUtc = toEpochDays(date) * MS_PER_DAY;
  if (hour === null) return midnightUtc + LEGACY_TIMER_HOUR_UTC * MS_PER_HOUR;
  const summer = midnightUtc + (hour - 2) * MS_PER_HOUR;
  return parisOffsetHours(summer) === 2 ? summer : midnightUtc + (hour - 1) * MS_PER_HOUR;
}

/** True once the instant `nowMs` has reached the firing time of `date` (at `hour` in Paris). */
export function isReached(date: IsoDate, nowMs: number, hour: number | null = DEFAULT_TIMER_LOCAL_HOUR): boolean {
  return nowMs >= instantOf(date, hour);
}

/** A deadline is overdue from the day after its due date (from the timers' hour, when the workflow wakes for it). */
export function isOverdue(dueOn: IsoDate, nowMs: number, hour: number | null = DEFAULT_TIMER_LOCAL_HOUR): boolean {
  return isReached(addDays(dueOn, 1), nowMs, hour);
}

// ---------------------------------------------------------------------------------------------------------
// Weekdays and Paris days (business days are Europe/Paris days, not UTC days)
// ---------------------------------------------------------------------------------------------------------

/** 0 = Sunday … 6 = Saturday. */
export function weekdayOf(date: IsoDate): number {
  return (toEpochDays(date) + 4) % 7; // 1970-01-01 was a Thursday
}

/** Monday to Friday. */
export function isWorkingDay(date: IsoDate): boolean {
  const d = weekdayOf(date);
  return d !== 0 && d !== 6;
}

/** The date `n` working days (Monday–Friday) before `date`. */
export function workingDaysBefore(date: IsoDate, n: number): IsoDate {
  let d = date;
  for (let left = n; left > 0; ) {
    d = addDays(d, -1);
    if (isWorkingDay(d)) left -= 1;
  }
  return d;
}

/** Last Sunday of a month (1-12) of a year, as epoch days. */
function lastSunday(year: number, month: number): number {
  const lastDay = toEpochDays(dateOfYmd(year, month, 31));
  return lastDay - weekdayOf(fromEpochDays(lastDay));
}

/**
 * Offset of Paris from UTC at an instant, in hours: +2 in summer time (from 01:00 UTC on the last Sunday of March to
 * 01:00 UTC on the last Sunday of October, the EU rule), +1 otherwise. Written out rather than read from the ICU
 * time-zone data so that a workflow replays the same on any Node version.
 */
export function parisOffsetHours(ms: number): number {
  const [start, end] = summerTimeOf(new Date(ms).getUTCFullYear());
  return ms >= start && ms < end ? 2 : 1;
}

/** Summer time of each year asked for, [start, end) in ms: every deadline of every update asks (issue 17's profile). */
const summerTimes = new Map<number, readonly [number, number]>();

function summerTimeOf(year: number): readonly [number, number] {
  let window = summerTimes.get(year);
  if (!window) {
    window = [lastSunday(year, 3) * MS_PER_DAY + MS_PER_HOUR, lastSunday(year, 10) * MS_PER_DAY + MS_PER_HOUR];
    summerTimes.set(year, window);
  }
  return window;
}

/** The calendar date in Paris at an instant (ms since epoch). */
export function parisDateOf(ms: number): IsoDate {
  return fromEpochDays(Math.floor((ms + parisOffsetHours(ms) * MS_PER_HOUR) / MS_PER_DAY));
}

/** The year in Paris at an instant. */
export function parisYearOf(ms: number): number {
  return Number(parisDateOf(ms).slice(0, 4));
}

// ---------------------------------------------------------------------------------------------------------
// Dates in French
// ---------------------------------------------------------------------------------------------------------

const MONTHS_FR = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];
const WEEKDAYS_FR = ['dimanche', 'lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi'];

/** `31/12/2026`: a date as staff read it in the parcours' messages, timelines and the Temporal UI. */
export function frDate(date: IsoDate): string {
  return `${date.slice(8, 10)}/${date.slice(5, 7)}/${date.slice(0, 4)}`;
}

/** `30 juin 2025`, `1er juillet 2025`: a date written out, as the convention's letters and timelines read. */
export function frLongDate(date: IsoDate): string {
  const d = Number(date.slice(8, 10));
  return `${d === 1 ? '1er' : d} ${MONTHS_FR[Number(date.slice(5, 7)) - 1]} ${date.slice(0, 4)}`;
}

/** `lundi 05/01/2026`. */
export function frDay(date: IsoDate): string {
  return `${WEEKDAYS_FR[weekdayOf(date)]} ${frDate(date)}`;
}
