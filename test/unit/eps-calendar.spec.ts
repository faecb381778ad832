import { epsCalendarOf, localDate, nextMeetingDate, sortAgenda, waitingDays } from '../../src/team-meetings/eps-calendar';

const DEFAULT = epsCalendarOf({ PRE_EPS_WEEKDAY: 2, PRE_EPS_WEEK_OF_MONTH: 1, PRE_EPS_NO_MEETING_MONTHS: '8' });

describe('EPS calendar: the next meeting', () => {
  it('reads the configuration: first Tuesday, none in August', () => {
    expect(DEFAULT).toEqual({ weekday: 2, weekOfMonth: 1, noMeetingMonths: [8] });
    expect(epsCalendarOf({ PRE_EPS_WEEKDAY: 4, PRE_EPS_WEEK_OF_MONTH: 3, PRE_EPS_NO_MEETING_MONTHS: '12,7, 8,8' })).toEqual({ weekday: 4, weekOfMonth: 3, noMeetingMonths: [7, 8, 12] });
    expect(epsCalendarOf({ PRE_EPS_WEEKDAY: 2, PRE_EPS_WEEK_OF_MONTH: 1, PRE_EPS_NO_MEETING_MONTHS: '' }).noMeetingMonths).toEqual([]);
  });

  it.each([
    ['late in the month: the first Tuesday of next month', '2026-11-27', '2026-12-01'],
    ['the day of the meeting: that meeting', '2026-12-01', '2026-12-01'],
    ['the day after the meeting: next month', '2026-12-02', '2027-01-05'],
    ['before the first Tuesday of the month', '2027-03-01', '2027-03-02'],
    ['a month starting on a Tuesday', '2026-09-01', '2026-09-01'],
    ['a month starting on a Wednesday: the 7th', '2027-09-02', '2027-09-07'],
    ['across the new year', '2026-12-31', '2027-01-05'],
    ['after the July meeting: August is skipped', '2027-07-07', '2027-09-07'],
    ['in August: September', '2027-08-01', '2027-09-07'],
  ])('%s (%s → %s)', (_name, today, expected) => {
    expect(nextMeetingDate(today, DEFAULT)).toBe(expected);
  });

  it('the fourth Thursday, none in July and August', () => {
    const cal = epsCalendarOf({ PRE_EPS_WEEKDAY: 4, PRE_EPS_WEEK_OF_MONTH: 4, PRE_EPS_NO_MEETING_MONTHS: '7,8' });
    expect(nextMeetingDate('2026-11-01', cal)).toBe('2026-11-26');
    expect(nextMeetingDate('2026-11-27', cal)).toBe('2026-12-24');
    expect(nextMeetingDate('2027-06-25', cal)).toBe('2027-09-23');
  });

  it('every meeting falls on the configured weekday', () => {
    for (let weekday = 0; weekday <= 6; weekday++) {
      for (let week = 1; week <= 4; week++) {
        const cal = { weekday, weekOfMonth: week, noMeetingMonths: [] };
        const d = nextMeetingDate('2028-02-01', cal);
        expect(new Date(`${d}T12:00:00Z`).getUTCDay()).toBe(weekday);
        expect(Math.ceil(Number(d.slice(8, 10)) / 7)).toBe(week);
      }
    }
  });

  it('refuses a calendar without any meeting month', () => {
    const cal = epsCalendarOf({ PRE_EPS_WEEKDAY: 2, PRE_EPS_WEEK_OF_MONTH: 1, PRE_EPS_NO_MEETING_MONTHS: '1,2,3,4,5,6,7,8,9,10,11,12' });
    expect(() => nextMeetingDate('2026-11-27', cal)).toThrow(/no month/);
  });
});

describe('EPS agenda helpers', () => {
  it("today is Dijon's date: 23:30 UTC on 31 December is already 1 January in Paris", () => {
    expect(localDate(Date.parse('2026-12-31T23:30:00Z'))).toBe('2027-01-01');
    expect(localDate(Date.parse('2026-07-01T21:59:00Z'))).toBe('2026-07-01');
    expect(localDate(Date.parse('2026-07-01T22:00:00Z'))).toBe('2026-07-02');
  });

  it('counts whole days waited, never negative', () => {
    expect(waitingDays('2026-11-01', '2026-11-27')).toBe(26);
    expect(waitingDays('2026-11-27', '2026-11-27')).toBe(0);
    expect(waitingDays('2026-11-28', '2026-11-27')).toBe(0);
    expect(waitingDays('2024-02-28', '2024-03-01')).toBe(2);
  });

  it('sorts the agenda oldest first, then by dossierId', () => {
    const c = (dossierId: string, waitingSince: string) => ({ dossierId, qpv: 'GRESILLES', ageBand: '6-10', waitingSince, waitingDays: 0 });
    expect(sortAgenda([c('D-B', '2026-11-10'), c('D-C', '2026-10-01'), c('D-A', '2026-11-10')]).map((x) => x.dossierId)).toEqual(['D-C', 'D-A', 'D-B']);
  });
});
