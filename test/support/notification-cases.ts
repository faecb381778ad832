/**
 * Real parcours cases through the API, backdated so that their deadlines fall where a reminder, digest or task-list
 * test needs them (helpers of the notifications, schedules and tasks e2e tests).
 */
import { randomUUID } from 'node:crypto';
import type { TestApp } from './app';
import { addDays } from '../../workflows/shared/calendar';
import { ensureMeeting } from './team-meetings';

/** Today in Paris (the staff's day). */
export { parisDateOf } from '../../workflows/shared/calendar';

const NAMES = ['Lina', 'Yanis', 'Inès', 'Noah', 'Sofia', 'Adam', 'Maëlys', 'Rayan'];

/** `POST /parcours` by `referentId` (a référent): the case is theirs. Returns the dossierId. */
export async function referCase(t: TestApp, referentId: string, referredOn: string): Promise<string> {
  const token = await t.token(referentId, 'referent');
  const unique = randomUUID().slice(0, 8);
  const res = await t
    .http()
    .post('/parcours')
    .set('Authorization', `Bearer ${token}`)
    .send({
      referredOn,
      child: {
        firstName: NAMES[Math.floor(Math.random() * NAMES.length)],
        lastName: `Test${unique}`,
        birthDate: addDays(referredOn, -9 * 365),
        sex: 'F',
        address: { line1: '12 rue Jean de Cirey', postcode: '21000', city: 'Dijon' },
        qpv: 'GRESILLES',
        school: { name: 'École élémentaire Les Grésilles', level: 'CE2', priorityEducation: 'REP+' },
      },
      guardians: [{ firstName: 'Samira', lastName: `Test${unique}`, relationship: 'MOTHER', phone: '+33612345678' }],
      orienteur: { type: 'SCHOOL', organisation: 'École élémentaire Les Grésilles' },
      reasons: ['SCHOOL_RESULTS'],
    });
  if (res.status !== 201) throw new Error(`POST /parcours: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.dossierId as string;
}

/** The family's written agreement on `signedOn` (→ AWAITING_TEAM_REVIEW). */
export async function grantConsent(t: TestApp, referentId: string, dossierId: string, signedOn: string): Promise<void> {
  const token = await t.token(referentId, 'referent');
  const res = await t
    .http()
    .post(`/parcours/${dossierId}/consent`)
    .set('Authorization', `Bearer ${token}`)
    .send({ decision: 'GRANTED', signedOn, signedBy: [{ name: 'Samira Test', relationship: 'MOTHER' }], dataSharingInformed: true });
  if (res.status !== 200) throw new Error(`consent: ${res.status} ${JSON.stringify(res.body)}`);
}

/** The EPS validates the case on `meetingDate` with `referentId` (→ ACTIVE). */
export async function validateCase(t: TestApp, referentId: string, dossierId: string, meetingDate: string): Promise<void> {
  const token = await t.token('u-coord-1', 'coordinator');
  const meetingId = await ensureMeeting(t.http, token, meetingDate);
  const res = await t
    .http()
    .post(`/parcours/${dossierId}/team-reviews`)
    .set('Authorization', `Bearer ${token}`)
    .send({ meetingId, decision: 'VALIDATED', objectives: [{ label: 'Lire couramment en juin' }], referentId, durationMonths: 12 });
  if (res.status !== 200) throw new Error(`team review: ${res.status} ${JSON.stringify(res.body)}`);
}
