/**
 * The funding convention over HTTP (API.md "Conventions and funding years"), on the real API, a real worker and the
 * run's Temporal dev server: the seed deliberation of the CCAS de Dijon (session of 3 July 2024) with the exact
 * example bodies of API.md, the 2024–2026 convention run to completion, and the refusals.
 */
import { randomUUID } from 'node:crypto';
import type request from 'supertest';
import { PRE_CONVENTION_REF, PRE_FUNDING_STAGE, PRE_FUNDING_YEAR, PRE_NEXT_DEADLINE } from '../../workflows/shared/search-attributes';
import {
  AWARD_NOTICE,
  BENEFICIARY_SIGNATURE,
  CONVENTION,
  FINANCIAL_REPORT_ACCEPTED,
  FINANCIAL_REPORT_SUBMITTED,
  PAYMENT,
  PUBLICATION,
  SEED_SESSION,
  SEED_SESSION_ANSWER,
  STATE_SIGNATURE,
  SUBSIDY_REQUEST,
  TRANSMISSION,
} from '../support/api-examples';
import { eventually, startTestApp, type TestApp } from '../support/app';

const HALF = 10000000;

const uniqueRef = () => `CPO-TEST-${randomUUID().slice(0, 8).toUpperCase()}`;
const answer = (res: request.Response) => ({ status: res.status, body: res.body as Record<string, any> });

