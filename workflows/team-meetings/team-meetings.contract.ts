/**
 * The EPS meetings as records (DOMAIN.md "EPS review"): one `teamMeetingsWorkflow` per civil year holds the meetings
 * held that year, workflow id `team-meetings-<task queue>-<year>`. What the API uses: the ids, the input, the messages and the
 * types they carry. A meeting is named `EPS-<date>`: the EPS meets once on a given day.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { IsoDate } from '../shared/calendar';
import type { JournalSnapshot } from '../shared/journal';
import type { Actor, TimelineEntry, UpdateMeta } from '../shared/messages';

export const TEAM_MEETINGS_WORKFLOW_TYPE = 'teamMeetingsWorkflow';

/** Most meetings recorded in one year (the EPS meets monthly; extraordinary meetings fit well within it). */
export const MAX_MEETINGS_PER_YEAR = 60;
/** Most attendees of one meeting. */
export const MAX_ATTENDEES = 40;

/** What an attendee sits in the EPS as. */
export const ATTENDEE_ROLES = ['coordinator', 'referent', 'education', 'social', 'health', 'psychologist', 'other'] as const;
export type AttendeeRole = (typeof ATTENDEE_ROLES)[number];

export interface Attendee {
  staffId: string;
  role: AttendeeRole;
}

/** `POST /team-meetings`. */
export interface TeamMeetingInput extends UpdateMeta {
  meetingDate: IsoDate;
  attendees: Attendee[];
  /** The shared-secrecy charter was read out at the opening of the meeting. */
  secrecyCharterRead: boolean;
}

/** One meeting as recorded. */
export interface TeamMeetingRecord {
  meetingId: string;
  meetingDate: IsoDate;
  attendees: Attendee[];
  secrecyCharterRead: boolean;
  recordedBy: Actor;
  /** ISO instant the workflow recorded it. */
  recordedAt: string;
}

/** The meetings of a year, by date. */
export interface TeamMeetingsView {
  year: number;
  meetings: TeamMeetingRecord[];
}

/** What a year carries across continue-as-new. */
export interface TeamMeetingsCarried {
  meetings: TeamMeetingRecord[];
  /** The remembered Idempotency-Keys (the year keeps no timeline: each meeting records who and when). */
  journal: JournalSnapshot<TimelineEntry, TeamMeetingRecord>;
}

export interface TeamMeetingsInput {
  year: number;
  carried?: TeamMeetingsCarried;
}

export const recordTeamMeetingUpdate = defineUpdate<TeamMeetingRecord, [TeamMeetingInput]>('recordTeamMeeting');
export const getTeamMeetingsQuery = defineQuery<TeamMeetingsView>('getTeamMeetings');

/**
 * The workflow holding the meetings of a year for the deployment of `taskQueue` (several deployments may share a
 * namespace, as every listing of the API assumes): `team-meetings-pre-orchestrator-2026`.
 */
export function teamMeetingsWorkflowId(taskQueue: string, year: number): string {
  return `team-meetings-${taskQueue}-${year}`;
}

/** `EPS-2026-12-01`: the meeting of a day. */
export const MEETING_ID = /^EPS-(\d{4})-(\d{2})-(\d{2})$/;

export function meetingIdOf(date: IsoDate): string {
  return `EPS-${date}`;
}

/** The date a meeting id names (its shape only: the day may not exist), or null. */
export function meetingDateOf(meetingId: string): IsoDate | null {
  const m = MEETING_ID.exec(meetingId);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
}
