/** The rules of a meeting record, pure: the workflow's validator and the tests use them. */
import { failure, FailureType } from '../shared/failures';
import { isValidDate, type IsoDate } from '../shared/calendar';
import { MAX_ATTENDEES, MAX_MEETINGS_PER_YEAR, meetingIdOf, type TeamMeetingInput, type TeamMeetingRecord } from './team-meetings.contract';

/**
 * A meeting may be recorded in year `year` when: its date is a date of that year, not after today (Paris) — it
 * records a meeting held —, no meeting is recorded that day yet (409), the year holds fewer than
 * MAX_MEETINGS_PER_YEAR, and it has 1 to MAX_ATTENDEES attendees, each once.
 */
export function validateMeeting(year: number, recorded: readonly TeamMeetingRecord[], i: TeamMeetingInput, today: IsoDate): void {
  if (!isValidDate(i.meetingDate) || Number(i.meetingDate.slice(0, 4)) !== year) {
    throw failure(FailureType.BAD_INPUT, `The meeting date ${String(i.meetingDate)} is not a date of ${year}.`);
  }
  if (i.meetingDate > today) {
    throw failure(FailureType.RULE_VIOLATION, `The meeting date ${i.meetingDate} is in the future: record a meeting once it has been held (today is ${today}).`, { rule: 'meeting-held' });
  }
  const same = recorded.find((m) => m.meetingDate === i.meetingDate);
  if (same) {
    throw failure(FailureType.DUPLICATE, `A meeting is already recorded on ${i.meetingDate} (${same.meetingId}).`, { meetingId: same.meetingId });
  }
  if (recorded.length >= MAX_MEETINGS_PER_YEAR) {
    throw failure(FailureType.RULE_VIOLATION, `${year} already holds ${MAX_MEETINGS_PER_YEAR} meetings, the most a year records.`, { rule: 'meetings-per-year' });
  }
  if (!Array.isArray(i.attendees) || i.attendees.length === 0 || i.attendees.length > MAX_ATTENDEES) {
    throw failure(FailureType.BAD_INPUT, `A meeting has 1 to ${MAX_ATTENDEES} attendees.`);
  }
  if (new Set(i.attendees.map((a) => a.staffId)).size !== i.attendees.length) {
    throw failure(FailureType.RULE_VIOLATION, 'Each attendee is listed once.', { rule: 'attendee-once' });
  }
  if (typeof i.secrecyCharterRead !== 'boolean') throw failure(FailureType.BAD_INPUT, 'secrecyCharterRead must be true or false.');
}

/** The record of a meeting (attendees copied: staff id and role only). */
export function meetingRecord(i: TeamMeetingInput, nowMs: number): TeamMeetingRecord {
  return {
    meetingId: meetingIdOf(i.meetingDate),
    meetingDate: i.meetingDate,
    attendees: i.attendees.map((a) => ({ staffId: a.staffId, role: a.role })),
    secrecyCharterRead: i.secrecyCharterRead,
    recordedBy: { sub: i.actor.sub, role: i.actor.role },
    recordedAt: new Date(nowMs).toISOString(),
  };
}

/** Why a team review may not name this meeting (null: it may). */
export function reviewMeetingProblem(meetingId: string, meeting: TeamMeetingRecord | undefined): { rule: string; detail: string } | null {
  if (!meeting) return { rule: 'unknown-meeting', detail: `No EPS meeting ${meetingId} is recorded: record the meeting (POST /team-meetings) before its decisions.` };
  if (!meeting.secrecyCharterRead) {
    return { rule: 'secrecy-charter-not-read', detail: `The shared-secrecy charter was not read out at meeting ${meetingId}: no case may be decided at it.` };
  }
  return null;
}
