/**
 * A child's parcours through the real HTTP API, a real worker and the run's Temporal dev server: the API.md
 * example bodies as written, every refusal path, idempotent retries and concurrent updates.
 */
import request, { type Response } from 'supertest';
import { ACTION, ACTION_DONE, CLOSURE, CONSENT, LIFE_EVENT, onExampleDay, REASSESSMENT, REFERRAL, RENEWAL, TEAM_REVIEW } from '../support/api-examples';
import { addMonths } from '../../workflows/shared/calendar';
import { eventually, startTestApp, type TestApp } from '../support/app';
import { ensureMeeting } from '../support/team-meetings';

/** Another child (the duplicate check is per child): same body, other first name. */
function referralOf(firstName: string, extra: Record<string, unknown> = {}) {
  return { ...REFERRAL, child: { ...REFERRAL.child, firstName }, ...extra };
}

interface View {
  dossierId: string;
  stage: string;
  referentId: string | null;
  eligibility: { eligible: boolean; ruleVersion: string; reasons: string[] } | null;
  objectives: Array<{ id: string; label: string }>;
  actions: Array<{ id: string; status: string; type: string }>;
  deadlines: Array<{ kind: string; dueOn: string }>;
  closure: { reason: string; closedOn: string } | null;
  pendingClosure: { reason: string; dueOn: string } | null;
  reassessments: unknown[];
  plan: { totalMonths: number; endsOn: string } | null;
  accepts: string[];
  timeline: { count: number };
}
interface Entry {
  seq: number;
  type: string;
  actor: { sub: string; role: string };
  at: string;
  idempotencyKey?: string;
}

