/**
 * The EPS meeting calendar (DOMAIN.md §1 "monthly by default, configurable"): pure functions, no clock.
 * The date arithmetic is the parcours rules' (`epsMeetingOfMonth`, `nextEpsMeeting`); this file reads the
 * configuration into a calendar and answers "which meeting is next" for a given local date.
 */
import { nextEpsMeeting, type EpsCalendar } from '../../workflows/parcours/parcours.rules';
import { daysBetween, parisDateOf, type IsoDate } from '../../workflows/shared/calendar';

/** The calendar of the configuration (PRE_EPS_WEEKDAY, PRE_EPS_WEEK_OF_MONTH, PRE_EPS_NO_MEETING_MONTHS). */
export function epsCalendarOf(env: { PRE_EPS_WEEKDAY: number; PRE_EPS_WEEK_OF_MONTH: number; PRE_EPS_NO_MEETING_MONTHS: string }): EpsCalendar {
  const noMeetingMonths = env.PRE_EPS_NO_MEETING_MONTHS.split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '')
    .map(Number)
    .filter((m) => Number.isInteger(m) && m >= 1 && m <= 12);
  return { weekday: env.PRE_EPS_WEEKDAY, weekOfMonth: env.PRE_EPS_WEEK_OF_MONTH, noMeetingMonths: [...new Set(noMeetingMonths)].sort((a, b) => a - b) };
}

/** The next EPS meeting on or after `today` (a meeting today is still the next one until the day is over). */
export function nextMeetingDate(today: IsoDate, calendar: EpsCalendar): IsoDate {
  if (calendar.noMeetingMonths.length >= 12) throw new RangeError('PRE_EPS_NO_MEETING_MONTHS leaves no month with an EPS meeting.');
  return nextEpsMeeting(today, calendar);
}

/** The staff's "today" at an instant: the Paris day of the one calendar (workflows/shared/calendar.ts). */
export function localDate(nowMs: number): IsoDate {
  return parisDateOf(nowMs);
}

/** Whole days a case has waited since `since` (0 on the day itself, never negative). */
export function waitingDays(since: IsoDate, today: IsoDate): number {
  return Math.max(0, daysBetween(since, today));
}

/** A case of the agenda: enough to sort and show it, nothing that identifies the child. */
export interface AgendaCase {
  dossierId: string;
  qpv: string;
  ageBand: string;
  /** The date the case started waiting for the EPS (consent). */
  waitingSince: IsoDate;
  waitingDays: number;
}

/** Oldest first (longest waiting), then by dossierId for a stable order. */
export function sortAgenda<T extends AgendaCase>(cases: readonly T[]): T[] {
  return [...cases].sort((a, b) => (a.waitingSince < b.waitingSince ? -1 : a.waitingSince > b.waitingSince ? 1 : a.dossierId < b.dossierId ? -1 : a.dossierId > b.dossierId ? 1 : 0));
}