describe('conventions and funding years over HTTP', () => {
  let t: TestApp;
  let finance: string;
  let supervisor: string;
  let referent: string;

  beforeAll(async () => {
    t = await startTestApp();
    finance = await t.token('u-fin-1', 'finance');
    supervisor = await t.token('u-sup-1', 'supervisor');
    referent = await t.token('u-ref-1', 'referent');
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (path: string, body: object, key?: string, token = finance) => {
    const req = t.http().post(path).set('Authorization', `Bearer ${token}`);
    if (key) req.set('Idempotency-Key', key);
    return req.send(body);
  };
  const get = (path: string, token = finance) => t.http().get(path).set('Authorization', `Bearer ${token}`);
  /** A year's view once its child workflow has started (the later signature starts it). */
  const yearStarted = (ref: string, year: number) =>
    eventually(async () => {
      const res = await get(`/conventions/${ref}/years/${year}`);
      return res.status === 200 && res.body.stage !== 'NOT_STARTED' ? (res.body as Record<string, any>) : undefined;
    });
  /** The convention's view once `check` holds (a year's change reaches the parent by signal). */
  const conventionWhen = (ref: string, check: (view: Record<string, any>) => boolean) =>
    eventually(async () => {
      const res = await get(`/conventions/${ref}`);
      return res.status === 200 && check(res.body) ? (res.body as Record<string, any>) : undefined;
    });

  /** Creates a convention in effect (seed session, legality, both signatures) under a fresh reference. */
  async function conventionInEffect(ref = uniqueRef()): Promise<string> {
    expect((await post('/conventions', { ...CONVENTION, reference: ref })).status).toBe(201);
    expect((await post(`/conventions/${ref}/deliberations`, SEED_SESSION)).status).toBe(201);
    expect((await post(`/conventions/${ref}/publication`, PUBLICATION)).status).toBe(200);
    expect((await post(`/conventions/${ref}/transmission`, TRANSMISSION)).status).toBe(200);
    expect((await post(`/conventions/${ref}/signatures`, BENEFICIARY_SIGNATURE)).status).toBe(200);
    expect((await post(`/conventions/${ref}/signatures`, STATE_SIGNATURE)).status).toBe(200);
    await yearStarted(ref, 2024);
    return ref;
  }

  describe('the seed convention CPO-PRE-2024-2026, step by step, then its three years to completion', () => {
    const ref = CONVENTION.reference;
    const base = `/conventions/${ref}`;

    it('POST /conventions creates the 2024–2026 convention: 201 with its years not started and the final report due 30 June 2027', async () => {
      const res = await post('/conventions', CONVENTION, 'seed-create');
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        reference: ref,
        stage: 'AWAITING_DELIBERATION',
        subject: CONVENTION.subject,
        parties: CONVENTION.parties,
        annualAmountCents: 20000000,
        tranches: CONVENTION.tranches,
        finalReportDueOn: '2027-06-30',
        years: [
          { year: 2024, stage: 'NOT_STARTED', grantedCents: 20000000, receivedCents: 0, deadlines: expect.any(Array) },
          { year: 2025, stage: 'NOT_STARTED', grantedCents: 20000000, receivedCents: 0, deadlines: expect.any(Array) },
          { year: 2026, stage: 'NOT_STARTED', grantedCents: 20000000, receivedCents: 0, deadlines: expect.any(Array) },
        ],
        createdBy: { sub: 'u-fin-1', role: 'finance' },
      });
    });

    it('shows the convention in the Temporal UI: typed search attributes, static summary and details', async () => {
      const description = await t.client.workflow.getHandle(`convention-${ref}`).describe();
      expect(description.type).toBe('conventionWorkflow');
      expect(description.taskQueue).toBe(t.config.TEMPORAL_TASK_QUEUE);
      expect(description.typedSearchAttributes.get(PRE_CONVENTION_REF)).toBe(ref);
      expect(description.typedSearchAttributes.get(PRE_FUNDING_STAGE)).toBe('AWAITING_DELIBERATION');
      expect(await description.staticSummary()).toBe('CPO PRE 2024–2026 · État / CCAS de Dijon · 200 000 €/an');
      expect(await description.staticDetails()).toContain('Montant annuel : 200 000 €');
    });

    it('replays the first answer for the same Idempotency-Key, and refuses the same reference again with 409', async () => {
      const first = await get(base);
      const again = await post('/conventions', CONVENTION, 'seed-create');
      expect(again.status).toBe(201);
      expect(again.body).toMatchObject({ reference: ref, stage: 'AWAITING_DELIBERATION', createdAt: first.body.createdAt });
      const duplicate = await post('/conventions', CONVENTION);
      expect(duplicate.status).toBe(409);
      expect(duplicate.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(duplicate.body).toMatchObject({ status: 409, title: 'Conflict', detail: expect.stringContaining(ref) });
    });

    it("refuses the creation's Idempotency-Key on a deliberation with 422 naming the key, and records nothing", async () => {
      const reused = await post(`${base}/deliberations`, SEED_SESSION, 'seed-create');
      expect(reused.status).toBe(422);
      expect(reused.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(reused.body).toMatchObject({ status: 422, type: 'urn:pre-orchestrator:problem:idempotency-key-reused', idempotencyKey: 'seed-create', detail: expect.stringContaining('seed-create') });
      expect(reused.body).not.toHaveProperty('reference');
      const after = await get(base);
      expect(after.body).toMatchObject({ stage: 'AWAITING_DELIBERATION' });
      expect(after.body.adoptedDeliberationId ?? null).toBeNull();
    });

    it('refuses a year change before the convention takes effect: 409 saying what is missing; the year reads NOT_STARTED', async () => {
      const res = await post(`${base}/years/2024/request`, { sentOn: '2024-07-15' });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ status: 409, stage: 'AWAITING_DELIBERATION', year: 2024 });
      expect(res.body.detail).toMatch(/an adopted board deliberation, the publication, the transmission to the préfecture, the BENEFICIARY signature, the STATE signature/);
      const year = await get(`${base}/years/2024`, supervisor);
      expect(year.status).toBe(200);
      expect(year.body).toMatchObject({ year: 2024, stage: 'NOT_STARTED', grantedCents: 20000000, receivedCents: 0, conventionRef: ref });
    });

    it('records the session of 3 July 2024: 201, quorum 9 of 17 met exactly, 13 votes cast, adopted unanimously', async () => {
      const res = await post(`${base}/deliberations`, SEED_SESSION, 'seed-session');
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject(SEED_SESSION_ANSWER);
      expect(res.body.convention).toMatchObject({ reference: ref, stage: 'AWAITING_LEGALITY' });
      const replay = await post(`${base}/deliberations`, SEED_SESSION, 'seed-session');
      expect(answer(replay)).toEqual(answer(res));
      expect((await get(base)).body.deliberations).toHaveLength(1);
    });

    it('publishes and transmits the deliberation: enforceable on 5 July 2024, the préfet may challenge it until 5 September', async () => {
      const published = await post(`${base}/publication`, PUBLICATION);
      expect(published.status).toBe(200);
      expect(published.body).toMatchObject({ stage: 'AWAITING_LEGALITY', legality: { publishedOn: '2024-07-05', enforceable: false } });
      const transmitted = await post(`${base}/transmission`, TRANSMISSION);
      expect(transmitted.status).toBe(200);
      expect(transmitted.body).toMatchObject({
        stage: 'AWAITING_SIGNATURES',
        legality: {
          publishedOn: '2024-07-05',
          transmittedOn: '2024-07-05',
          acknowledgementRef: '021-262100016-20240705-D2024-41-DE',
          enforceableOn: '2024-07-05',
          enforceable: true,
          prefetWindowEndsOn: '2024-09-05',
        },
      });
    });

    it('takes effect at the later signature (BENEFICIARY then STATE) and starts each year; 2024 is authorised by the seed session', async () => {
      const first = await post(`${base}/signatures`, BENEFICIARY_SIGNATURE);
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ stage: 'AWAITING_SIGNATURES', effectiveOn: null });
      const second = await post(`${base}/signatures`, STATE_SIGNATURE);
      expect(second.status).toBe(200);
      expect(second.body).toMatchObject({ stage: 'IN_EFFECT', effectiveOn: '2024-07-12' });
      expect(second.body.signatures).toEqual([
        expect.objectContaining({ party: 'BENEFICIARY', signatory: 'M. HOAREAU', signedOn: '2024-07-10', by: { sub: 'u-fin-1', role: 'finance' } }),
        expect.objectContaining({ party: 'STATE', signedOn: '2024-07-12' }),
      ]);
      const y2024 = await yearStarted(ref, 2024);
      expect(y2024).toMatchObject({ year: 2024, grantedCents: 20000000, receivedCents: 0, authorisation: { authorised: true } });
      expect(y2024.deadlines).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'FINANCIAL_REPORT', dueOn: '2025-06-30' })]));
      // each year is its own child workflow, findable by reference and year, with its stage and next deadline
      const child = await t.client.workflow.getHandle(`convention-${ref}-2024`).describe();
      expect(child.type).toBe('fundingYearWorkflow');
      expect(child.typedSearchAttributes.get(PRE_CONVENTION_REF)).toBe(ref);
      expect(child.typedSearchAttributes.get(PRE_FUNDING_YEAR)).toBe(2024);
      expect(child.typedSearchAttributes.get(PRE_FUNDING_STAGE)).toBe(y2024.stage);
      expect(child.typedSearchAttributes.get(PRE_NEXT_DEADLINE)).toBeInstanceOf(Date);
    });

    it('runs the 2024 funding year: request, payments of 100 000 € + 100 000 €, the CRF submitted then accepted → the year closes', async () => {
      const requested = await post(`${base}/years/2024/request`, { sentOn: '2024-07-15' });
      expect(requested.status).toBe(200);
      expect(requested.body).toMatchObject({ year: 2024, request: { sentOn: '2024-07-15' } });

      const paid = await post(`${base}/years/2024/payments`, PAYMENT);
      expect(paid.status).toBe(201);
      expect(paid.body).toMatchObject({ year: 2024, grantedCents: 20000000, receivedCents: 10000000, remainingCents: 10000000 });

      // the same payment reference again (a retried request without a key): the first answer, counted once
      const again = await post(`${base}/years/2024/payments`, PAYMENT);
      expect(again.status).toBe(201);
      expect(again.body).toMatchObject({ receivedCents: 10000000 });
      expect(again.body.payments).toHaveLength(1);

      // a payment over the year's remaining amount is a conflict
      const over = await post(`${base}/years/2024/payments`, { reference: 'VIR-2024-0099', receivedOn: '2024-10-01', amountCents: 10000001 });
      expect(over.status).toBe(409);
      expect(over.body).toMatchObject({ status: 409, title: 'Conflict', failureType: 'Conflict' });

      const balance = await post(`${base}/years/2024/payments`, { reference: 'VIR-2024-0002', receivedOn: '2024-12-10', amountCents: 10000000 });
      expect(balance.status).toBe(201);
      expect(balance.body).toMatchObject({ receivedCents: 20000000, remainingCents: 0 });

      // a report on 2024 dated before 2024 is over, a payment dated 2019: 422 naming the window, nothing recorded
      const early = await post(`${base}/years/2024/financial-report`, { status: 'SUBMITTED', on: '2024-12-20', spentCents: 19850000 });
      expect(early.status).toBe(422);
      expect(early.body).toMatchObject({
        failureType: 'RuleViolation',
        code: 'DATE_WINDOW',
        field: 'on',
        window: { from: '2025-01-01' },
        detail: "The financial report for 2024 cannot be dated 2024-12-20: its window is from 2025-01-01 (a report on 2024 is submitted after the year's end).",
      });
      const old = await post(`${base}/years/2024/payments`, { reference: 'VIR-2019-0001', receivedOn: '2019-05-02', amountCents: 1 });
      expect(old.status).toBe(422);
      expect(old.body).toMatchObject({ code: 'DATE_WINDOW', field: 'receivedOn', window: { to: '2027-12-31' }, detail: expect.stringContaining('its window is from 2024-07-') });

      const submitted = await post(`${base}/years/2024/financial-report`, FINANCIAL_REPORT_SUBMITTED);
      expect(submitted.status).toBe(200);
      expect(submitted.body).toMatchObject({ stage: 'REPORT_SUBMITTED', report: { state: 'SUBMITTED', submittedOn: '2025-06-10', spentCents: 19850000 } });

      const accepted = await post(`${base}/years/2024/financial-report`, FINANCIAL_REPORT_ACCEPTED);
      expect(accepted.status).toBe(200);
      expect(accepted.body).toMatchObject({ year: 2024, stage: 'CLOSED', receivedCents: 20000000, report: { state: 'ACCEPTED', acceptedOn: '2025-07-01' }, underUseCents: 150000 });

      const convention = await conventionWhen(ref, (v) => v.years[0].stage === 'CLOSED');
      expect(convention.years[0]).toMatchObject({ year: 2024, stage: 'CLOSED', grantedCents: 20000000, receivedCents: 20000000 });
      expect(convention.stage).toBe('IN_EFFECT');
    });

    it('refuses any change to a closed year with 409', async () => {
      const res = await post(`${base}/years/2024/payments`, { reference: 'VIR-2024-0003', receivedOn: '2025-08-01', amountCents: 1 });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ status: 409, failureType: 'Closed' });
      expect((await get(`${base}/years/2024`, supervisor)).body).toMatchObject({ stage: 'CLOSED', receivedCents: 20000000 });
    });

    it('runs 2025 (award notice) and 2026 (its own board session) with 100 000 € + 100 000 € each; the convention completes', async () => {
      const y2025 = `${base}/years/2025`;
      expect((await post(`${y2025}/authorisation`, AWARD_NOTICE)).status).toBe(200);
      expect((await post(`${y2025}/request`, SUBSIDY_REQUEST)).status).toBe(200);
      expect((await post(`${y2025}/payments`, { reference: 'VIR-2025-0001', receivedOn: '2025-03-15', amountCents: HALF })).status).toBe(201);
      expect((await post(`${y2025}/payments`, { reference: 'VIR-2025-0002', receivedOn: '2025-07-20', amountCents: HALF })).status).toBe(201);
      expect((await post(`${y2025}/financial-report`, { status: 'SUBMITTED', on: '2026-06-05', spentCents: 20000000 })).status).toBe(200);
      const returned = await post(`${y2025}/financial-report`, { status: 'RETURNED', on: '2026-06-08', comment: 'Pièces justificatives manquantes.' });
      expect(returned.status).toBe(200);
      expect(returned.body).toMatchObject({ stage: 'AWAITING_REPORT', report: { state: 'AWAITING_SUBMISSION', returns: [{ on: '2026-06-08', comment: 'Pièces justificatives manquantes.' }] } });
      expect((await post(`${y2025}/financial-report`, { status: 'SUBMITTED', on: '2026-06-10', spentCents: 20000000 })).status).toBe(200);
      const closed2025 = await post(`${y2025}/financial-report`, { status: 'ACCEPTED', on: '2026-07-01' });
      expect(closed2025.status).toBe(200);
      expect(closed2025.body).toMatchObject({ year: 2025, stage: 'CLOSED', receivedCents: 20000000 });

      const y2026 = `${base}/years/2026`;
      const session = await post(`${y2026}/authorisation`, {
        ...SEED_SESSION,
        sessionDate: '2026-01-15',
        convocationDate: '2026-01-09',
        decisions: ['AUTHORISE_RECEIPT'],
        receiptYear: 2026,
      });
      expect(session.status).toBe(200);
      expect(session.body).toMatchObject({ year: 2026, authorisation: { authorised: true } });
      expect((await post(`${y2026}/request`, { sentOn: '2026-01-20' })).status).toBe(200);
      expect((await post(`${y2026}/payments`, { reference: 'VIR-2026-0001', receivedOn: '2026-03-15', amountCents: HALF })).status).toBe(201);
      expect((await post(`${y2026}/payments`, { reference: 'VIR-2026-0002', receivedOn: '2026-07-20', amountCents: HALF })).status).toBe(201);
      expect((await post(`${y2026}/financial-report`, { status: 'SUBMITTED', on: '2027-01-20', spentCents: 20000000 })).status).toBe(200);
      const closed2026 = await post(`${y2026}/financial-report`, { status: 'ACCEPTED', on: '2027-01-25' });
      expect(closed2026.status).toBe(200);
      expect(closed2026.body).toMatchObject({ year: 2026, stage: 'CLOSED', receivedCents: 20000000 });

      const done = await conventionWhen(ref, (v) => v.stage === 'COMPLETED');
      expect(done).toMatchObject({ reference: ref, stage: 'COMPLETED', totalGrantedCents: 60000000, totalReceivedCents: 60000000 });
      expect(done.years.map((y: { year: number; stage: string; receivedCents: number }) => [y.year, y.stage, y.receivedCents])).toEqual([
        [2024, 'CLOSED', 20000000],
        [2025, 'CLOSED', 20000000],
        [2026, 'CLOSED', 20000000],
      ]);
      // the run closes once its last turn is done (the completion's notification recorded, the last relay sent): a
      // few workflow tasks after the stage reads COMPLETED
      const closed = await eventually(async () => {
        const d = await t.client.workflow.getHandle(`convention-${ref}`).describe();
        return d.status.name === 'RUNNING' ? undefined : d.status.name;
      });
      expect(closed).toBe('COMPLETED');
    });

    it('refuses any change to the completed convention with 409 closed, and still reads it', async () => {
      const res = await post(`${base}/signatures`, STATE_SIGNATURE);
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ status: 409, failureType: 'Closed', detail: `Convention ${ref} is completed and accepts no further change.` });
      expect((await get(base, supervisor)).body).toMatchObject({ stage: 'COMPLETED' });
      const again = await post('/conventions', CONVENTION);
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ status: 409, failureType: 'Duplicate', detail: `A convention with reference ${ref} already exists (it is completed).` });
    });

    it('shows the timeline with each actor', async () => {
      const res = await get(`${base}/timeline`, supervisor);
      expect(res.status).toBe(200);
      const types = (res.body as Array<{ type: string }>).map((e) => e.type);
      expect(types).toEqual(expect.arrayContaining(['CONVENTION_CREATED', 'DELIBERATION_RECORDED', 'PUBLISHED', 'TRANSMITTED', 'SIGNED', 'TOOK_EFFECT', 'COMPLETED']));
      expect(res.body[0]).toMatchObject({ actor: { sub: 'u-fin-1', role: 'finance' } });
      const year = await get(`${base}/years/2024/timeline`, supervisor);
      expect((year.body as Array<{ type: string }>).map((e) => e.type)).toEqual(expect.arrayContaining(['PAYMENT_RECORDED', 'REPORT_ACCEPTED']));
    });
  });

  describe('board sessions', () => {
    it('records a session without quorum (8 present) as 201 NO_QUORUM; the convention still awaits a deliberation', async () => {
      const ref = uniqueRef();
      expect((await post('/conventions', { ...CONVENTION, reference: ref })).status).toBe(201);
      const eight = {
        ...SEED_SESSION,
        present: SEED_SESSION.present.filter((m) => m !== 'M. AVENA'),
        proxies: SEED_SESSION.proxies.filter((p) => p.holder !== 'M. AVENA'),
        excused: [...SEED_SESSION.excused, 'M. AVENA', 'M. JASPART'],
        votes: { for: 11, against: 0, abstain: 0 },
      };
      const res = await post(`/conventions/${ref}/deliberations`, eight);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ quorum: { required: 9, present: 8, met: false }, outcome: 'NO_QUORUM' });
      expect(res.body.convention).toMatchObject({ stage: 'AWAITING_DELIBERATION' });
    });

    it('refuses vote counts that do not add up with 422 and the reason', async () => {
      const ref = uniqueRef();
      expect((await post('/conventions', { ...CONVENTION, reference: ref })).status).toBe(201);
      const res = await post(`/conventions/${ref}/deliberations`, { ...SEED_SESSION, votes: { for: 12, against: 0, abstain: 0 } });
      expect(res.status).toBe(422);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 422, title: 'Unprocessable Content', failureType: 'RuleViolation', detail: expect.stringMatching(/13/) });
      expect((await get(`/conventions/${ref}`)).body).toMatchObject({ stage: 'AWAITING_DELIBERATION', deliberations: [] });
    });
  });

  describe('refusals', () => {
    let ref: string;
    beforeAll(async () => {
      ref = await conventionInEffect();
    });

    it('403 for a référent on a change and on a read; supervisors read but do not change', async () => {
      const change = await post(`/conventions/${ref}/years/2024/request`, { sentOn: '2024-07-15' }, undefined, referent);
      expect(answer(change)).toEqual({
        status: 403,
        body: {
          type: 'urn:pre-orchestrator:problem:forbidden-role',
          title: 'Forbidden',
          status: 403,
          detail: 'This action needs one of the roles: finance.',
          instance: `/conventions/${ref}/years/2024/request`,
        },
      });
      expect((await get(`/conventions/${ref}`, referent)).status).toBe(403);
      expect((await get(`/conventions/${ref}`, supervisor)).status).toBe(200);
      expect((await post(`/conventions/${ref}/publication`, PUBLICATION, undefined, supervisor)).status).toBe(403);
    });

    it('404 for an unknown convention, on a read and on a change', async () => {
      const read = await get('/conventions/CPO-NOPE-0000');
      expect(answer(read)).toEqual({
        status: 404,
        body: {
          type: 'urn:pre-orchestrator:problem:not-found',
          title: 'Not Found',
          status: 404,
          detail: 'No convention with reference CPO-NOPE-0000.',
          failureType: 'NotFound',
          reference: 'CPO-NOPE-0000',
          instance: '/conventions/CPO-NOPE-0000',
        },
      });
      expect((await post('/conventions/CPO-NOPE-0000/deliberations', SEED_SESSION)).status).toBe(404);
      expect((await post('/conventions/CPO-NOPE-0000/years/2024/payments', { reference: 'VIR-1', receivedOn: '2024-09-15', amountCents: 1 })).status).toBe(404);
    });

    it('404 for a year that is not part of the convention', async () => {
      const read = await get(`/conventions/${ref}/years/2030`);
      expect(read.status).toBe(404);
      expect(read.body).toMatchObject({ status: 404, detail: `Convention ${ref} has no funding year 2030; its years are 2024, 2025, 2026.` });
      const change = await post(`/conventions/${ref}/years/2023/payments`, { reference: 'VIR-2023-0001', receivedOn: '2023-09-15', amountCents: 1 });
      expect(change.status).toBe(404);
    });

    it('400 for a bad body, naming each field, before anything reaches the workflow', async () => {
      const res = await post(`/conventions/${ref}/years/2024/payments`, { reference: 'VIR-2024-0001', receivedOn: '2024-02-30', amountCents: -5 });
      expect(answer(res)).toEqual({
        status: 400,
        body: {
          type: 'urn:pre-orchestrator:problem:validation',
          title: 'Bad Request',
          status: 400,
          detail: 'The request is invalid: receivedOn, amountCents.',
          errors: [
            { field: 'receivedOn', message: 'receivedOn must be a real calendar date YYYY-MM-DD' },
            { field: 'amountCents', message: 'amountCents must be a positive number of cents' },
          ],
          instance: `/conventions/${ref}/years/2024/payments`,
        },
      });
      expect((await get(`/conventions/${ref}/years/2024`)).body).toMatchObject({ receivedCents: 0, payments: [] });
    });

    it('409 for a duplicate convention reference', async () => {
      const res = await post('/conventions', { ...CONVENTION, reference: ref });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ status: 409, title: 'Conflict' });
    });

    it('replays a payment answer for the same Idempotency-Key and counts it once', async () => {
      const body = PAYMENT;
      const first = await post(`/conventions/${ref}/years/2024/payments`, body, 'pay-1');
      const second = await post(`/conventions/${ref}/years/2024/payments`, body, 'pay-1');
      expect(first.status).toBe(201);
      expect(answer(second)).toEqual(answer(first));
      expect((await get(`/conventions/${ref}/years/2024`)).body).toMatchObject({ receivedCents: HALF });
    });
  });

  describe('Idempotency-Key reused', () => {
    it('refuses the same key with another body or on another endpoint: 422 idempotency-key-reused naming the key; the convention does not change', async () => {
      const ref = uniqueRef();
      const key = `create-${ref}`;
      expect((await post('/conventions', { ...CONVENTION, reference: ref }, key)).status).toBe(201);
      const otherTerms = await post('/conventions', { ...CONVENTION, reference: ref, subject: 'Autre objet' }, key);
      expect(otherTerms.status).toBe(422);
      expect(otherTerms.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(otherTerms.body).toMatchObject({
        type: 'urn:pre-orchestrator:problem:idempotency-key-reused',
        status: 422,
        idempotencyKey: key,
        detail: `The Idempotency-Key ${key} was already used for a request with another body (createConvention); use a new key for this one.`,
      });
      // the same request still replays the first answer
      expect((await post('/conventions', { ...CONVENTION, reference: ref }, key)).status).toBe(201);
      const session = `session-${ref}`;
      expect((await post(`/conventions/${ref}/deliberations`, SEED_SESSION, session)).status).toBe(201);
      const otherEndpoint = await post(`/conventions/${ref}/publication`, PUBLICATION, session);
      expect(otherEndpoint.status).toBe(422);
      expect(otherEndpoint.body).toMatchObject({ type: 'urn:pre-orchestrator:problem:idempotency-key-reused', idempotencyKey: session, detail: expect.stringContaining('another request (recordDeliberation)') });
      const otherBody = await post(`/conventions/${ref}/deliberations`, { ...SEED_SESSION, sessionDate: '2024-07-10' }, session);
      expect(otherBody.status).toBe(422);
      expect(otherBody.body).toMatchObject({ type: 'urn:pre-orchestrator:problem:idempotency-key-reused', idempotencyKey: session });
      const view = (await get(`/conventions/${ref}`)).body;
      expect(view).toMatchObject({ subject: CONVENTION.subject, stage: 'AWAITING_LEGALITY', legality: { publishedOn: null } });
      expect(view.deliberations).toHaveLength(1);
    });
  });

  describe('GET /conventions', () => {
    it('lists conventions from their search attributes (stage, deadline, started years), paginated with nextPageToken', async () => {
      const refs = [uniqueRef(), uniqueRef()];
      for (const ref of refs) expect((await post('/conventions', { ...CONVENTION, reference: ref })).status).toBe(201);
      const all = await eventually(async () => {
        const res = await get('/conventions?pageSize=500', supervisor);
        const items = res.body.items as Array<{ reference: string }>;
        return res.status === 200 && refs.every((r) => items.some((i) => i.reference === r)) ? res.body : undefined;
      });
      expect(all.items[0]).toMatchObject({ reference: expect.any(String), stage: expect.any(String), overdue: expect.any(Boolean), years: expect.any(Array), workflowStatus: 'RUNNING' });
      expect(all.items.find((i: { reference: string }) => i.reference === refs[0])).toMatchObject({ stage: 'AWAITING_DELIBERATION', years: [] });
      const total = all.items.length as number;
      const seen: string[] = [];
      let token: string | null = null;
      do {
        const res: request.Response = await get(`/conventions?pageSize=1${token ? `&pageToken=${token}` : ''}`);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(1);
        seen.push(...(res.body.items as Array<{ reference: string }>).map((i) => i.reference));
        token = res.body.nextPageToken as string | null;
      } while (token);
      expect(seen).toHaveLength(total);
      expect(new Set(seen).size).toBe(total);
    });

    it('refuses a pageToken it did not issue with 400', async () => {
      const res = await get('/conventions?pageToken=bm90LWEtdG9rZW4');
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ status: 400, errors: [{ field: 'pageToken', message: 'pageToken must be the nextPageToken of a previous page of the same list (same filters)' }] });
    });
  });
});

