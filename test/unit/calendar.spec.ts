/**
 * The one calendar (workflows/shared/calendar.ts): every "today" is the Paris day, and a date's timers fire at a set
 * hour in Paris, winter and summer alike — at 00:30 and 23:30 in Paris, and on both Sundays the clocks change
 * (the last Sunday of March, 02:00 → 03:00; the last Sunday of October, 03:00 → 02:00).
 */
import { configureDateWindow, DEFAULT_DATE_WINDOW, dateProblem, todayInParis } from '../../src/common/calendar-date';
import { DEFAULT_TIMER_LOCAL_HOUR, dateOf, instantOf, isOverdue, isReached, parisDateOf, timerHourOf, weekdayOf } from '../../workflows/shared/calendar';

const iso = (ms: number) => new Date(ms).toISOString();

describe('the Paris day of an instant', () => {
  it('is the Paris day at 00:30 and 23:30 in Paris, in summer and in winter (never the UTC day)', () => {
    // summer time (UTC+2): 00:30 on 1 September in Paris is still 31 August in UTC
    expect(dateOf('2026-08-31T22:30:00Z')).toBe('2026-09-01');
    expect(dateOf('2026-08-31T21:30:00Z')).toBe('2026-08-31'); // 23:30 on 31 August in Paris
    expect(dateOf(Date.parse('2026-08-31T22:30:00Z'))).toBe('2026-09-01');
    // winter time (UTC+1)
    expect(dateOf('2026-12-31T23:30:00Z')).toBe('2027-01-01'); // 00:30 on 1 January in Paris
    expect(dateOf('2026-12-31T22:30:00Z')).toBe('2026-12-31'); // 23:30 on 31 December in Paris
    expect(parisDateOf(Date.parse('2026-12-31T23:30:00Z'))).toBe('2027-01-01');
  });

  it('is the Paris day at 00:30 and 23:30 on both Sundays the clocks change', () => {
    expect(weekdayOf('2026-03-29')).toBe(0);
    expect(weekdayOf('2026-10-25')).toBe(0);
    // last Sunday of March: 00:30 is still winter time (UTC+1), 23:30 is summer time (UTC+2)
    expect(dateOf('2026-03-28T23:30:00Z')).toBe('2026-03-29');
    expect(dateOf('2026-03-28T22:59:59Z')).toBe('2026-03-28');
    expect(dateOf('2026-03-29T21:30:00Z')).toBe('2026-03-29');
    expect(dateOf('2026-03-29T22:00:00Z')).toBe('2026-03-30');
    // last Sunday of October: 00:30 is still summer time (UTC+2), 23:30 is winter time (UTC+1)
    expect(dateOf('2026-10-24T22:30:00Z')).toBe('2026-10-25');
    expect(dateOf('2026-10-24T21:59:59Z')).toBe('2026-10-24');
    expect(dateOf('2026-10-25T22:30:00Z')).toBe('2026-10-25');
    expect(dateOf('2026-10-25T23:00:00Z')).toBe('2026-10-26');
  });
});

