/**
 * `GET /referents/{referentId}/caseload` on the dev server: a référent's open cases by stage, the overdue ones and
 * the next action of each, from the cases' search attributes; a référent reads their own only.
 */
import { eventually, startTestApp, type TestApp } from '../support/app';
import { ensureMeeting } from '../support/team-meetings';

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString().slice(0, 10);

function referral(firstName: string, referredOn: string) {
  return {
    referredOn,
    child: { firstName, lastName: 'Caseload', birthDate: '2015-04-04', sex: 'M', address: { line1: '3 rue de Mirande', postcode: '21000', city: 'Dijon' }, qpv: 'GRESILLES' },
    guardians: [{ firstName: 'Nadia', lastName: 'Caseload', relationship: 'MOTHER' }],
    orienteur: { type: 'SCHOOL' },
    reasons: ['SCHOOL_RESULTS'],
  };
}

interface Item {
  dossierId: string;
  stage: string;
  action: string;
  label: string;
  dueOn: string | null;
  deadlineKind: string | null;
  overdue: boolean;
}
interface Caseload {
  referentId: string;
  asOf: string;
  openCases: number;
  byStage: Record<string, number>;
  overdue: Item[];
  nextActions: Item[];
  limit: number;
  truncated: boolean;
}

describe('GET /referents/{referentId}/caseload', () => {
  let t: TestApp;
  let coord: string;
  let refA: string;
  let refB: string;
  const A = 'u-ref-case-a';
  const B = 'u-ref-case-b';
  const ids = { waiting: '', overdue: '', active: '', closed: '', other: '' };

  const post = async (path: string, token: string, body: object, status: number) => {
    const res = await t.http().post(path).set('Authorization', `Bearer ${token}`).send(body);
    if (res.status !== status) throw new Error(`${path}: expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body as { dossierId: string; stage: string };
  };
  const consent = (signedOn: string) => ({ decision: 'GRANTED', signedOn, signedBy: [{ name: 'Nadia Caseload', relationship: 'MOTHER' }], dataSharingInformed: true });
  const get = (referentId: string, token: string) => t.http().get(`/referents/${referentId}/caseload`).set('Authorization', `Bearer ${token}`);

  beforeAll(async () => {
    t = await startTestApp();
    [coord, refA, refB] = await Promise.all([t.token('u-coord-8', 'coordinator'), t.token(A, 'referent'), t.token(B, 'referent')]);
    const meetingId = await ensureMeeting(t.http, coord, daysAgo(10));
    // A: one waiting for consent, one waiting for the EPS past its escalation (overdue), one active, one closed
    ids.waiting = (await post('/parcours', refA, referral('Ali', daysAgo(5)), 201)).dossierId;
    ids.overdue = (await post('/parcours', refA, referral('Basile', daysAgo(55)), 201)).dossierId;
    await post(`/parcours/${ids.overdue}/consent`, refA, consent(daysAgo(50)), 200);
    ids.active = (await post('/parcours', refA, referral('Cyril', daysAgo(20)), 201)).dossierId;
    await post(`/parcours/${ids.active}/consent`, refA, consent(daysAgo(15)), 200);
    await post(`/parcours/${ids.active}/team-reviews`, coord, { meetingId, decision: 'VALIDATED', objectives: [{ label: 'Lire' }], referentId: A, durationMonths: 12 }, 200);
    ids.closed = (await post('/parcours', refA, referral('Denis', daysAgo(5)), 201)).dossierId;
    await post(`/parcours/${ids.closed}/closure`, coord, { reason: 'OTHER', closedOn: daysAgo(0), summary: 'Fin', motive: 'Test' }, 200);
    // B's case
    ids.other = (await post('/parcours', refB, referral('Emile', daysAgo(5)), 201)).dossierId;
  });
  afterAll(async () => {
    await t?.close();
  });

  it("gives a référent's open cases by stage, the overdue ones and each one's next action, from search attributes, without names", async () => {
    const body = await eventually(async () => {
      const res = await get(A, coord);
      if (res.status !== 200) throw new Error(`${res.status}: ${JSON.stringify(res.body)}`);
      const c = res.body as Caseload;
      return c.openCases === 3 && c.overdue.length === 1 && c.byStage.ACTIVE === 1 ? c : undefined;
    });
    expect({ referentId: body.referentId, openCases: body.openCases, byStage: body.byStage, limit: body.limit, truncated: body.truncated }).toEqual({
      referentId: A,
      openCases: 3,
      byStage: { REFERRED: 0, AWAITING_CONSENT: 1, AWAITING_TEAM_REVIEW: 1, ACTIVE: 1 },
      limit: 500,
      truncated: false,
    });
    expect(body.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(body.overdue).toEqual([
      { dossierId: ids.overdue, stage: 'AWAITING_TEAM_REVIEW', action: 'TEAM_REVIEW', label: "Présenter le dossier à l'EPS", dueOn: expect.any(String), deadlineKind: 'TEAM_REVIEW', overdue: true },
    ]);
    expect(body.overdue[0].dueOn! < body.asOf).toBe(true);
    const next = new Map(body.nextActions.map((i) => [i.dossierId, i]));
    expect([...next.keys()].sort()).toEqual([ids.waiting, ids.active].sort());
    expect(next.get(ids.waiting)).toMatchObject({ stage: 'AWAITING_CONSENT', action: 'COLLECT_CONSENT', overdue: false });
    expect(next.get(ids.active)).toMatchObject({ stage: 'ACTIVE', overdue: false });
    expect(next.get(ids.active)!.dueOn).not.toBeNull();
    // soonest first
    const dues = body.nextActions.map((i) => i.dueOn ?? '9999-12-31');
    expect(dues).toEqual([...dues].sort());
    const text = JSON.stringify(body);
    expect(text).not.toContain(ids.closed);
    expect(text).not.toContain(ids.other);
    expect(text).not.toMatch(/Ali|Basile|Cyril|Caseload|Mirande|Nadia/);
  });

  it('a référent reads their own caseload (the same answer), not another’s (403); a supervisor reads any, finance none', async () => {
    const own = await get(A, refA);
    expect(own.status).toBe(200);
    expect((own.body as Caseload).openCases).toBe(3);
    const other = await get(B, refA);
    expect({ status: other.status, type: other.body.type, detail: other.body.detail }).toEqual({
      status: 403,
      type: 'urn:pre-orchestrator:problem:not-assigned',
      detail: 'A référent reads their own caseload only: use your own id.',
    });
    const theirs = await eventually(async () => {
      const c = (await get(B, refB)).body as Caseload;
      return c.openCases === 1 ? c : undefined;
    });
    expect(theirs.nextActions.map((i) => i.dossierId)).toEqual([ids.other]);
    const sup = await t.token('u-sup-8', 'supervisor');
    expect((await get(A, sup)).status).toBe(200);
    const fin = await t.token('u-fin-8', 'finance');
    expect((await get(A, fin)).status).toBe(403);
    // nobody's id: an empty caseload; not a staff id: 400
    expect(((await get('u-nobody', coord)).body as Caseload).openCases).toBe(0);
    expect((await get('bad%20id', coord)).status).toBe(400);
  });
});
