/**
 * `GET /team-meetings/next` on the dev server: the next EPS meeting from the configured calendar, and its agenda
 * built from the cases awaiting review (search attributes), oldest first, without names.
 */
import { epsCalendarOf, localDate, nextMeetingDate } from '../../src/team-meetings/eps-calendar';
import { eventually, startTestApp, type TestApp } from '../support/app';

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString().slice(0, 10);

function referral(firstName: string, referredOn: string, birthDate: string, qpv = 'GRESILLES') {
  return {
    referredOn,
    child: { firstName, lastName: 'Durand', birthDate, sex: 'F', address: { line1: '1 rue de Mirande', postcode: '21000', city: 'Dijon' }, qpv },
    guardians: [{ firstName: 'Anne', lastName: 'Durand', relationship: 'MOTHER' }],
    orienteur: { type: 'PMI' },
    reasons: ['LANGUAGE'],
  };
}

interface AgendaCase {
  dossierId: string;
  qpv: string;
  ageBand: string;
  waitingSince: string;
  waitingDays: number;
  moreInfoCount: number;
  overdue: boolean;
}

describe('GET /team-meetings/next', () => {
  let t: TestApp;
  let coord: string;
  let ref: string;

  beforeAll(async () => {
    t = await startTestApp();
    [coord, ref] = await Promise.all([t.token('u-coord-3', 'coordinator'), t.token('u-ref-3', 'referent')]);
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = async (path: string, token: string, body: unknown, status: number) => {
    const res = await t.http().post(path).set('Authorization', `Bearer ${token}`).send(body as object);
    if (res.status !== status) throw new Error(`${path}: expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body as { dossierId: string; stage: string };
  };
  const consented = async (firstName: string, referredAgo: number, consentAgo: number, birthDate: string, qpv?: string) => {
    const { dossierId } = await post('/parcours', ref, referral(firstName, daysAgo(referredAgo), birthDate, qpv), 201);
    await post(`/parcours/${dossierId}/consent`, ref, { decision: 'GRANTED', signedOn: daysAgo(consentAgo), signedBy: [{ name: 'Anne Durand', relationship: 'MOTHER' }], dataSharingInformed: true }, 200);
    return dossierId;
  };

  it('answers the next meeting of the calendar and the cases awaiting review, oldest first, without names', async () => {
    const recent = await consented('Alice', 12, 10, '2019-01-10');
    const oldest = await consented('Berthe', 55, 50, '2012-06-01', 'FONTAINE_D_OUCHE');
    const middle = await consented('Chloe', 25, 20, '2022-02-02');
    // not on the agenda: a case still waiting for consent, an active one; a MORE_INFO case waits for the next meeting
    const waiting = (await post('/parcours', ref, referral('Diane', daysAgo(3), '2018-03-03'), 201)).dossierId;
    const moreInfo = await consented('Eva', 40, 35, '2016-07-07');
    await post(`/parcours/${moreInfo}/team-reviews`, coord, { meetingDate: daysAgo(30), decision: 'MORE_INFO', motive: 'Bilan attendu' }, 200);
    const active = await consented('Fanny', 40, 35, '2016-08-08');
    await post(`/parcours/${active}/team-reviews`, coord, { meetingDate: daysAgo(30), decision: 'VALIDATED', objectives: [{ label: 'Parler en classe' }], referentId: 'u-ref-3' }, 200);

    const body = await eventually(async () => {
      const res = await t.http().get('/team-meetings/next').set('Authorization', `Bearer ${coord}`);
      if (res.status !== 200) throw new Error(`${res.status}: ${JSON.stringify(res.body)}`);
      return (res.body.agenda as AgendaCase[]).length === 4 ? res.body : undefined;
    });
    const calendar = epsCalendarOf(t.config);
    expect(body.date).toBe(nextMeetingDate(localDate(Date.now()), calendar));
    expect(new Date(`${body.date}T12:00:00Z`).getUTCDay()).toBe(t.config.PRE_EPS_WEEKDAY);
    expect(body.calendar).toEqual({ weekday: 2, weekOfMonth: 1, noMeetingMonths: [8] });
    const today = localDate(Date.now());
    const days = (since: string) => Math.round((Date.parse(today) - Date.parse(since)) / DAY);
    expect(body.agenda).toEqual([
      { dossierId: oldest, qpv: 'FONTAINE_D_OUCHE', ageBand: '11-16', waitingSince: daysAgo(50), waitingDays: days(daysAgo(50)), moreInfoCount: 0, overdue: true },
      { dossierId: moreInfo, qpv: 'GRESILLES', ageBand: '6-10', waitingSince: daysAgo(35), waitingDays: days(daysAgo(35)), moreInfoCount: 1, overdue: false },
      { dossierId: middle, qpv: 'GRESILLES', ageBand: '2-5', waitingSince: daysAgo(20), waitingDays: days(daysAgo(20)), moreInfoCount: 0, overdue: false },
      { dossierId: recent, qpv: 'GRESILLES', ageBand: '6-10', waitingSince: daysAgo(10), waitingDays: days(daysAgo(10)), moreInfoCount: 0, overdue: false },
    ]);
    expect(body.agenda.map((c: AgendaCase) => c.dossierId)).not.toContain(waiting);
    expect(body.agenda.map((c: AgendaCase) => c.dossierId)).not.toContain(active);
    expect(JSON.stringify(body)).not.toMatch(/Alice|Berthe|Chloe|Durand|Mirande|2012-06-01/);
  });

  it('is for coordinators and supervisors: 403 for a référent and finance', async () => {
    const sup = await t.token('u-sup-3', 'supervisor');
    expect((await t.http().get('/team-meetings/next').set('Authorization', `Bearer ${sup}`)).status).toBe(200);
    for (const role of ['referent', 'finance'] as const) {
      const token = await t.token(`u-${role}-3`, role);
      const res = await t.http().get('/team-meetings/next').set('Authorization', `Bearer ${token}`);
      expect({ status: res.status, detail: res.body.detail }).toEqual({ status: 403, detail: 'This action needs one of the roles: coordinator, supervisor.' });
    }
  });
});