describe('conventions without a worker', () => {
  let t: TestApp;
  let finance: string;
  let ref: string;
  /** A convention awaiting its last signature, and one in effect with its years started. */
  let signing: string;
  let inEffect: string;

  beforeAll(async () => {
    // conventions created while a worker runs, then the worker stopped: updates wait for nobody
    t = await startTestApp({ env: { UPDATE_TIMEOUT_SECONDS: '3' } });
    finance = await t.token('u-fin-1', 'finance');
    const post = (path: string, body: object) => t.http().post(path).set('Authorization', `Bearer ${finance}`).send(body);
    ref = uniqueRef();
    const created = await post('/conventions', { ...CONVENTION, reference: ref });
    expect(created.status).toBe(201);
    [signing, inEffect] = [uniqueRef(), uniqueRef()];
    for (const r of [signing, inEffect]) {
      expect((await post('/conventions', { ...CONVENTION, reference: r })).status).toBe(201);
      expect((await post(`/conventions/${r}/deliberations`, SEED_SESSION)).status).toBe(201);
      expect((await post(`/conventions/${r}/publication`, PUBLICATION)).status).toBe(200);
      expect((await post(`/conventions/${r}/transmission`, TRANSMISSION)).status).toBe(200);
      expect((await post(`/conventions/${r}/signatures`, BENEFICIARY_SIGNATURE)).status).toBe(200);
    }
    expect((await post(`/conventions/${inEffect}/signatures`, STATE_SIGNATURE)).status).toBe(200);
    await t.stopWorker();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 504 when no worker takes an update in time, for a convention as for a case', async () => {
    const started = Date.now();
    const res = await t.http().post(`/conventions/${ref}/publication`).set('Authorization', `Bearer ${finance}`).send(PUBLICATION);
    expect(res.status).toBe(504);
    expect(res.body).toMatchObject({ status: 504, type: expect.stringMatching(/^urn:pre-orchestrator:problem:(worker|temporal)-timeout$/) });
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('answers 504 at the configured deadline for every change of a convention and of its years, the last signature and the creation included', async () => {
    const changes: Array<[string, object]> = [
      ['/conventions', { ...CONVENTION, reference: uniqueRef() }],
      [`/conventions/${ref}/deliberations`, SEED_SESSION],
      [`/conventions/${signing}/transmission`, TRANSMISSION],
      [`/conventions/${signing}/signatures`, STATE_SIGNATURE],
      [`/conventions/${inEffect}/years/2025/authorisation`, AWARD_NOTICE],
      [`/conventions/${inEffect}/years/2024/request`, { sentOn: '2024-07-15' }],
      [`/conventions/${inEffect}/years/2024/payments`, PAYMENT],
      [`/conventions/${inEffect}/years/2024/financial-report`, FINANCIAL_REPORT_SUBMITTED],
    ];
    for (const [path, body] of changes) {
      const started = Date.now();
      const res = await t.http().post(path).set('Authorization', `Bearer ${finance}`).send(body);
      const took = Date.now() - started;
      expect({ path, status: res.status, type: res.body.type }).toEqual({ path, status: 504, type: expect.stringMatching(/^urn:pre-orchestrator:problem:(worker|temporal)-timeout$/) });
      // the deadline is 3 s: answered once it is over, and not much later
      expect(took).toBeGreaterThanOrEqual(2_900);
      expect(took).toBeLessThan(15_000);
    }
  });

  it('still lists the conventions: the list reads search attributes, no worker involved', async () => {
    const listed = await eventually(async () => {
      const res = await t.http().get('/conventions?pageSize=500').set('Authorization', `Bearer ${finance}`);
      return res.status === 200 && (res.body.items as Array<{ reference: string }>).find((i) => i.reference === ref);
    });
    expect(listed).toMatchObject({ reference: ref, stage: 'AWAITING_DELIBERATION', overdue: false, years: [], workflowStatus: 'RUNNING' });
  });
});