describe('parcours over HTTP', () => {
  let t: TestApp;
  let coord: string;
  let ref1: string;
  let ref2: string;
  let sup: string;
  let fin: string;
  /** One listening server for the whole file: supertest's per-request listen/close races under 20 parallel requests. */
  let http: () => ReturnType<typeof request>;

  beforeAll(async () => {
    t = await startTestApp();
    // startTestApp already listens on a loopback port
    const url = await t.app.getUrl();
    http = () => request(url);
    [coord, ref1, ref2, sup, fin] = await Promise.all([
      t.token('u-coord-1', 'coordinator'),
      t.token('u-ref-1', 'referent'),
      t.token('u-ref-2', 'referent'),
      t.token('u-sup-1', 'supervisor'),
      t.token('u-fin-1', 'finance'),
    ]);
    // the EPS meeting TEAM_REVIEW names
    await ensureMeeting(http, coord);
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (path: string, token: string, body: unknown, key?: string) => {
    const req = http().post(path).set('Authorization', `Bearer ${token}`);
    return (key ? req.set('Idempotency-Key', key) : req).send(body as object);
  };
  const patch = (path: string, token: string, body: unknown, key?: string) => {
    const req = http().patch(path).set('Authorization', `Bearer ${token}`);
    return (key ? req.set('Idempotency-Key', key) : req).send(body as object);
  };
  const get = (path: string, token: string) => http().get(path).set('Authorization', `Bearer ${token}`);
  const view = (res: Response) => res.body as View;
  const ok = (res: Response, status: number) => {
    if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body as View;
  };
  const timeline = async (dossierId: string) => (await get(`/parcours/${dossierId}/timeline`, coord)).body.items as Entry[];

  /** A case referred by u-ref-1 and consented (AWAITING_TEAM_REVIEW), or validated (ACTIVE). */
  async function caseAt(firstName: string, stage: 'AWAITING_CONSENT' | 'AWAITING_TEAM_REVIEW' | 'ACTIVE'): Promise<string> {
    const created = ok(await post('/parcours', ref1, referralOf(firstName)), 201);
    if (stage === 'AWAITING_CONSENT') return created.dossierId;
    ok(await post(`/parcours/${created.dossierId}/consent`, ref1, CONSENT), 200);
    if (stage === 'AWAITING_TEAM_REVIEW') return created.dossierId;
    ok(await post(`/parcours/${created.dossierId}/team-reviews`, coord, TEAM_REVIEW), 200);
    return created.dossierId;
  }

  describe('the happy path with the API.md bodies', () => {
    it('referral → consent → EPS VALIDATED → two actions → reassessment → renewal → closure OBJECTIVES_MET', async () => {
      const created = await post('/parcours', ref1, REFERRAL);
      expect(created.status).toBe(201);
      const first = view(created);
      expect(first).toMatchObject({
        dossierId: expect.stringMatching(/^D-[0-9A-HJKMNP-TV-Z]{10}$/),
        stage: 'AWAITING_CONSENT',
        referentId: 'u-ref-1',
        eligibility: { eligible: true, ruleVersion: 'qpv-2024-dijon-v1', reasons: ['AGE_IN_RANGE', 'QPV_ELIGIBLE'] },
        objectives: [],
        actions: [],
      });
      expect(first.deadlines).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'CONSENT_EXPIRY', dueOn: onExampleDay('2027-01-19') })]));
      const id = first.dossierId;

      const consent = ok(await post(`/parcours/${id}/consent`, ref1, CONSENT), 200);
      expect(consent.stage).toBe('AWAITING_TEAM_REVIEW');

      const review = ok(await post(`/parcours/${id}/team-reviews`, coord, TEAM_REVIEW), 200);
      expect(review).toMatchObject({ stage: 'ACTIVE', referentId: 'u-ref-1', objectives: [{ id: 'o1', label: 'Read fluently by June' }], plan: { totalMonths: 12 } });

      const a1 = ok(await post(`/parcours/${id}/actions`, ref1, ACTION), 201);
      expect(a1.actions).toEqual([expect.objectContaining({ id: 'a1', status: 'SCHEDULED', type: 'SCHOOL_SUPPORT' })]);
      const a2 = ok(await post(`/parcours/${id}/actions`, ref1, { type: 'SPORT', provider: 'ASPTT Dijon', startsOn: onExampleDay('2027-01-06'), sessions: 20, frequency: 'WEEKLY', objectiveIds: ['o1'] }), 201);
      expect(a2.actions.map((a) => [a.id, a.status])).toEqual([
        ['a1', 'SCHEDULED'],
        ['a2', 'SCHEDULED'],
      ]);

      const reassessed = ok(await post(`/parcours/${id}/reassessments`, ref1, REASSESSMENT), 200);
      expect(reassessed.reassessments).toHaveLength(1);
      expect(reassessed.objectives[0]).toMatchObject({ id: 'o1', lastLevel: 'PARTIAL' });

      // renewed at an EPS before the closure of 30 June 2027 (the shared renewal's EPS is in November 2027)
      const renewed = ok(await post(`/parcours/${id}/renewals`, coord, { ...RENEWAL, meetingDate: onExampleDay('2027-06-01') }), 200);
      expect(renewed.plan).toMatchObject({ totalMonths: 18, endsOn: addMonths(onExampleDay('2026-12-01'), 18) }); // 12 months from the EPS of TEAM_REVIEW, then 6 more

      const done = ok(await patch(`/parcours/${id}/actions/a1`, ref1, ACTION_DONE), 200);
      expect(done.actions[0]).toMatchObject({ id: 'a1', status: 'DONE' });

      const closed = ok(await post(`/parcours/${id}/closure`, coord, CLOSURE), 200);
      expect(closed).toMatchObject({ stage: 'CLOSED', closure: { reason: 'OBJECTIVES_MET', closedOn: CLOSURE.closedOn }, accepts: [] });
      expect(closed.actions.map((a) => a.status)).toEqual(['DONE', 'STOPPED']);

      // a closed case is still readable (queries on the completed workflow) and its timeline names every actor
      const read = await get(`/parcours/${id}`, sup);
      expect(read.status).toBe(200);
      expect(view(read)).toMatchObject({ stage: 'CLOSED', closure: { reason: 'OBJECTIVES_MET' } });
      // reminders fire by the wall clock: the API.md dates (November 2026) lie in the past by now, so the
      // consent reminder may already be due when the case starts; the steps the staff took are asserted here
      const items = (await timeline(id)).filter((e) => e.type !== 'REMINDER_SENT');
      expect(items.map((e) => e.type)).toEqual([
        'REFERRAL_RECEIVED',
        'ELIGIBILITY_CHECKED',
        'CONSENT_RECORDED',
        'TEAM_REVIEW_RECORDED',
        'ACTION_SCHEDULED',
        'ACTION_SCHEDULED',
        'REASSESSMENT_RECORDED',
        'RENEWED',
        'ACTION_CHANGED',
        'CLOSED',
      ]);
      expect(items.filter((e) => e.type !== 'ELIGIBILITY_CHECKED').map((e) => e.actor)).toEqual([
        { sub: 'u-ref-1', role: 'referent' },
        { sub: 'u-ref-1', role: 'referent' },
        { sub: 'u-coord-1', role: 'coordinator' },
        { sub: 'u-ref-1', role: 'referent' },
        { sub: 'u-ref-1', role: 'referent' },
        { sub: 'u-ref-1', role: 'referent' },
        { sub: 'u-coord-1', role: 'coordinator' },
        { sub: 'u-ref-1', role: 'referent' },
        { sub: 'u-coord-1', role: 'coordinator' },
      ]);
      expect(items.every((e) => !Number.isNaN(Date.parse(e.at)))).toBe(true);

      // the closed case is held for its retention period (DOMAIN.md §5): still running, readable, purge day shown
      const described = await t.client.workflow.getHandle(`parcours-${id}`).describe();
      expect(described.status.name).toBe('RUNNING');
      expect(described.typedSearchAttributes.getAll().find((p) => p.key.name === 'PreRetention')?.value).toBe('HELD');

      // and the list finds it by closure reason
      const listed = await eventually(async () => {
        const res = await get('/parcours?closureReason=OBJECTIVES_MET', coord);
        return (res.body.items as Array<{ dossierId: string }>).find((x) => x.dossierId === id);
      });
      expect(listed).toMatchObject({ dossierId: id, stage: 'CLOSED', qpv: 'GRESILLES', ageBand: '6-10', referentId: 'u-ref-1', closureReason: 'OBJECTIVES_MET', workflowStatus: 'RUNNING' });
      expect(JSON.stringify(listed)).not.toMatch(/Lina|Benali/);
      // the run that continued-as-new at the reassessment is the same case: listed once
      const mine = await get('/parcours?referentId=u-ref-1&pageSize=500', coord);
      expect((mine.body.items as Array<{ dossierId: string }>).filter((x) => x.dossierId === id)).toHaveLength(1);
      expect((await t.client.workflow.count(`WorkflowId = 'parcours-${id}'`)).count).toBeGreaterThanOrEqual(2);

      // 409 closed: every change is refused, with the closure reason
      const after = await post(`/parcours/${id}/events`, ref1, LIFE_EVENT);
      expect({ status: after.status, body: after.body }).toEqual({
        status: 409,
        body: {
          type: 'urn:pre-orchestrator:problem:closed',
          title: 'Conflict',
          status: 409,
          detail: `The case is closed (OBJECTIVES_MET on ${CLOSURE.closedOn}) and accepts no change.`,
          failureType: 'Closed',
          dossierId: id,
          stage: 'CLOSED',
          closureReason: 'OBJECTIVES_MET',
          instance: `/parcours/${id}/events`,
        },
      });
      // the same child may now be referred again: the closed case is no duplicate
      const again = await post('/parcours', coord, REFERRAL);
      expect(again.status).toBe(201);
      expect(view(again).dossierId).not.toBe(id);
      ok(await post(`/parcours/${view(again).dossierId}/closure`, coord, { reason: 'OTHER', closedOn: onExampleDay('2026-11-27'), summary: 'Test', motive: 'Doublon de test' }), 200);
    });
  });

  describe('refusals', () => {
    it('400: an unknown field and a bad enum, each named', async () => {
      const res = await post('/parcours', coord, { ...REFERRAL, nickname: 'Lili', orienteur: { type: 'TEACHER' } });
      expect({ status: res.status, body: res.body }).toEqual({
        status: 400,
        body: {
          type: 'urn:pre-orchestrator:problem:validation',
          title: 'Bad Request',
          status: 400,
          detail: 'The request is invalid: nickname, orienteur.type.',
          errors: [
            { field: 'nickname', message: 'unknown field "nickname" is not allowed' },
            { field: 'orienteur.type', message: 'type must be one of the following values: SCHOOL, PMI, SOCIAL_SERVICES, HEALTH, ASSOCIATION, FAMILY, OTHER' },
          ],
          instance: '/parcours',
        },
      });
    });

    it('404: an unknown dossier, read or changed', async () => {
      for (const res of [await get('/parcours/D-0000000000', coord), await post('/parcours/D-0000000000/consent', coord, CONSENT)]) {
        expect({ status: res.status, body: res.body }).toEqual({
          status: 404,
          body: { type: 'urn:pre-orchestrator:problem:not-found', title: 'Not Found', status: 404, detail: 'No case D-0000000000.', dossierId: 'D-0000000000', instance: expect.stringMatching(/^\/parcours\/D-0000000000/) },
        });
      }
    });

    it('409: a change the stage does not accept, with a sentence naming the stage and what it accepts', async () => {
      const id = await caseAt('Ines', 'AWAITING_CONSENT');
      const res = await post(`/parcours/${id}/team-reviews`, coord, TEAM_REVIEW);
      expect({ status: res.status, body: res.body }).toEqual({
        status: 409,
        body: expect.objectContaining({
          type: 'urn:pre-orchestrator:problem:invalid-transition',
          status: 409,
          detail: 'The case is in stage AWAITING_CONSENT, which accepts: consent, events, derogations, referent, closure.',
          stage: 'AWAITING_CONSENT',
        }),
      });
      // what a supervisor sees in the Temporal UI: a summary and details without personal data, typed search attributes
      const described = await t.client.workflow.getHandle(`parcours-${id}`).describe();
      expect(await described.staticSummary()).toBe("Parcours PRE · Grésilles · 6–10 ans · orienté par l'école");
      const details = await described.staticDetails();
      expect(details).toContain(`**Dossier** : ${id}`);
      expect(details).not.toMatch(new RegExp(`Ines|Benali|${REFERRAL.child.birthDate}|Cirey|SOCIAL_ISOLATION`));
      const attributes = Object.fromEntries(described.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value instanceof Date ? p.value.toISOString() : p.value]));
      expect(attributes).toMatchObject({ PreStage: 'AWAITING_CONSENT', PreQpv: 'GRESILLES', PreAgeBand: '6-10', PreReferentId: 'u-ref-1', PreReferredOn: `${REFERRAL.referredOn}T00:00:00.000Z`, PreChildKey: expect.stringMatching(/^[0-9a-f]{64}$/) });
    });

    it('409: a second open referral for the same child names the existing case (names written differently)', async () => {
      const existing = await caseAt('Nour', 'AWAITING_CONSENT');
      const res = await post('/parcours', coord, { ...referralOf('  NOUR '), child: { ...referralOf('nour').child, lastName: 'BENALI' } });
      expect({ status: res.status, body: res.body }).toEqual({
        status: 409,
        body: {
          type: 'urn:pre-orchestrator:problem:duplicate',
          title: 'Conflict',
          status: 409,
          detail: `An open case already exists for this child: ${existing}. Add to that case instead of referring the child again.`,
          failureType: 'Duplicate',
          dossierId: existing,
          instance: '/parcours',
        },
      });
    });

    it('422: dates out of order, a missing motive; 404 unknown action; 409 an action already done', async () => {
      const id = await caseAt('Yasmine', 'AWAITING_CONSENT');
      const early = await post(`/parcours/${id}/consent`, ref1, { ...CONSENT, signedOn: onExampleDay('2026-11-01') });
      expect({ status: early.status, body: early.body }).toEqual({
        status: 422,
        body: expect.objectContaining({ type: 'urn:pre-orchestrator:problem:rule-violation', detail: `The consent date (${onExampleDay('2026-11-01')}) is before the referral date (${REFERRAL.referredOn}).` }),
      });
      const neighbour = await post(`/parcours/${id}/consent`, ref1, { ...CONSENT, signedBy: [{ name: 'Voisine', relationship: 'OTHER' }] });
      expect({ status: neighbour.status, body: neighbour.body }).toEqual({
        status: 422,
        body: expect.objectContaining({
          type: 'urn:pre-orchestrator:problem:rule-violation',
          detail: 'Consent GRANTED needs the signature of a holder of parental authority (MOTHER, FATHER, LEGAL_GUARDIAN); signedBy has none.',
          code: 'CONSENT_PARENTAL_AUTHORITY',
        }),
      });
      // signed in a week (the API's date window lets it through, the case's rule does not)
      const nextWeek = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
      const ahead = await post(`/parcours/${id}/consent`, ref1, { ...CONSENT, signedOn: nextWeek });
      expect({ status: ahead.status, code: ahead.body.code }).toEqual({ status: 422, code: 'CONSENT_DATE_IN_FUTURE' });
      expect(view(await get(`/parcours/${id}`, coord)).stage).toBe('AWAITING_CONSENT');
      ok(await post(`/parcours/${id}/consent`, ref1, CONSENT), 200);
      ok(await post(`/parcours/${id}/team-reviews`, coord, TEAM_REVIEW), 200);
      const backwards = await post(`/parcours/${id}/actions`, ref1, { ...ACTION, startsOn: ACTION.endsOn, endsOn: ACTION.startsOn });
      expect({ status: backwards.status, body: backwards.body }).toEqual({
        status: 422,
        body: expect.objectContaining({ type: 'urn:pre-orchestrator:problem:rule-violation', detail: `The action ends (${ACTION.startsOn}) before it starts (${ACTION.endsOn}).` }),
      });
      const unknownAction = await patch(`/parcours/${id}/actions/a9`, ref1, ACTION_DONE);
      expect({ status: unknownAction.status, detail: unknownAction.body.detail }).toEqual({ status: 404, detail: 'The case has no action "a9".' });
      ok(await post(`/parcours/${id}/actions`, ref1, ACTION), 201);
      const cancelled = await patch(`/parcours/${id}/actions/a1`, ref1, { status: 'CANCELLED' });
      expect({ status: cancelled.status, detail: cancelled.body.detail }).toEqual({ status: 422, detail: 'Cancelling an action needs a motive.' });
      // a schema-valid body that changes nothing (every field is optional) is a rule of the action, not a malformed request
      const nothing = await patch(`/parcours/${id}/actions/a1`, ref1, {});
      expect({ status: nothing.status, detail: nothing.body.detail }).toEqual({
        status: 422,
        detail: 'Nothing to change: send a status (DONE, CANCELLED) or changed dates, sessions, frequency or provider.',
      });
      ok(await patch(`/parcours/${id}/actions/a1`, ref1, ACTION_DONE), 200);
      const twice = await patch(`/parcours/${id}/actions/a1`, ref1, { status: 'CANCELLED', motive: 'Erreur' });
      expect({ status: twice.status, detail: twice.body.detail }).toEqual({ status: 409, detail: 'The action a1 is already DONE and cannot change.' });
      const noMotive = await post(`/parcours/${id}/derogations`, coord, { kind: 'DURATION', decidedOn: onExampleDay('2027-01-10'), maxTotalMonths: 36 });
      expect(noMotive.status).toBe(422);
      expect(noMotive.body.detail).toBe('A derogation needs a written motive.');
    });

    it('403: a référent on a case not assigned to them (read, change, timeline, list), and finance', async () => {
      const id = await caseAt('Salma', 'AWAITING_CONSENT');
      for (const res of [await get(`/parcours/${id}`, ref2), await get(`/parcours/${id}/timeline`, ref2), await post(`/parcours/${id}/consent`, ref2, CONSENT)]) {
        expect({ status: res.status, body: res.body }).toEqual({
          status: 403,
          body: {
            type: 'urn:pre-orchestrator:problem:not-assigned',
            title: 'Forbidden',
            status: 403,
            detail: `Case ${id} is followed by another référent: only its référent or a coordinator may access it.`,
            dossierId: id,
            instance: expect.stringMatching(new RegExp(`^/parcours/${id}`)),
          },
        });
      }
      expect((await get('/parcours?referentId=u-ref-1', ref2)).status).toBe(403);
      // the list of u-ref-2 never shows u-ref-1's cases; u-ref-1 sees theirs
      await eventually(async () => ((await get('/parcours', ref1)).body.items as Array<{ dossierId: string }>).some((x) => x.dossierId === id));
      const theirs = await get('/parcours?pageSize=500', ref2);
      expect(theirs.status).toBe(200);
      expect((theirs.body.items as Array<{ referentId: string }>).every((x) => x.referentId === 'u-ref-2')).toBe(true);
      // a supervisor reads but never changes
      expect((await get(`/parcours/${id}`, sup)).status).toBe(200);
      expect((await post(`/parcours/${id}/consent`, sup, CONSENT)).status).toBe(403);
      // a référent cannot decide for the EPS nor close
      expect((await post(`/parcours/${id}/closure`, ref1, CLOSURE)).status).toBe(403);
      // finance never reads a child's case
      for (const res of [await get(`/parcours/${id}`, fin), await get('/parcours', fin), await post('/parcours', fin, REFERRAL)]) expect(res.status).toBe(403);
      // once the case is handed to u-ref-2, they may act on it and u-ref-1 may not
      const put = await http().put(`/parcours/${id}/referent`).set('Authorization', `Bearer ${coord}`).send({ referentId: 'u-ref-2' });
      expect(put.status).toBe(200);
      expect(view(put).referentId).toBe('u-ref-2');
      expect((await post(`/parcours/${id}/consent`, ref2, CONSENT)).status).toBe(200);
      expect((await get(`/parcours/${id}`, ref1)).status).toBe(403);
    });
  });

  describe('Idempotency-Key', () => {
    it('a retried referral returns the same case and first answer, and starts one case only', async () => {
      const body = referralOf('Maya');
      const first = await post('/parcours', ref1, body, 'ref-maya-1');
      const second = await post('/parcours', ref1, body, 'ref-maya-1');
      expect(first.status).toBe(201);
      expect(second.status).toBe(201);
      expect(second.body).toEqual(first.body);
      const id = view(first).dossierId;
      const items = await timeline(id);
      expect(items.filter((e) => e.type === 'REFERRAL_RECEIVED')).toHaveLength(1);
      const runs = await eventually(async () => {
        const list = t.client.workflow.list({ query: `WorkflowId = 'parcours-${id}'` });
        const found = [];
        for await (const w of list) found.push(w);
        return found.length > 0 ? found : undefined;
      });
      expect(runs).toHaveLength(1);
    });

    it('a retried change applies once and replays the first answer (consent, action, closure)', async () => {
      const id = await caseAt('Aya', 'AWAITING_CONSENT');
      const c1 = await post(`/parcours/${id}/consent`, ref1, CONSENT, 'consent-aya');
      const c2 = await post(`/parcours/${id}/consent`, ref1, CONSENT, 'consent-aya');
      expect([c1.status, c2.status]).toEqual([200, 200]);
      expect(c2.body).toEqual(c1.body);
      ok(await post(`/parcours/${id}/team-reviews`, coord, TEAM_REVIEW), 200);
      const a1 = await post(`/parcours/${id}/actions`, ref1, ACTION, 'action-aya-1');
      const a2 = await post(`/parcours/${id}/actions`, ref1, ACTION, 'action-aya-1');
      expect([a1.status, a2.status]).toEqual([201, 201]);
      expect(a2.body).toEqual(a1.body);
      expect(view(a2).actions).toHaveLength(1);
      // across continue-as-new (after a reassessment): Temporal's own dedup is per run, the workflow's carried keys replay
      const r1 = await post(`/parcours/${id}/reassessments`, ref1, REASSESSMENT, 'reassess-aya');
      expect(r1.status).toBe(200);
      await eventually(async () => (await t.client.workflow.count(`WorkflowId = 'parcours-${id}'`)).count >= 2);
      const r2 = await post(`/parcours/${id}/reassessments`, ref1, REASSESSMENT, 'reassess-aya');
      expect(r2.status).toBe(200);
      expect(r2.body).toEqual(r1.body);
      const close = { reason: 'HANDED_OVER', closedOn: onExampleDay('2027-03-15'), summary: 'Relais au centre social.', handedOverTo: 'Centre social des Grésilles' };
      const k1 = await post(`/parcours/${id}/closure`, coord, close, 'close-aya');
      expect(k1.status).toBe(200);
      // the retry reaches a completed workflow: the case as it stands, not a 409
      const k2 = await post(`/parcours/${id}/closure`, coord, close, 'close-aya');
      expect(k2.status).toBe(200);
      expect(view(k2)).toMatchObject({ stage: 'CLOSED', closure: { reason: 'HANDED_OVER' } });
      const items = await timeline(id);
      expect(items.filter((e) => e.type === 'CONSENT_RECORDED')).toHaveLength(1);
      expect(items.filter((e) => e.type === 'ACTION_SCHEDULED')).toHaveLength(1);
      expect(items.filter((e) => e.type === 'REASSESSMENT_RECORDED')).toHaveLength(1);
      expect(items.filter((e) => e.type === 'CLOSED')).toHaveLength(1);
      expect(items.find((e) => e.type === 'CONSENT_RECORDED')?.idempotencyKey).toBe('consent-aya');
      // another key on the closed case: 409
      expect((await post(`/parcours/${id}/closure`, coord, close, 'close-aya-2')).status).toBe(409);
    });
  });

  describe('Idempotency-Key reused', () => {
    it('refuses the same key with another body or on another endpoint: 422 idempotency-key-reused naming the key; the case does not change', async () => {
      const id = await caseAt('Bérénice', 'AWAITING_CONSENT');
      const first = await post(`/parcours/${id}/consent`, ref1, CONSENT, 'consent-ines');
      expect(first.status).toBe(200);
      const otherBody = await post(`/parcours/${id}/consent`, ref1, { ...CONSENT, signedOn: onExampleDay('2026-11-26') }, 'consent-ines');
      expect(otherBody.status).toBe(422);
      expect(otherBody.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(otherBody.body).toMatchObject({
        type: 'urn:pre-orchestrator:problem:idempotency-key-reused',
        status: 422,
        idempotencyKey: 'consent-ines',
        detail: expect.stringMatching(/^The Idempotency-Key "consent-ines" was already used for a request with another body \(.+\); use a new key for a new request\.$/),
      });
      const otherEndpoint = await post(`/parcours/${id}/team-reviews`, coord, TEAM_REVIEW, 'consent-ines');
      expect(otherEndpoint.status).toBe(422);
      expect(otherEndpoint.body).toMatchObject({ type: 'urn:pre-orchestrator:problem:idempotency-key-reused', idempotencyKey: 'consent-ines' });
      // the same request still replays the first answer
      const again = await post(`/parcours/${id}/consent`, ref1, CONSENT, 'consent-ines');
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      const now = (await get(`/parcours/${id}`, coord)).body as View & { consent: { signedOn: string } };
      expect(now).toMatchObject({ stage: 'AWAITING_TEAM_REVIEW', consent: { signedOn: CONSENT.signedOn } });
      const items = await timeline(id);
      expect(items.filter((e) => e.type === 'CONSENT_RECORDED')).toHaveLength(1);
      expect(items.filter((e) => e.type === 'TEAM_REVIEW_RECORDED')).toHaveLength(0);
    });

    it('refuses a referral retried with the same key and another child: 422, one case', async () => {
      const first = await post('/parcours', ref1, referralOf('Apolline'), 'ref-apolline-1');
      expect(first.status).toBe(201);
      const other = await post('/parcours', ref1, referralOf('Clémentine'), 'ref-apolline-1');
      expect(other.status).toBe(422);
      expect(other.body).toMatchObject({ type: 'urn:pre-orchestrator:problem:idempotency-key-reused', idempotencyKey: 'ref-apolline-1' });
      const state = await get(`/parcours/${view(first).dossierId}`, coord);
      expect((state.body as { child: { firstName: string } }).child.firstName).toBe('Apolline');
    });
  });

  describe('concurrency', () => {
    it('20 concurrent actions with distinct keys: each applied exactly once', async () => {
      const id = await caseAt('Lou', 'ACTIVE');
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => post(`/parcours/${id}/actions`, ref1, { ...ACTION, provider: `Prestataire ${i + 1}` }, `lou-action-${i + 1}`)),
      );
      expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
      const state = view(await get(`/parcours/${id}`, coord));
      expect(state.actions).toHaveLength(20);
      expect(new Set(state.actions.map((a) => a.id)).size).toBe(20);
      const providers = (state.actions as unknown as Array<{ provider: string }>).map((a) => a.provider).sort();
      expect(providers).toEqual(Array.from({ length: 20 }, (_, i) => `Prestataire ${i + 1}`).sort());
      expect((await timeline(id)).filter((e) => e.type === 'ACTION_SCHEDULED')).toHaveLength(20);
    });

    it('20 concurrent consents with distinct keys: one applied, 19 refused with 409', async () => {
      const id = await caseAt('Hiba', 'AWAITING_CONSENT');
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => post(`/parcours/${id}/consent`, ref1, CONSENT, `hiba-consent-${i + 1}`)));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, ...Array(19).fill(409)]);
      for (const r of results.filter((x) => x.status === 409)) expect(r.body.detail).toMatch(/^The case is in stage AWAITING_TEAM_REVIEW, which accepts: /);
      expect((await timeline(id)).filter((e) => e.type === 'CONSENT_RECORDED')).toHaveLength(1);
    });
    it('5 concurrent referrals of one child: one case, four 409 naming it', async () => {
      const results = await Promise.all(Array.from({ length: 5 }, () => post('/parcours', coord, referralOf('Sofia'))));
      const created = results.filter((r) => r.status === 201);
      expect(created).toHaveLength(1);
      const id = view(created[0]).dossierId;
      const refused = results.filter((r) => r.status === 409);
      expect(refused).toHaveLength(4);
      for (const r of refused) expect(r.body).toMatchObject({ type: 'urn:pre-orchestrator:problem:duplicate', dossierId: id });
    });
  });

  describe('GET /parcours', () => {
    it('filters by stage, QPV and référent, pages with an opaque token, and holds no personal data', async () => {
      const ids = [await caseAt('Zoe', 'AWAITING_TEAM_REVIEW'), await caseAt('Lea', 'AWAITING_TEAM_REVIEW'), await caseAt('Emma', 'AWAITING_TEAM_REVIEW')];
      const all = await eventually(async () => {
        const res = await get('/parcours?stage=AWAITING_TEAM_REVIEW&qpv=GRESILLES&referentId=u-ref-1&pageSize=500', coord);
        const found = (res.body.items as Array<{ dossierId: string }>).filter((x) => ids.includes(x.dossierId));
        return found.length === 3 ? res.body : undefined;
      });
      for (const item of all.items) expect(item).toMatchObject({ stage: 'AWAITING_TEAM_REVIEW', qpv: 'GRESILLES', referentId: 'u-ref-1', workflowStatus: 'RUNNING' });
      expect(JSON.stringify(all)).not.toMatch(new RegExp(`Benali|${REFERRAL.child.birthDate}|Cirey`));
      const seen = new Set<string>();
      let token: string | null = null;
      let pages = 0;
      do {
        const res = await get(`/parcours?stage=AWAITING_TEAM_REVIEW&pageSize=2${token ? `&pageToken=${token}` : ''}`, coord);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        for (const x of res.body.items as Array<{ dossierId: string }>) seen.add(x.dossierId);
        token = res.body.nextPageToken;
        pages += 1;
      } while (token && pages < 50);
      for (const id of ids) expect(seen.has(id)).toBe(true);
      expect(pages).toBeGreaterThanOrEqual(2);
      const none = await get('/parcours?stage=AWAITING_TEAM_REVIEW&qpv=FONTAINE_D_OUCHE', coord);
      expect((none.body.items as Array<{ dossierId: string }>).some((x) => ids.includes(x.dossierId))).toBe(false);
      expect((await get('/parcours?overdue=true', coord)).status).toBe(200);
      const forged = await get('/parcours?pageToken=bm90LWEtdG9rZW4.bm90LWEtbWFj', coord);
      expect({ status: forged.status, errors: forged.body.errors }).toEqual({
        status: 400,
        errors: [{ field: 'pageToken', message: 'pageToken must be the nextPageToken of a previous page of the same list (same filters)' }],
      });
      // a token is bound to its list: another filter refuses it
      const page1 = await get('/parcours?stage=AWAITING_TEAM_REVIEW&pageSize=1', coord);
      expect(page1.body.nextPageToken).toEqual(expect.any(String));
      expect((await get(`/parcours?stage=ACTIVE&pageSize=1&pageToken=${page1.body.nextPageToken}`, coord)).status).toBe(400);
    });
  });
});
