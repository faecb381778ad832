/**
 * A funding year's money on the time-skipping server (issue 15 items 1, 2, 3, 10): a year's own award, the State's
 * settlement of a year it pays less (with its deadline and reminder while it waits), a repayment order computed from
 * the CRF's budget and tracked until repaid (with its reminder at the due date) — each through the workflow's
 * updates, its query, its notifications and its result.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { NotificationLog } from '../support/notification-log';
import {
  recordAuthorisationUpdate,
  recordFinancialReportUpdate,
  recordPaymentUpdate,
  recordRepaymentUpdate,
  recordRequestUpdate,
  recordSettlementUpdate,
  type ConventionResult,
  type CrfBudget,
  type FundingYearResult,
  type SettlementDecision,
} from '../../workflows/convention/convention.contract';
import { addDays } from '../../workflows/shared/calendar';
import { testWorker, timeSkippingEnv, uniqueTaskQueue } from '../support/temporal';
import { bringIntoEffect, cleanup, conventionState, eventually, kindsOf, meta, notificationsOf, recordingActivities, refusal, registerSearchAttributes, sleepUntil, startConvention, today, yearHandle, type StartedConvention } from './convention.helpers';

/** 230 000 € spent; 20 000 € of own funds, the commune 15 000 €, the CAF 10 000 €: 185 000 € left for this subsidy. */
const BUDGET: CrfBudget = {
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

describe('a funding year’s money (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let current: StartedConvention | undefined;

  // A test server of its own for each test: a run's clock (time skipping) is never shared with the previous test's
  // workflows, whatever they were doing when they were terminated.
  beforeEach(async () => {
    env = await timeSkippingEnv();
    await registerSearchAttributes(env);
  });
  afterEach(async () => {
    await cleanup(env, current);
    current = undefined;
    await env?.teardown();
  });

  async function withConvention(yearsAhead: number, body: (c: StartedConvention, outbox: NotificationLog, years: number[]) => Promise<void>): Promise<void> {
    const taskQueue = uniqueTaskQueue('money');
    const { outbox, activities } = recordingActivities();
    const worker = await testWorker(env, taskQueue, activities);
    await worker.runUntil(async () => {
      const first = Number((await today(env)).slice(0, 4)) + 1;
      const years = Array.from({ length: yearsAhead }, (_, i) => first + i);
      current = await startConvention(env, taskQueue, years);
      try {
        await body(current, outbox, years);
      } finally {
        await cleanup(env, current);
        current = undefined;
      }
    });
  }

  const pay = (reference: string, amountCents: number, receivedOn: string) => ({ ...meta(), reference, receivedOn, amountCents });
  const settle = (decision: SettlementDecision, amountCents: number, decidedOn: string, reference: string, dueOn?: string) => ({ ...meta(), decision, amountCents, decidedOn, reference, ...(dueOn ? { dueOn } : {}) });

  it("takes the year's award from its authorisation: 185 000 € instead of 200 000 € for every ceiling, tranche and reconciliation; the convention's totals follow", async () => {
    await withConvention(2, async (c, _outbox, [, y2]) => {
      await bringIntoEffect(c, await today(env));
      const y = yearHandle(env, c.ref, y2);
      // a payment before the award, then an award below it: refused (422), nothing recorded
      await y.executeUpdate(recordPaymentUpdate, { args: [pay(`VIR-${y2}-0001`, 100, `${y2}-01-10`)] });
      const below = await refusal(y.executeUpdate(recordAuthorisationUpdate, { args: [{ ...meta(), awardNotice: 'Arrêté 2025-117', notifiedOn: `${y2}-03-12`, grantedCents: 50 }] }));
      expect(below).toMatchObject({ type: 'RuleViolation', details: { code: 'GRANT_BELOW_RECEIVED', field: 'grantedCents', receivedCents: 100 } });

      const awarded = await y.executeUpdate(recordAuthorisationUpdate, { args: [{ ...meta(), awardNotice: 'Arrêté 2025-117', notifiedOn: `${y2}-03-12`, grantedCents: 18500000 }] });
      expect(awarded).toMatchObject({
        year: y2,
        grantedCents: 18500000,
        remainingCents: 18499900,
        authorisation: { authorised: true, current: { kind: 'AWARD_NOTICE', awardNotice: 'Arrêté 2025-117', notifiedOn: `${y2}-03-12`, grantedCents: 18500000 } },
      });
      expect(awarded.tranches.map((t) => t.amountCents)).toEqual([9250000, 9250000]);
      expect(awarded.timeline.last.at(-1)?.summary).toContain('185 000 € accordés');

      // the ceiling: 185 000 € − 1 € already received
      const over = await refusal(y.executeUpdate(recordPaymentUpdate, { args: [pay(`VIR-${y2}-0002`, 18500000, `${y2}-04-15`)] }));
      expect(over).toMatchObject({ type: 'Conflict', details: { remainingCents: 18499900, grantedCents: 18500000 } });

      // the reconciliation: the State owes min(185 000 €, spent)
      await y.executeUpdate(recordPaymentUpdate, { args: [pay(`VIR-${y2}-0002`, 18499900, `${y2}-04-15`)] });
      await y.executeUpdate(recordFinancialReportUpdate, { args: [{ ...meta(), status: 'SUBMITTED', on: `${y2 + 1}-02-01`, spentCents: 19000000 }] });
      const closed = await y.executeUpdate(recordFinancialReportUpdate, { args: [{ ...meta(), status: 'ACCEPTED', on: `${y2 + 1}-03-01` }] });
      expect(closed).toMatchObject({ stage: 'CLOSED', grantedCents: 18500000, receivedCents: 18500000, underUseCents: 0, reconciliation: { expectedCents: 18500000, outstandingCents: 0, reconciled: true } });
      expect(((await y.result()) as FundingYearResult).grantedCents).toBe(18500000);

      const convention = await eventually(async () => {
        const v = await conventionState(c);
        expect(v.years[1]).toMatchObject({ year: y2, grantedCents: 18500000, stage: 'CLOSED' });
        return v;
      });
      expect(convention).toMatchObject({ annualAmountCents: 20000000, totalGrantedCents: 38500000 });
    });
  });

  it('waits for the State when it pays less: a settlement deadline with its reminder and escalation; a reduced balance lets the year close', async () => {
    await withConvention(1, async (c, outbox, [year]) => {
      await bringIntoEffect(c, await today(env));
      const y = yearHandle(env, c.ref, year);
      await y.executeUpdate(recordRequestUpdate, { args: [{ ...meta(), sentOn: `${year}-01-20` }] });
      await y.executeUpdate(recordPaymentUpdate, { args: [pay(`VIR-${year}-0001`, 10000000, `${year}-03-15`)] });
      await y.executeUpdate(recordFinancialReportUpdate, { args: [{ ...meta(), status: 'SUBMITTED', on: `${year + 1}-01-20`, spentCents: 20000000 }] });
      // the State settles a year once its report is accepted
      expect(await refusal(y.executeUpdate(recordSettlementUpdate, { args: [settle('BALANCE_REDUCED', 2000000, `${year + 1}-01-21`, 'Courrier préfecture 88')] }))).toMatchObject({ type: 'InvalidTransition' });

      const acceptedOn = `${year + 1}-01-25`;
      const D = addDays(acceptedOn, 90);
      const accepted = await y.executeUpdate(recordFinancialReportUpdate, { args: [{ ...meta(), status: 'ACCEPTED', on: acceptedOn }] });
      expect(accepted).toMatchObject({
        stage: 'RECONCILING',
        accepts: expect.arrayContaining(['payments', 'settlement']),
        reconciliation: { expectedCents: 20000000, outstandingCents: 10000000, awaiting: 'BALANCE', reconciled: false },
        nextDeadline: { kind: 'SETTLEMENT', dueOn: D, overdue: false },
      });

      await sleepUntil(env, addDays(D, -1));
      expect(kindsOf(outbox, c.ref)).toEqual([]);
      await sleepUntil(env, D);
      await eventually(() => expect(kindsOf(outbox, c.ref)).toEqual([`SETTLEMENT_REMINDER@${D}`]));
      expect(notificationsOf(outbox, c.ref)[0]).toMatchObject({ recipients: ['role:finance'], subject: expect.stringContaining(`Année ${year} : le solde de 100 000 € ou la décision de l'État attendu`) });
      await sleepUntil(env, addDays(D, 1));
      await eventually(() => expect(kindsOf(outbox, c.ref)).toEqual([`SETTLEMENT_REMINDER@${D}`, `SETTLEMENT_ESCALATION@${D}`]));

      // the balance cannot be reduced by more than remains owed; the decision comes after the acceptance
      const tooMuch = await refusal(y.executeUpdate(recordSettlementUpdate, { args: [settle('BALANCE_REDUCED', 10000001, `${year + 1}-05-01`, 'Courrier préfecture 88')] }));
      expect(tooMuch).toMatchObject({ type: 'RuleViolation', details: { code: 'SETTLEMENT_OVER_BALANCE', outstandingCents: 10000000 } });
      expect(await refusal(y.executeUpdate(recordSettlementUpdate, { args: [settle('BALANCE_REDUCED', 2000000, `${year + 1}-01-10`, 'Courrier préfecture 88')] }))).toMatchObject({ type: 'RuleViolation', details: { code: 'DATE_ORDER' } });

      const reduced = await y.executeUpdate(recordSettlementUpdate, { args: [settle('BALANCE_REDUCED', 2000000, `${year + 1}-05-01`, 'Courrier préfecture 88')] });
      expect(reduced).toMatchObject({
        stage: 'RECONCILING',
        settlements: [{ decision: 'BALANCE_REDUCED', amountCents: 2000000, decidedOn: `${year + 1}-05-01`, reference: 'Courrier préfecture 88' }],
        reconciliation: { reducedCents: 2000000, expectedCents: 18000000, outstandingCents: 8000000, awaiting: 'BALANCE' },
      });
      const closed = await y.executeUpdate(recordPaymentUpdate, { args: [pay(`VIR-${year + 1}-0002`, 8000000, `${year + 1}-05-10`)] });
      expect(closed).toMatchObject({ stage: 'CLOSED', closedOn: `${year + 1}-05-10`, deadlines: [], reconciliation: { receivedCents: 18000000, expectedCents: 18000000, overpaidCents: 0, reconciled: true } });
      expect(closed.timeline.last.at(-1)).toMatchObject({ type: 'YEAR_CLOSED', summary: expect.stringContaining("versement de l'État réduit de 20 000 €") });
      const done = (await c.handle.result()) as ConventionResult;
      expect(done).toMatchObject({ totalGrantedCents: 20000000, totalReceivedCents: 18000000, completedOn: `${year + 1}-05-10` });
    });
  });

  it("computes the over-payment from the CRF's budget and holds the year until the State's repayment order is repaid, with a reminder at its due date", async () => {
    await withConvention(1, async (c, outbox, [year]) => {
      await bringIntoEffect(c, await today(env));
      const y = yearHandle(env, c.ref, year);
      await y.executeUpdate(recordRequestUpdate, { args: [{ ...meta(), sentOn: `${year}-01-20` }] });
      await y.executeUpdate(recordPaymentUpdate, { args: [pay(`VIR-${year}-0001`, 10000000, `${year}-03-15`)] });
      await y.executeUpdate(recordPaymentUpdate, { args: [pay(`VIR-${year}-0002`, 10000000, `${year}-09-15`)] });
      const report = (status: 'SUBMITTED' | 'ACCEPTED', on: string, extra = {}) => y.executeUpdate(recordFinancialReportUpdate, { args: [{ ...meta(), status, on, ...extra }] });

      // the amount spent is the budget's: typed in differently, refused
      expect(await refusal(report('SUBMITTED', `${year + 1}-02-01`, { budget: BUDGET, spentCents: 20000000 }))).toMatchObject({ type: 'RuleViolation', details: { code: 'BUDGET_MISMATCH', expensesCents: 23000000 } });
      const submitted = await report('SUBMITTED', `${year + 1}-02-01`, { budget: BUDGET });
      expect(submitted.report).toMatchObject({ state: 'SUBMITTED', spentCents: 23000000, budget: { expensesCents: 23000000, incomeCents: 2000000, coFinancingCents: 2500000, subsidyUsedCents: 18500000, subsidySharePercent: 80.43 } });
      expect(submitted.timeline.last.at(-1)?.summary).toContain('230 000 € dépensés, dont 185 000 € sur cette subvention (80,43 %)');

      const acceptedOn = `${year + 1}-03-01`;
      const accepted = await report('ACCEPTED', acceptedOn);
      expect(accepted).toMatchObject({
        stage: 'RECONCILING',
        underUseCents: 1500000,
        reconciliation: { usedCents: 18500000, expectedCents: 18500000, outstandingCents: 0, overpaidCents: 1500000, overpaymentHeld: true, awaiting: 'REPAYMENT_ORDER', reconciled: false },
        nextDeadline: { kind: 'SETTLEMENT', dueOn: addDays(acceptedOn, 90) },
      });
      // nothing to repay before the State orders it
      const early = await refusal(y.executeUpdate(recordRepaymentUpdate, { args: [{ ...meta(), repaidOn: `${year + 1}-03-10`, amountCents: 1500000, reference: 'Mandat 1' }] }));
      expect(early).toMatchObject({ type: 'InvalidTransition' });

      const dueOn = `${year + 1}-05-31`;
      const ordered = await y.executeUpdate(recordSettlementUpdate, { args: [settle('REPAYMENT_ORDERED', 1500000, `${year + 1}-04-01`, 'Titre de perception 311', dueOn)] });
      expect(ordered).toMatchObject({
        stage: 'RECONCILING',
        accepts: expect.arrayContaining(['repayment']),
        settlements: [{ decision: 'REPAYMENT_ORDERED', amountCents: 1500000, dueOn, reference: 'Titre de perception 311' }],
        reconciliation: { toRepayCents: 1500000, repaymentDueCents: 1500000, awaiting: 'REPAYMENT' },
        deadlines: [{ kind: 'REPAYMENT', dueOn }],
      });

      await sleepUntil(env, addDays(dueOn, -1));
      expect(kindsOf(outbox, c.ref)).toEqual([]);
      await sleepUntil(env, dueOn);
      await eventually(() => expect(kindsOf(outbox, c.ref)).toEqual([`REPAYMENT_REMINDER@${dueOn}`]));

      const tooMuch = await refusal(y.executeUpdate(recordRepaymentUpdate, { args: [{ ...meta(), repaidOn: `${year + 1}-06-05`, amountCents: 1500001, reference: 'Mandat 1' }] }));
      expect(tooMuch).toMatchObject({ type: 'Conflict', details: { repaymentDueCents: 1500000 } });
      const repaid = await y.executeUpdate(recordRepaymentUpdate, { args: [{ ...meta(), repaidOn: `${year + 1}-06-05`, amountCents: 1500000, reference: 'Mandat 1' }] });
      expect(repaid).toMatchObject({
        stage: 'CLOSED',
        closedOn: `${year + 1}-06-05`,
        deadlines: [],
        repayments: [{ repaidOn: `${year + 1}-06-05`, amountCents: 1500000, reference: 'Mandat 1' }],
        reconciliation: { receivedCents: 20000000, repaidCents: 1500000, repaymentDueCents: 0, reconciled: true },
      });
      expect(repaid.timeline.last.at(-1)).toMatchObject({ type: 'YEAR_CLOSED', summary: expect.stringContaining('15 000 € reversés') });
      await c.handle.result();
    });
  });
});
