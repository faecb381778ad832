/**
 * Public money tracked to the cent over HTTP (issue 15 items 1, 2, 3, 10, 11), on the real API, a real worker and
 * the run's Temporal dev server: the 2024–2026 convention run as a CCAS finance officer would — 2024 with a CRF
 * budget showing an over-payment the State orders repaid, 2025 awarded 185 000 € with its CRF returned then
 * accepted, 2026 with its balance reduced by the State — ending with a ledger whose totals balance to the cent.
 */
import { randomUUID } from 'node:crypto';
import type request from 'supertest';
import { BENEFICIARY_SIGNATURE, CONVENTION, PUBLICATION, SEED_SESSION, STATE_SIGNATURE, TRANSMISSION } from '../support/api-examples';
import { eventually, startTestApp, type TestApp } from '../support/app';
import { parseCsv } from '../../src/reports/csv';

const uniqueRef = () => `CPO-MONEY-${randomUUID().slice(0, 8).toUpperCase()}`;

/** 230 000 € spent on the action; own funds 20 000 €, the commune 15 000 €, the CAF 10 000 €: 185 000 € of this subsidy used. */
const BUDGET_2024 = {
  expenses: [
    { category: 'STAFF', amountCents: 18000000 },
    { category: 'EXTERNAL_SERVICES', amountCents: 4000000 },
    { category: 'PURCHASES', amountCents: 1000000 },
  ],
  income: [{ category: 'OWN_FUNDS', amountCents: 2000000 }],
  coFinancers: [
    { kind: 'COMMUNE', name: 'Ville de Dijon', amountCents: 1500000 },
    { kind: 'CAF', name: "CAF de la Côte-d'Or", amountCents: 1000000 },
  ],
};