describe('the hour a date fires at', () => {
  it('is 08:00 in Paris by default: 07:00 UTC in winter, 06:00 UTC in summer', () => {
    expect(DEFAULT_TIMER_LOCAL_HOUR).toBe(8);
    expect(iso(instantOf('2027-01-15'))).toBe('2027-01-15T07:00:00.000Z');
    expect(iso(instantOf('2027-07-15'))).toBe('2027-07-15T06:00:00.000Z');
    expect(iso(instantOf('2026-09-01'))).toBe('2026-09-01T06:00:00.000Z');
  });

  it('stays 08:00 in Paris across both Sundays the clocks change, and the days around them', () => {
    expect(iso(instantOf('2026-03-28'))).toBe('2026-03-28T07:00:00.000Z');
    expect(iso(instantOf('2026-03-29'))).toBe('2026-03-29T06:00:00.000Z'); // after 02:00 → 03:00
    expect(iso(instantOf('2026-03-30'))).toBe('2026-03-30T06:00:00.000Z');
    expect(iso(instantOf('2026-10-24'))).toBe('2026-10-24T06:00:00.000Z');
    expect(iso(instantOf('2026-10-25'))).toBe('2026-10-25T07:00:00.000Z'); // after 03:00 → 02:00
    expect(iso(instantOf('2026-10-26'))).toBe('2026-10-26T07:00:00.000Z');
    expect(dateOf(instantOf('2026-03-29'))).toBe('2026-03-29');
    expect(dateOf(instantOf('2026-10-25'))).toBe('2026-10-25');
  });

  it('is the configured hour (PRE_TIMER_LOCAL_HOUR) in Paris, at the edges of the day and of the clock changes', () => {
    expect(iso(instantOf('2027-01-15', 10))).toBe('2027-01-15T09:00:00.000Z');
    expect(iso(instantOf('2027-07-15', 0))).toBe('2027-07-14T22:00:00.000Z'); // midnight in Paris
    expect(iso(instantOf('2027-01-15', 23))).toBe('2027-01-15T22:00:00.000Z');
    // 02:00 does not exist on the last Sunday of March: the timer fires at 03:00 (summer time)
    expect(iso(instantOf('2026-03-29', 2))).toBe('2026-03-29T01:00:00.000Z');
    expect(iso(instantOf('2026-03-29', 3))).toBe('2026-03-29T01:00:00.000Z');
    expect(iso(instantOf('2026-03-29', 1))).toBe('2026-03-29T00:00:00.000Z');
    // 02:00 happens twice on the last Sunday of October: the timer fires the first time (summer time)
    expect(iso(instantOf('2026-10-25', 2))).toBe('2026-10-25T00:00:00.000Z');
    expect(iso(instantOf('2026-10-25', 3))).toBe('2026-10-25T02:00:00.000Z');
    for (let hour = 0; hour < 24; hour++) {
      for (const date of ['2026-03-29', '2026-10-25', '2027-01-15', '2027-07-15']) expect(dateOf(instantOf(date, hour))).toBe(date);
    }
  });

  it('keeps 06:00 UTC for a case or convention started before the setting (its history replays unchanged)', () => {
    expect(timerHourOf({})).toBeNull();
    expect(timerHourOf({ timerLocalHour: 8 })).toBe(8);
    expect(iso(instantOf('2026-10-25', timerHourOf({})))).toBe('2026-10-25T06:00:00.000Z');
    expect(iso(instantOf('2027-01-15', timerHourOf({})))).toBe('2027-01-15T06:00:00.000Z');
    expect(isOverdue('2027-01-15', Date.parse('2027-01-16T06:00:00Z'), null)).toBe(true);
  });

  it('reaches a date and makes a deadline overdue at the configured hour in Paris', () => {
    expect(isReached('2026-10-25', Date.parse('2026-10-25T06:59:59Z'))).toBe(false);
    expect(isReached('2026-10-25', Date.parse('2026-10-25T07:00:00Z'))).toBe(true);
    expect(isReached('2026-03-29', Date.parse('2026-03-29T05:59:59Z'))).toBe(false);
    expect(isReached('2026-03-29', Date.parse('2026-03-29T06:00:00Z'))).toBe(true);
    expect(isReached('2027-01-15', Date.parse('2027-01-15T08:59:59Z'), 10)).toBe(false);
    expect(isReached('2027-01-15', Date.parse('2027-01-15T09:00:00Z'), 10)).toBe(true);
    // due on 31 August: not overdue at 00:30 on 1 September in Paris, overdue from the timers' hour that day
    expect(isOverdue('2026-08-31', Date.parse('2026-08-31T22:30:00Z'))).toBe(false);
    expect(isOverdue('2026-08-31', Date.parse('2026-09-01T06:00:00Z'))).toBe(true);
  });
});

describe("the API's today", () => {
  afterEach(() => configureDateWindow(DEFAULT_DATE_WINDOW));

  it('is the Paris day at 00:30 and 23:30 in Paris and on the Sundays the clocks change', () => {
    const at = (instant: string) => {
      configureDateWindow(DEFAULT_DATE_WINDOW, () => Date.parse(instant));
      return todayInParis();
    };
    expect(at('2026-08-31T22:30:00Z')).toBe('2026-09-01'); // 00:30 on 1 September
    expect(at('2026-08-31T21:30:00Z')).toBe('2026-08-31'); // 23:30 on 31 August
    expect(at('2026-03-28T23:30:00Z')).toBe('2026-03-29');
    expect(at('2026-03-29T21:30:00Z')).toBe('2026-03-29');
    expect(at('2026-10-24T22:30:00Z')).toBe('2026-10-25');
    expect(at('2026-10-25T22:30:00Z')).toBe('2026-10-25');
    // a birth on 1 September is no longer "in the future" at 00:30 in Paris on 1 September
    configureDateWindow(DEFAULT_DATE_WINDOW, () => Date.parse('2026-08-31T22:30:00Z'));
    expect(dateProblem('2026-09-01', 'birth')).toBeUndefined();
    expect(dateProblem('2026-09-02', 'birth')).toMatch(/future/);
  });
});
