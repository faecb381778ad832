/**
 * `GET /me/tasks` on real parcours (API + worker + dev server): a référent with three cases at different stages sees
 * one task per case, soonest first, and nothing of another référent's cases; the coordinator sees the EPS reviews.
 */
import { randomUUID } from 'node:crypto';
import { eventually, startTestApp, type TestApp } from '../support/app';
import { quietRuntime } from '../support/temporal';
import { grantConsent, parisDateOf, referCase, validateCase } from '../support/notification-cases';
import { addDays, addMonths } from '../../workflows/shared/calendar';

const run = randomUUID().slice(0, 6);
const referent = `u-ref-t${run}`;
const other = `u-ref-u${run}`;

interface Task {
  kind: string;
  label: string;
  dueOn?: string;
  overdue: boolean;
  dossierId?: string;
  stage?: string;
  path: string;
}

describe('GET /me/tasks', () => {
  let t: TestApp;
  const today = parisDateOf(Date.now());
  const ids: Record<string, string> = {};

  const tasksOf = async (sub: string, role: 'referent' | 'coordinator' | 'finance' | 'supervisor', query = '') => {
    const res = await t.http().get(`/me/tasks${query}`).set('Authorization', `Bearer ${await t.token(sub, role)}`);
    expect(res.status).toBe(200);
    return res.body as { items: Task[]; nextPageToken?: string };
  };

  beforeAll(async () => {
    quietRuntime();
    t = await startTestApp();
    // our référent: a consent to collect, a case waiting for the EPS, an active case with a reassessment ahead
    ids.consent = await referCase(t, referent, addDays(today, -10));
    ids.review = await referCase(t, referent, addDays(today, -20));
    await grantConsent(t, referent, ids.review, addDays(today, -19));
    ids.active = await referCase(t, referent, addDays(today, -30));
    await grantConsent(t, referent, ids.active, addDays(today, -30));
    await validateCase(t, referent, ids.active, addDays(today, -29));
    // another référent's case
    ids.other = await referCase(t, other, addDays(today, -5));
    await eventually(async () => {
      const n = await t.client.workflow.count(`TaskQueue = '${t.config.TEMPORAL_TASK_QUEUE}' AND PreReferentId = '${referent}' AND PreStage = 'ACTIVE'`);
      return n.count === 1;
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("lists a référent's three cases, one task each, soonest first, and nothing of another référent", async () => {
    const body = await eventually(async () => {
      const b = await tasksOf(referent, 'referent');
      return b.items.length === 3 && b.items.every((i) => i.stage !== 'REFERRED') ? b : undefined;
    });
    expect(body).toEqual({
      items: [
        expect.objectContaining({ kind: 'TEAM_REVIEW', label: "Présenter le dossier à l'EPS", dossierId: ids.review, dueOn: addDays(today, -19 + 45), overdue: false, stage: 'AWAITING_TEAM_REVIEW', path: `/parcours/${ids.review}` }),
        expect.objectContaining({ kind: 'COLLECT_CONSENT', label: 'Recueillir le consentement écrit de la famille', dossierId: ids.consent, dueOn: addDays(today, -10 + 60), overdue: false, stage: 'AWAITING_CONSENT' }),
        expect.objectContaining({ kind: 'REASSESSMENT_DUE', label: 'Faire la réévaluation du parcours', dossierId: ids.active, dueOn: addMonths(addDays(today, -29), 3), overdue: false, stage: 'ACTIVE' }),
      ],
    });
    expect(JSON.stringify(body)).not.toContain(ids.other);
    const theirs = await tasksOf(other, 'referent');
    expect(theirs.items.map((i) => i.dossierId)).toEqual([ids.other]);
  });

  it('pages the list', async () => {
    const first = await tasksOf(referent, 'referent', '?pageSize=2');
    expect(first.items).toHaveLength(2);
    const second = await tasksOf(referent, 'referent', `?pageSize=2&pageToken=${first.nextPageToken}`);
    expect(second.items.map((i) => i.dossierId)).toEqual([ids.active]);
    expect(second.nextPageToken).toBeUndefined();
  });

  it("pages a list whose first page is read from its head only (the due date its last whole reading marked): the same items, in the same order, as the whole list; and when cases left the head, the whole list again", async () => {
    // a third référent: five consents expiring in 20, 25, 50, 55 and 58 days. Their first whole reading marks the third
    // due date (50 days) as holding the first item with room to spare and at most three quarters of the list: a page of
    // one is then read from the items due within 50 days only, the later pages from the whole list
    const soon = `u-ref-s${run}`;
    const referred = [-40, -35, -10, -5, -2];
    const mine: string[] = [];
    for (const d of referred) mine.push(await referCase(t, soon, addDays(today, d)));
    const whole = await eventually(async () => {
      const b = await tasksOf(soon, 'referent');
      return b.items.length === 5 && b.items.every((i) => i.kind === 'COLLECT_CONSENT' && i.stage === 'AWAITING_CONSENT') ? b : undefined;
    });
    expect(whole.items.map((i) => [i.dossierId, i.dueOn])).toEqual(referred.map((d, k) => [mine[k], addDays(today, d + 60)]));
    const pages: Task[][] = [];
    let token: string | undefined;
    do {
      const page = await tasksOf(soon, 'referent', `?pageSize=1${token ? `&pageToken=${token}` : ''}`);
      pages.push(page.items);
      token = page.nextPageToken;
    } while (token && pages.length < 7);
    expect(pages).toEqual(whole.items.map((i) => [i]));

    // the two first cases close: the head the marks name (due within 50 days) now holds one item, no more than the
    // page; the first page then comes from the whole list, with a next page
    const coordinator = await t.token('u-coord-1', 'coordinator');
    for (const id of mine.slice(0, 2)) {
      const closed = await t.http().post(`/parcours/${id}/closure`).set('Authorization', `Bearer ${coordinator}`).send({ reason: 'OTHER', closedOn: today, summary: 'Fin', motive: 'Test' });
      expect(closed.status).toBe(200);
    }
    const first = await eventually(async () => {
      const b = await tasksOf(soon, 'referent', '?pageSize=1');
      return b.items[0]?.dossierId === mine[2] ? b : undefined;
    });
    expect(first.items.map((i) => [i.dossierId, i.dueOn])).toEqual([[mine[2], addDays(today, 50)]]);
    const rest = await tasksOf(soon, 'referent', `?pageSize=5&pageToken=${first.nextPageToken}`);
    expect(rest.items.map((i) => i.dossierId)).toEqual([mine[3], mine[4]]);
    expect(rest.nextPageToken).toBeUndefined();
  });

  it('gives the coordinator the cases waiting for the EPS, due at the next meeting', async () => {
    const body = await tasksOf('u-coord-1', 'coordinator');
    const review = body.items.find((i) => i.dossierId === ids.review);
    expect(review).toMatchObject({ kind: 'TEAM_REVIEW', stage: 'AWAITING_TEAM_REVIEW' });
    expect(review!.dueOn! >= today).toBe(true);
    expect(body.items.some((i) => i.dossierId === ids.consent)).toBe(false);
  });

  it('gives the coordinator every overdue case with the EPS reviews, overdue first: an active case with an action past its end', async () => {
    const late = `u-ref-o${run}`;
    const id = await referCase(t, late, addDays(today, -59));
    await grantConsent(t, late, id, addDays(today, -58));
    await validateCase(t, late, id, addDays(today, -57));
    const action = await t.http().post(`/parcours/${id}/actions`).set('Authorization', `Bearer ${await t.token(late, 'referent')}`)
      .send({ type: 'SCHOOL_SUPPORT', provider: 'Association Lire et Faire Lire', startsOn: addDays(today, -50), endsOn: addDays(today, -10), frequency: 'WEEKLY' });
    expect(action.status).toBe(201);
    const body = await eventually(async () => {
      const b = await tasksOf('u-coord-1', 'coordinator', '?pageSize=500');
      return b.items.some((i) => i.dossierId === id && i.overdue) ? b : undefined;
    });
    expect(body.items.filter((i) => i.dossierId === id)).toEqual([expect.objectContaining({ dueOn: addDays(today, -10), overdue: true, stage: 'ACTIVE', path: `/parcours/${id}` })]);
    // with the EPS reviews, after the overdue
    expect(body.items.find((i) => i.dossierId === ids.review)).toMatchObject({ kind: 'TEAM_REVIEW', overdue: false });
    expect(body.items.findIndex((i) => i.dossierId === id)).toBeLessThan(body.items.findIndex((i) => i.dossierId === ids.review));
    // and its référent sees the same task
    const theirs = (await tasksOf(late, 'referent')).items;
    expect(theirs).toEqual([body.items.find((i) => i.dossierId === id)]);
  });

  it('answers an empty list to a role without tasks of its own, and 400 to a bad page token', async () => {
    expect(await tasksOf('u-sup-1', 'supervisor')).toEqual({ items: [] });
    expect(await tasksOf('u-fin-1', 'finance')).toEqual({ items: [] });
    const bad = await t.http().get('/me/tasks?pageToken=nope').set('Authorization', `Bearer ${await t.token(referent, 'referent')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ field: 'pageToken', message: 'pageToken must be the nextPageToken of a previous page of the same list (same filters)' }]);
  });
});