describe('public money tracked to the cent over HTTP', () => {
  let t: TestApp;
  let finance: string;
  let supervisor: string;

  beforeAll(async () => {
    t = await startTestApp();
    finance = await t.token('u-fin-1', 'finance');
    supervisor = await t.token('u-sup-1', 'supervisor');
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (path: string, body: object, token = finance) => t.http().post(path).set('Authorization', `Bearer ${token}`).send(body);
  const get = (path: string, token = finance) => t.http().get(path).set('Authorization', `Bearer ${token}`);
  const answer = (res: request.Response) => ({ status: res.status, body: res.body as Record<string, any> });

  describe('the 2024–2026 convention: 185 000 € for 2025, a returned-then-accepted CRF, a reduced 2026 balance, an over-payment repaid', () => {
    const ref = uniqueRef();
    const base = `/conventions/${ref}`;

    beforeAll(async () => {
      expect((await post('/conventions', { ...CONVENTION, reference: ref })).status).toBe(201);
      expect((await post(`${base}/deliberations`, SEED_SESSION)).status).toBe(201);
      expect((await post(`${base}/publication`, PUBLICATION)).status).toBe(200);
      expect((await post(`${base}/transmission`, TRANSMISSION)).status).toBe(200);
      expect((await post(`${base}/signatures`, BENEFICIARY_SIGNATURE)).status).toBe(200);
      expect((await post(`${base}/signatures`, STATE_SIGNATURE)).status).toBe(200);
      await eventually(async () => {
        const res = await get(`${base}/years/2026`);
        return res.status === 200 && res.body.stage !== 'NOT_STARTED' ? true : undefined;
      });
    });

    it('2024: the CRF budget computes an over-payment of 15 000 €; the year waits for the State’s repayment order, then for the repayment, and closes', async () => {
      const y = `${base}/years/2024`;
      expect((await post(`${y}/request`, { sentOn: '2024-07-15' })).status).toBe(200);
      expect((await post(`${y}/payments`, { reference: 'VIR-2024-0001', receivedOn: '2024-09-15', amountCents: 10000000 })).status).toBe(201);
      expect((await post(`${y}/payments`, { reference: 'VIR-2024-0002', receivedOn: '2024-12-10', amountCents: 10000000 })).status).toBe(201);

      // the State settles a year once its report is accepted
      const early = await post(`${y}/settlement`, { decision: 'REPAYMENT_ORDERED', amountCents: 1500000, decidedOn: '2025-09-01', dueOn: '2025-10-31', reference: 'Titre de perception 2025-311' });
      expect(early.status).toBe(409);
      expect(early.body).toMatchObject({ status: 409, failureType: 'InvalidTransition', detail: 'The State settles year 2024 once its financial report is accepted; the report is not accepted yet.' });

      const submitted = await post(`${y}/financial-report`, { status: 'SUBMITTED', on: '2025-06-10', budget: BUDGET_2024 });
      expect(submitted.status).toBe(200);
      expect(submitted.body.report).toMatchObject({ spentCents: 23000000, budget: { expensesCents: 23000000, incomeCents: 2000000, coFinancingCents: 2500000, subsidyUsedCents: 18500000, subsidySharePercent: 80.43 } });

      const accepted = await post(`${y}/financial-report`, { status: 'ACCEPTED', on: '2025-07-01' });
      expect(accepted.status).toBe(200);
      expect(accepted.body).toMatchObject({
        stage: 'RECONCILING',
        underUseCents: 1500000,
        reconciliation: { usedCents: 18500000, expectedCents: 18500000, overpaidCents: 1500000, overpaymentHeld: true, awaiting: 'REPAYMENT_ORDER', reconciled: false },
        nextDeadline: { kind: 'SETTLEMENT', dueOn: '2025-09-29' },
      });

      // a repayment order needs its due date: a rule of the body (422), nothing recorded
      const noDue = await post(`${y}/settlement`, { decision: 'REPAYMENT_ORDERED', amountCents: 1500000, decidedOn: '2025-09-01', reference: 'Titre de perception 2025-311' });
      expect({ status: noDue.status, code: noDue.body.code, field: noDue.body.field }).toEqual({ status: 422, code: 'REPAYMENT_DUE_DATE', field: 'dueOn' });
      const ordered = await post(`${y}/settlement`, { decision: 'REPAYMENT_ORDERED', amountCents: 1500000, decidedOn: '2025-09-01', dueOn: '2025-10-31', reference: 'Titre de perception 2025-311' });
      expect(ordered.status).toBe(201);
      expect(ordered.body).toMatchObject({
        stage: 'RECONCILING',
        settlements: [{ decision: 'REPAYMENT_ORDERED', amountCents: 1500000, decidedOn: '2025-09-01', dueOn: '2025-10-31', reference: 'Titre de perception 2025-311', by: { sub: 'u-fin-1', role: 'finance' } }],
        reconciliation: { toRepayCents: 1500000, repaymentDueCents: 1500000, awaiting: 'REPAYMENT' },
        nextDeadline: { kind: 'REPAYMENT', dueOn: '2025-10-31', overdue: true },
      });

      const over = await post(`${y}/repayment`, { repaidOn: '2025-10-20', amountCents: 1500001, reference: 'Mandat 2025-4411' });
      expect(over.status).toBe(409);
      expect(over.body).toMatchObject({ failureType: 'Conflict', repaymentDueCents: 1500000 });
      const repaid = await post(`${y}/repayment`, { repaidOn: '2025-10-20', amountCents: 1500000, reference: 'Mandat 2025-4411' });
      expect(repaid.status).toBe(201);
      expect(repaid.body).toMatchObject({ stage: 'CLOSED', closedOn: '2025-10-20', repayments: [{ repaidOn: '2025-10-20', amountCents: 1500000, reference: 'Mandat 2025-4411' }], reconciliation: { reconciled: true } });
    });

    it('2025: awarded 185 000 € by its award notice — the answer, the tranches and the ceiling use it; the CRF is returned, then accepted', async () => {
      const y = `${base}/years/2025`;
      const awarded = await post(`${y}/authorisation`, { awardNotice: 'Arrêté 2025-117', notifiedOn: '2025-03-12', grantedCents: 18500000 });
      expect(awarded.status).toBe(200);
      expect(awarded.body).toMatchObject({ year: 2025, grantedCents: 18500000, remainingCents: 18500000, authorisation: { authorised: true, current: { awardNotice: 'Arrêté 2025-117', notifiedOn: '2025-03-12', grantedCents: 18500000 } } });
      expect(awarded.body.tranches.map((x: { amountCents: number }) => x.amountCents)).toEqual([9250000, 9250000]);
      expect((await post(`${y}/request`, { sentOn: '2025-01-20', amountCents: 20000000 })).body).toMatchObject({ request: { sentOn: '2025-01-20', amountCents: 20000000 } });
      expect((await post(`${y}/payments`, { reference: 'VIR-2025-0001', receivedOn: '2025-04-15', amountCents: 9250000 })).status).toBe(201);
      const over = await post(`${y}/payments`, { reference: 'VIR-2025-0002', receivedOn: '2025-07-20', amountCents: 10000000 });
      expect(over.status).toBe(409);
      expect(over.body).toMatchObject({ failureType: 'Conflict', remainingCents: 9250000, grantedCents: 18500000 });
      expect((await post(`${y}/payments`, { reference: 'VIR-2025-0002', receivedOn: '2025-07-20', amountCents: 9250000 })).status).toBe(201);

      expect((await post(`${y}/financial-report`, { status: 'SUBMITTED', on: '2026-06-05', spentCents: 19000000 })).status).toBe(200);
      const returned = await post(`${y}/financial-report`, { status: 'RETURNED', on: '2026-06-08', comment: 'Pièces justificatives manquantes.' });
      expect(returned.body).toMatchObject({ stage: 'AWAITING_REPORT', report: { state: 'AWAITING_SUBMISSION' } });
      expect((await post(`${y}/financial-report`, { status: 'SUBMITTED', on: '2026-06-10', spentCents: 19000000 })).status).toBe(200);
      const closed = await post(`${y}/financial-report`, { status: 'ACCEPTED', on: '2026-07-01' });
      expect(closed.status).toBe(200);
      expect(closed.body).toMatchObject({ stage: 'CLOSED', grantedCents: 18500000, receivedCents: 18500000, underUseCents: 0, reconciliation: { expectedCents: 18500000, reconciled: true } });
    });

    it('2026: the State reduces the balance by 20 000 € (settlement); the year waiting for it has a deadline, and closes once the reduced balance is paid', async () => {
      const y = `${base}/years/2026`;
      const session = { ...SEED_SESSION, sessionDate: '2026-01-15', convocationDate: '2026-01-09', decisions: ['AUTHORISE_RECEIPT'], receiptYear: 2026 };
      expect((await post(`${y}/authorisation`, session)).body).toMatchObject({ grantedCents: 20000000, authorisation: { authorised: true } });
      expect((await post(`${y}/request`, { sentOn: '2026-01-20' })).status).toBe(200);
      expect((await post(`${y}/payments`, { reference: 'VIR-2026-0001', receivedOn: '2026-03-15', amountCents: 10000000 })).status).toBe(201);
      expect((await post(`${y}/financial-report`, { status: 'SUBMITTED', on: '2027-01-20', spentCents: 20000000 })).status).toBe(200);
      const accepted = await post(`${y}/financial-report`, { status: 'ACCEPTED', on: '2027-01-25' });
      expect(accepted.body).toMatchObject({ stage: 'RECONCILING', reconciliation: { outstandingCents: 10000000, awaiting: 'BALANCE' }, nextDeadline: { kind: 'SETTLEMENT', dueOn: '2027-04-25' } });

      const tooMuch = await post(`${y}/settlement`, { decision: 'BALANCE_REDUCED', amountCents: 10000001, decidedOn: '2027-09-01', reference: 'Courrier préfecture 2027-88' });
      expect(tooMuch.status).toBe(422);
      expect(tooMuch.body).toMatchObject({ failureType: 'RuleViolation', code: 'SETTLEMENT_OVER_BALANCE', outstandingCents: 10000000 });

      const reduced = await post(`${y}/settlement`, { decision: 'BALANCE_REDUCED', amountCents: 2000000, decidedOn: '2027-09-01', reference: 'Courrier préfecture 2027-88' });
      expect(reduced.status).toBe(201);
      expect(reduced.body).toMatchObject({ stage: 'RECONCILING', settlements: [{ decision: 'BALANCE_REDUCED', amountCents: 2000000 }], reconciliation: { reducedCents: 2000000, expectedCents: 18000000, outstandingCents: 8000000 } });
      const closed = await post(`${y}/payments`, { reference: 'VIR-2026-0002', receivedOn: '2027-09-20', amountCents: 8000000 });
      expect(closed.status).toBe(201);
      expect(closed.body).toMatchObject({ stage: 'CLOSED', closedOn: '2027-09-20', receivedCents: 18000000, reconciliation: { reconciled: true } });

      const done = await eventually(async () => {
        const res = await get(base);
        return res.body.stage === 'COMPLETED' ? res.body : undefined;
      });
      expect(done).toMatchObject({ totalGrantedCents: 58500000, totalReceivedCents: 56500000 });
      expect(done.years.map((x: { grantedCents: number }) => x.grantedCents)).toEqual([20000000, 18500000, 20000000]);
    });

    it('GET /conventions/{ref}/ledger: every amount per year with its date and reference; totals that balance to the cent', async () => {
      const res = await get(`${base}/ledger`, supervisor);
      expect(res.status).toBe(200);
      expect(res.body.totals).toEqual({
        grantedCents: 58500000,
        requestedCents: 60000000,
        receivedCents: 56500000,
        reducedCents: 2000000,
        rejectedCents: 0,
        toRepayCents: 1500000,
        repaidCents: 1500000,
        keptCents: 55000000,
        owedCents: 55000000,
        differenceCents: 0,
        balanced: true,
      });
      const [y2024, y2025, y2026] = res.body.years;
      expect(y2024.entries.map((e: Record<string, unknown>) => [e.kind, e.on, e.reference, e.amountCents])).toEqual([
        ['GRANTED', '2024-07-03', expect.stringContaining('Délibération d1'), 20000000],
        ['REQUESTED', '2024-07-15', null, 20000000],
        ['RECEIVED', '2024-09-15', 'VIR-2024-0001', 10000000],
        ['RECEIVED', '2024-12-10', 'VIR-2024-0002', 10000000],
        ['TO_REPAY', '2025-09-01', 'Titre de perception 2025-311', 1500000],
        ['REPAID', '2025-10-20', 'Mandat 2025-4411', 1500000],
      ]);
      expect(y2025.entries[1]).toEqual({ year: 2025, kind: 'GRANTED', on: '2025-03-12', reference: 'Arrêté 2025-117', amountCents: 18500000 });
      expect(y2026.entries.find((e: { kind: string }) => e.kind === 'BALANCE_REDUCED')).toEqual({ year: 2026, kind: 'BALANCE_REDUCED', on: '2027-09-01', reference: 'Courrier préfecture 2027-88', amountCents: 2000000 });
      expect(res.body.years.map((y: Record<string, unknown>) => [y.year, y.keptCents, y.owedCents, y.balanced])).toEqual([
        [2024, 18500000, 18500000, true],
        [2025, 18500000, 18500000, true],
        [2026, 18000000, 18000000, true],
      ]);

      const csv = await get(`${base}/ledger`).set('Accept', 'text/csv');
      expect(csv.status).toBe(200);
      expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(csv.headers['content-disposition']).toBe(`attachment; filename="grand-livre-${ref}.csv"`);
      expect(csv.text.startsWith('\uFEFFannée;date;nature;référence;montant;échéance\r\n')).toBe(true);
      const rows = parseCsv(csv.text);
      expect(rows).toContainEqual(['2025', '2025-03-12', 'accordé', 'Arrêté 2025-117', '185000,00', '']);
      expect(rows).toContainEqual(['2024', '2025-09-01', 'à reverser', 'Titre de perception 2025-311', '15000,00', '2025-10-31']);
      expect(rows.slice(-10)).toEqual([
        ['2024-2026', '', 'total accordé', '', '585000,00', ''],
        ['2024-2026', '', 'total demandé', '', '600000,00', ''],
        ['2024-2026', '', 'total reçu', '', '565000,00', ''],
        ['2024-2026', '', 'total solde réduit', '', '20000,00', ''],
        ['2024-2026', '', 'total dépenses rejetées', '', '0,00', ''],
        ['2024-2026', '', 'total à reverser', '', '15000,00', ''],
        ['2024-2026', '', 'total reversé', '', '15000,00', ''],
        ['2024-2026', '', 'conservé (reçu − reversé)', '', '550000,00', ''],
        ['2024-2026', '', "dû par l'État", '', '550000,00', ''],
        ['2024-2026', '', 'écart', '', '0,00', ''],
      ]);
    });
  });

  describe('refusals', () => {
    it('400 for a bad settlement or repayment body, naming each field; 403 for a supervisor; 404 for the ledger of an unknown convention', async () => {
      const ref = uniqueRef();
      const path = `/conventions/${ref}/years/2024/settlement`;
      const bad = await post(path, { decision: 'FORGIVEN', amountCents: -1, decidedOn: '2027-02-30', reference: '' });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['decision', 'amountCents', 'decidedOn', 'reference']);
      const repayment = await post(`/conventions/${ref}/years/2024/repayment`, { repaidOn: '2025-09-01', amountCents: 0 });
      expect(repayment.body.errors.map((e: { field: string }) => e.field)).toEqual(['amountCents', 'reference']);
      expect((await post(path, { decision: 'BALANCE_REDUCED', amountCents: 100, decidedOn: '2025-09-01', reference: 'Courrier 1' }, supervisor)).status).toBe(403);
      const unknown = await get(`/conventions/${ref}/ledger`);
      expect(answer(unknown)).toMatchObject({ status: 404, body: { detail: `No convention with reference ${ref}.` } });
    });
  });
});
