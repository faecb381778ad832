/**
 * EPS meetings for the tests that record team reviews through the API: a team review names a recorded meeting
 * (`POST /team-meetings`, with the shared-secrecy charter read out), so such a test records its meeting first.
 */
import type request from 'supertest';
import { TEAM_MEETING } from './api-examples';

/**
 * Records the EPS meeting of `meetingDate` (the example's attendees, charter read out) unless that day's meeting is
 * already recorded (409), and answers its meetingId (`EPS-<date>`).
 */
export async function ensureMeeting(http: () => ReturnType<typeof request>, coordinatorToken: string, meetingDate: string = TEAM_MEETING.meetingDate): Promise<string> {
  const res = await http().post('/team-meetings').set('Authorization', `Bearer ${coordinatorToken}`).send({ ...TEAM_MEETING, meetingDate });
  if (res.status !== 201 && res.status !== 409) throw new Error(`POST /team-meetings ${meetingDate}: ${res.status} ${JSON.stringify(res.body)}`);
  return `EPS-${meetingDate}`;
}
