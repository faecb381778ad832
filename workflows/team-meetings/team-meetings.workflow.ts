import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import { parisDateOf } from '../shared/calendar';
import { failure, FailureType } from '../shared/failures';
import { journaledUpdate, Journal } from '../shared/journal';
import type { TimelineEntry } from '../shared/messages';
import { getTeamMeetingsQuery, recordTeamMeetingUpdate, type TeamMeetingRecord, type TeamMeetingsInput } from './team-meetings.contract';
import { meetingRecord, validateMeeting } from './team-meetings.rules';

/**
 * The EPS meetings of one civil year (`team-meetings-<year>`): each `recordTeamMeeting` update adds a meeting held
 * that year, validated first (a rejected one leaves nothing in the history), with its Idempotency-Key remembered
 * across continue-as-new. It holds no child's data: dates, staff ids and roles, the charter's reading.
 */
export async function teamMeetingsWorkflow(input: TeamMeetingsInput): Promise<void> {
  const meetings: TeamMeetingRecord[] = [...(input.carried?.meetings ?? [])];
  const journal = new Journal<TimelineEntry, TeamMeetingRecord>(
    (key, first, sameUpdate) =>
      failure(
        FailureType.IDEMPOTENCY_KEY_REUSED,
        sameUpdate ? `The Idempotency-Key ${key} was already used for another meeting.` : `The Idempotency-Key ${key} was already used for another request (${first}).`,
        { idempotencyKey: key },
      ),
    input.carried?.journal,
  );

  setHandler(getTeamMeetingsQuery, () => ({ year: input.year, meetings }));
  journaledUpdate(
    journal,
    recordTeamMeetingUpdate,
    'recordTeamMeeting',
    (i) => validateMeeting(input.year, meetings, i, parisDateOf(Date.now())),
    (i, nowMs) => {
      const record = meetingRecord(i, nowMs);
      meetings.push(record);
      meetings.sort((a, b) => (a.meetingDate < b.meetingDate ? -1 : a.meetingDate > b.meetingDate ? 1 : 0));
      journal.touch();
      return record;
    },
  );

  await condition(() => workflowInfo().continueAsNewSuggested);
  await condition(allHandlersFinished);
  await continueAsNew<typeof teamMeetingsWorkflow>({ year: input.year, carried: { meetings, journal: journal.snapshot() } });
}
