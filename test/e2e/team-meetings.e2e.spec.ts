/**
 * `GET /team-meetings/next` on the dev server: the next EPS meeting from the configured calendar, and its agenda
 * built from the cases awaiting review (search attributes), oldest first, without names.
 */
import { epsCalendarOf, localDate, nextMeetingDate } from '../../src/team-meetings/eps-calendar';
import { eventually, startTestApp, type TestApp } from '../support/app';
import { ensureMeeting } from '../support/team-meetings';

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
    const meetingId = await ensureMeeting(t.http, coord, daysAgo(30));
    await post(`/parcours/${moreInfo}/team-reviews`, coord, { meetingId, decision: 'MORE_INFO', motive: 'Bilan attendu' }, 200);
    const active = await consented('Fanny', 40, 35, '2016-08-08');
    await post(`/parcours/${active}/team-reviews`, coord, { meetingId, decision: 'VALIDATED', objectives: [{ label: 'Parler en classe' }], referentId: 'u-ref-3' }, 200);

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

  const send = (method: 'post' | 'get', path: string, token: string, body?: object, key?: string) => {
    const req = t.http()[method](path).set('Authorization', `Bearer ${token}`);
    if (key) req.set('Idempotency-Key', key);
    return body ? req.send(body) : req;
  };
  const meeting = (meetingDate: string, secrecyCharterRead = true) => ({
    meetingDate,
    attendees: [
      { staffId: 'u-coord-3', role: 'coordinator' },
      { staffId: 'u-ref-3', role: 'referent' },
      { staffId: 'u-psy-1', role: 'psychologist' },
    ],
    secrecyCharterRead,
  });

  it('POST /team-meetings records a meeting held (201, replayed for its Idempotency-Key) that GET /team-meetings lists by year; a second one that day is 409, a future one 422, a bad body 400', async () => {
    const held = daysAgo(60);
    const first = await send('post', '/team-meetings', coord, meeting(held), 'eps-held');
    expect({ status: first.status, body: first.body }).toEqual({
      status: 201,
      body: {
        meetingId: `EPS-${held}`,
        meetingDate: held,
        attendees: meeting(held).attendees,
        secrecyCharterRead: true,
        recordedBy: { sub: 'u-coord-3', role: 'coordinator' },
        recordedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      },
    });
    const retried = await send('post', '/team-meetings', coord, meeting(held), 'eps-held');
    expect({ status: retried.status, body: retried.body }).toEqual({ status: 201, body: first.body });
    const reused = await send('post', '/team-meetings', coord, meeting(daysAgo(59)), 'eps-held');
    expect({ status: reused.status, type: reused.body.type }).toEqual({ status: 422, type: 'urn:pre-orchestrator:problem:idempotency-key-reused' });

    const again = await send('post', '/team-meetings', coord, { ...meeting(held), secrecyCharterRead: false });
    expect({ status: again.status, body: again.body }).toMatchObject({
      status: 409,
      body: { type: 'urn:pre-orchestrator:problem:duplicate', detail: `A meeting is already recorded on ${held} (EPS-${held}).`, meetingId: `EPS-${held}` },
    });
    const future = await send('post', '/team-meetings', coord, meeting(daysAgo(-2)));
    expect({ status: future.status, type: future.body.type, detail: future.body.detail }).toEqual({
      status: 422,
      type: 'urn:pre-orchestrator:problem:rule-violation',
      detail: expect.stringMatching(new RegExp(`^The meeting date ${daysAgo(-2)} is in the future`)),
    });
    const bad = await send('post', '/team-meetings', coord, { meetingDate: held, attendees: [{ staffId: 'u-coord-3', role: 'coordinator' }, { staffId: 'u-coord-3', role: 'chair' }] });
    expect(bad.status).toBe(400);
    expect((bad.body.errors as Array<{ field: string }>).map((e) => e.field).sort()).toEqual(['attendees[1].role', 'secrecyCharterRead']);
    const twice = await send('post', '/team-meetings', coord, { ...meeting(daysAgo(57)), attendees: [{ staffId: 'u-coord-3', role: 'coordinator' }, { staffId: 'u-coord-3', role: 'referent' }] });
    expect({ status: twice.status, detail: twice.body.detail }).toEqual({ status: 422, detail: 'Each attendee is listed once: u-coord-3 is listed twice.' });
    const empty = await send('post', '/team-meetings', coord, { ...meeting(held), attendees: [] });
    expect({ status: empty.status, fields: (empty.body.errors as Array<{ field: string }>).map((e) => e.field) }).toEqual({ status: 400, fields: ['attendees'] });
    const byReferent = await send('post', '/team-meetings', ref, meeting(daysAgo(58)));
    expect({ status: byReferent.status, detail: byReferent.body.detail }).toEqual({ status: 403, detail: 'This action needs one of the roles: coordinator.' });

    const year = Number(held.slice(0, 4));
    const listed = await send('get', `/team-meetings?year=${year}`, coord);
    expect(listed.status).toBe(200);
    expect(listed.body.year).toBe(year);
    const items = listed.body.items as Array<{ meetingId: string; meetingDate: string }>;
    expect(items).toContainEqual(first.body);
    expect(items.map((m) => m.meetingDate)).toEqual([...items.map((m) => m.meetingDate)].sort());
    expect(items.filter((m) => m.meetingDate === held)).toHaveLength(1);
    // nothing recorded: an empty year; no year: the current one (Paris)
    expect((await send('get', '/team-meetings?year=2003', coord)).body).toEqual({ year: 2003, items: [] });
    expect((await send('get', '/team-meetings', coord)).body.year).toBe(Number(localDate(Date.now()).slice(0, 4)));
    expect((await send('get', '/team-meetings?year=1999', coord)).status).toBe(400);
  });

  it('a team review names a recorded meeting where the charter was read out: an unknown meeting or one without the charter is 422 and changes nothing', async () => {
    const dossierId = await consented('Gaelle', 40, 35, '2017-05-05');
    const review = (meetingId: string, extra: object = {}) => ({ meetingId, decision: 'MORE_INFO', motive: 'Bilan attendu', ...extra });
    const unknown = await send('post', `/parcours/${dossierId}/team-reviews`, coord, review(`EPS-${daysAgo(20)}`));
    expect({ status: unknown.status, body: unknown.body }).toMatchObject({
      status: 422,
      body: { type: 'urn:pre-orchestrator:problem:unknown-meeting', meetingId: `EPS-${daysAgo(20)}`, detail: `No EPS meeting EPS-${daysAgo(20)} is recorded: record the meeting (POST /team-meetings) before its decisions.` },
    });
    expect((await send('post', '/team-meetings', coord, meeting(daysAgo(21), false))).status).toBe(201);
    const noCharter = await send('post', `/parcours/${dossierId}/team-reviews`, coord, review(`EPS-${daysAgo(21)}`));
    expect({ status: noCharter.status, body: noCharter.body }).toMatchObject({
      status: 422,
      body: { type: 'urn:pre-orchestrator:problem:secrecy-charter-not-read', meetingId: `EPS-${daysAgo(21)}`, detail: `The shared-secrecy charter was not read out at meeting EPS-${daysAgo(21)}: no case may be decided at it.` },
    });
    const heldId = await ensureMeeting(t.http, coord, daysAgo(22));
    const otherDate = await send('post', `/parcours/${dossierId}/team-reviews`, coord, review(heldId, { meetingDate: daysAgo(23) }));
    expect({ status: otherDate.status, detail: otherDate.body.detail }).toEqual({ status: 422, detail: `meetingDate ${daysAgo(23)} is not the date of meeting ${heldId} (${daysAgo(22)}).` });
    for (const body of [{ decision: 'MORE_INFO', motive: 'x' }, review('EPS-12'), review(`eps-${daysAgo(22)}`)]) {
      const res = await send('post', `/parcours/${dossierId}/team-reviews`, coord, body);
      expect({ status: res.status, fields: [...new Set((res.body.errors as Array<{ field: string }>).map((e) => e.field))] }).toEqual({ status: 400, fields: ['meetingId'] });
    }
    const untouched = await send('get', `/parcours/${dossierId}`, coord);
    expect({ stage: untouched.body.stage, reviews: untouched.body.reviews }).toEqual({ stage: 'AWAITING_TEAM_REVIEW', reviews: [] });

    const decided = await send('post', `/parcours/${dossierId}/team-reviews`, coord, review(heldId, { meetingDate: daysAgo(22) }));
    expect(decided.status).toBe(200);
    expect(decided.body.reviews).toEqual([expect.objectContaining({ meetingId: heldId, meetingDate: daysAgo(22), decision: 'MORE_INFO' })]);
  });

  it('the yearly indicators count the EPS meetings recorded in the period, one without any decision included', async () => {
    const meetings = async (query: string) => {
      const res = await send('get', `/reports/indicators?${query}`, coord);
      if (res.status !== 200) throw new Error(`${res.status}: ${JSON.stringify(res.body)}`);
      return (res.body.figures as Array<{ code: string; total: unknown }>).find((f) => f.code === 'eps.meetings')?.total;
    };
    // no case of this deployment has any date in 2021: before meetings were records, the figure was 0
    expect(await meetings('year=2021&period=civil')).toBe(0);
    expect((await send('post', '/team-meetings', coord, meeting('2021-03-02'))).status).toBe(201);
    expect((await send('post', '/team-meetings', coord, meeting('2021-10-05', false))).status).toBe(201);
    await eventually(async () => ((await meetings('year=2021&period=civil')) === 2 ? true : undefined));
    expect(await meetings('year=2021&period=school')).toBe(1);
    expect(await meetings('year=2022&period=school')).toBe(1);
    expect(await meetings('year=2022&period=civil')).toBe(0);
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
