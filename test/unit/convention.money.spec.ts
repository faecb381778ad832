/**
 * A funding year's money after its report (issue 15 items 2, 3, 10, 11), on the pure rules: the CRF's budget and the
 * subsidy's use computed from it, the reconciliation with the State's settlement and repayments, the deadlines while
 * a year waits for the State, and the ledger with its CSV.
 */
import { DEFAULT_CONVENTION_SETTINGS, type ConventionView, type CrfBudget, type FundingYearView, type SettlementRecord } from '../../workflows/convention/convention.contract';
import { NO_SETTLEMENT, reconcile } from '../../workflows/convention/convention.rules';
import { budgetView, moneyDeadlineRows, settlementFacts } from '../../workflows/convention/funding-year.money';
import { buildLedger, ledgerCsv } from '../../src/conventions/ledger';
import { parseCsv } from '../../src/reports/csv';
import { conventionSettingsFrom } from '../../src/config/convention.env';

const FIN = { sub: 'u-fin-1', role: 'finance' };
const at = '2027-09-01T08:00:00.000Z';

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

describe('the CRF budget (item 10)', () => {
  it("computes the expenses, the income, the co-financing and this subsidy's use and share from the budget, never above the award", () => {
    expect(budgetView(BUDGET, 20000000)).toMatchObject({ expensesCents: 23000000, incomeCents: 2000000, coFinancingCents: 2500000, subsidyUsedCents: 18500000, subsidySharePercent: 80.43 });
    // the same budget with an award of 150 000 €: the subsidy covers at most its award
    expect(budgetView(BUDGET, 15000000)).toMatchObject({ subsidyUsedCents: 15000000, subsidySharePercent: 65.22 });
    // other resources covering every expense: nothing of this subsidy is used
    expect(budgetView({ ...BUDGET, income: [{ category: 'OWN_FUNDS', amountCents: 30000000 }] }, 20000000)).toMatchObject({ subsidyUsedCents: 0, subsidySharePercent: 0 });
  });

  it('computes the under-use and the over-payment from the budget, and holds the year until the State orders the repayment', () => {
    const used = budgetView(BUDGET, 20000000).subsidyUsedCents;
    const rec = reconcile(20000000, 20000000, 23000000, true, { ...NO_SETTLEMENT, budgeted: true }, used);
    expect(rec).toMatchObject({ spentCents: 23000000, usedCents: 18500000, expectedCents: 18500000, underUseCents: 1500000, overpaidCents: 1500000, overpaymentHeld: true, awaiting: 'REPAYMENT_ORDER', reconciled: false });
    // a bare spentCents (no budget): the over-payment is shown, the year closes (the seed of API.md)
    expect(reconcile(20000000, 20000000, 19850000, true)).toMatchObject({ overpaidCents: 150000, overpaymentHeld: false, awaiting: null, reconciled: true });
  });
});

describe('settlement and repayment (items 2, 3)', () => {
  const order = (amountCents: number, dueOn: string, reference = 'Titre 2027-311'): SettlementRecord => ({ decision: 'REPAYMENT_ORDERED', amountCents, decidedOn: '2027-09-01', dueOn, reference, by: FIN, at });
  const reduced = (amountCents: number): SettlementRecord => ({ decision: 'BALANCE_REDUCED', amountCents, decidedOn: '2027-09-01', reference: 'Courrier préfecture 2027-88', by: FIN, at });

  it('lowers what the State owes by a reduced balance or rejected expenses, so that a year paid less reconciles', () => {
    // 2026: 200 000 € spent, 100 000 € received; the State reduces the balance by 20 000 €, then pays 80 000 €
    expect(reconcile(20000000, 10000000, 20000000, true)).toMatchObject({ expectedCents: 20000000, outstandingCents: 10000000, awaiting: 'BALANCE', reconciled: false });
    const facts = settlementFacts([reduced(2000000)]);
    expect(reconcile(20000000, 10000000, 20000000, true, facts)).toMatchObject({ reducedCents: 2000000, expectedCents: 18000000, outstandingCents: 8000000, awaiting: 'BALANCE' });
    expect(reconcile(20000000, 18000000, 20000000, true, facts)).toMatchObject({ outstandingCents: 0, overpaidCents: 0, awaiting: null, reconciled: true });
    // the balance reduced by all that remains: closed without any further payment
    expect(reconcile(20000000, 10000000, 20000000, true, settlementFacts([reduced(10000000)]))).toMatchObject({ expectedCents: 10000000, reconciled: true });
    // expenses rejected after the State paid everything: an over-payment the State claims back
    const rejected = settlementFacts([{ ...reduced(3000000), decision: 'EXPENSES_REJECTED' }]);
    expect(reconcile(20000000, 20000000, 20000000, true, rejected)).toMatchObject({ rejectedCents: 3000000, expectedCents: 17000000, overpaidCents: 3000000, overpaymentHeld: true, awaiting: 'REPAYMENT_ORDER' });
  });

  it('tracks a repayment order until it is repaid: the year closes only then', () => {
    const used = 18500000;
    const ordered = settlementFacts([order(1500000, '2027-11-30')], [], true);
    expect(reconcile(20000000, 20000000, 23000000, true, ordered, used)).toMatchObject({ toRepayCents: 1500000, repaidCents: 0, repaymentDueCents: 1500000, awaiting: 'REPAYMENT', reconciled: false });
    const part = settlementFacts([order(1500000, '2027-11-30')], [{ repaidOn: '2027-11-15', amountCents: 500000, reference: 'Mandat 1', by: FIN, at }], true);
    expect(reconcile(20000000, 20000000, 23000000, true, part, used)).toMatchObject({ repaymentDueCents: 1000000, awaiting: 'REPAYMENT' });
    const all = settlementFacts([order(1500000, '2027-11-30')], [{ repaidOn: '2027-11-15', amountCents: 1500000, reference: 'Mandat 1', by: FIN, at }], true);
    expect(reconcile(20000000, 20000000, 23000000, true, all, used)).toMatchObject({ repaidCents: 1500000, repaymentDueCents: 0, awaiting: null, reconciled: true });
  });

  it('sets a settlement deadline while the year waits for the State, and a repayment deadline at the order’s due date, each with a reminder and an escalation', () => {
    const base = { ref: 'CPO-PRE-2024-2026', year: 2026, settings: DEFAULT_CONVENTION_SETTINGS, closed: false, acceptedOn: '2027-03-01' };
    const waiting = moneyDeadlineRows({ ...base, rec: reconcile(20000000, 10000000, 20000000, true), settlements: [] });
    expect(waiting.map((r) => [r.kind, r.dueOn, r.reminders.map((p) => `${p.kind}@${p.fireOn}`)])).toEqual([['SETTLEMENT', '2027-05-30', ['SETTLEMENT_REMINDER@2027-05-30', 'SETTLEMENT_ESCALATION@2027-05-31']]]);
    expect(moneyDeadlineRows({ ...base, settings: { ...DEFAULT_CONVENTION_SETTINGS, settlementDays: 30 }, rec: reconcile(20000000, 10000000, 20000000, true), settlements: [] })[0].dueOn).toBe('2027-03-31');
    const orders = [order(1500000, '2027-11-30')];
    const due = moneyDeadlineRows({ ...base, rec: reconcile(20000000, 20000000, 23000000, true, settlementFacts(orders, [], true), 18500000), settlements: orders });
    expect(due.map((r) => [r.kind, r.dueOn, r.reminders.map((p) => `${p.kind}@${p.fireOn}`)])).toEqual([['REPAYMENT', '2027-11-30', ['REPAYMENT_REMINDER@2027-11-30', 'REPAYMENT_ESCALATION@2027-12-01']]]);
    // reconciled, or closed: nothing to wait for
    expect(moneyDeadlineRows({ ...base, rec: reconcile(20000000, 20000000, 20000000, true), settlements: [] })).toEqual([]);
    expect(moneyDeadlineRows({ ...base, closed: true, rec: reconcile(20000000, 10000000, 20000000, true), settlements: [] })).toEqual([]);
  });

  it('takes the settlement delay from PRE_SETTLEMENT_DAYS (default 90)', () => {
    const env = { PRE_SIGNATURE_REMINDER_DAYS: 15, PRE_REQUEST_DUE_MONTH: 1, PRE_REQUEST_DUE_DAY: 31, PRE_REPORT_DUE_MONTH: 6, PRE_REPORT_DUE_DAY: 30, PRE_REPORT_AT_RISK_DAYS: 60 };
    expect(conventionSettingsFrom(env).settlementDays).toBe(90);
    expect(conventionSettingsFrom({ ...env, PRE_SETTLEMENT_DAYS: 45 }).settlementDays).toBe(45);
  });
});

describe('the ledger (item 11)', () => {
  const year = (patch: Partial<FundingYearView>): FundingYearView =>
    ({
      year: 2025,
      stage: 'CLOSED',
      grantedCents: 18500000,
      closedOn: '2026-07-01',
      authorisation: { authorised: true, current: { kind: 'AWARD_NOTICE', on: '2025-03-12', awardNotice: 'Arrêté 2025-117', notifiedOn: '2025-03-12', grantedCents: 18500000, by: FIN, at }, sessions: [] },
      request: { dueOn: '2025-01-31', statutoryDueOn: '2025-01-31', catchUp: false, sentOn: '2025-01-20', amountCents: 20000000, portalDossierNumber: null, overdue: false, recorded: null },
      payments: [
        { reference: 'VIR-2025-0001', receivedOn: '2025-04-15', amountCents: 9250000, by: FIN, at },
        { reference: 'VIR-2025-0002', receivedOn: '2025-07-20', amountCents: 9250000, by: FIN, at },
      ],
      settlements: [],
      repayments: [],
      reconciliation: reconcile(18500000, 18500000, 19000000, true),
      ...patch,
    }) as FundingYearView;
  const convention = { reference: 'CPO-PRE-2024-2026' } as ConventionView;

  it('lists every amount with its date and reference, per year, with totals that balance to the cent', () => {
    const y2024 = year({
      year: 2024,
      grantedCents: 20000000,
      closedOn: '2025-11-15',
      authorisation: { authorised: true, current: { kind: 'DELIBERATION', on: '2024-07-03', deliberationId: 'd1', fromConventionDeliberation: true, by: FIN, at }, sessions: [] },
      request: { dueOn: '2024-01-31', statutoryDueOn: '2024-01-31', catchUp: false, sentOn: '2024-07-15', amountCents: 20000000, portalDossierNumber: null, overdue: false, recorded: null },
      payments: [{ reference: 'VIR-2024-0001', receivedOn: '2024-09-15', amountCents: 20000000, by: FIN, at }],
      settlements: [{ decision: 'REPAYMENT_ORDERED', amountCents: 1500000, decidedOn: '2025-09-01', dueOn: '2025-11-30', reference: 'Titre 2025-311', by: FIN, at }],
      repayments: [{ repaidOn: '2025-11-15', amountCents: 1500000, reference: 'Mandat 2025-4411', by: FIN, at }],
      reconciliation: reconcile(20000000, 20000000, 23000000, true, settlementFacts([{ decision: 'REPAYMENT_ORDERED', amountCents: 1500000, decidedOn: '2025-09-01', reference: 'T', by: FIN, at }], [{ repaidOn: '2025-11-15', amountCents: 1500000, reference: 'M', by: FIN, at }], true), 18500000),
    });
    const ledger = buildLedger(convention, [year({}), y2024]);
    expect(ledger.years.map((y) => y.year)).toEqual([2024, 2025]);
    expect(ledger.years[0].entries.map((e) => [e.kind, e.on, e.reference, e.amountCents])).toEqual([
      ['GRANTED', '2024-07-03', 'Délibération d1 de la convention CPO-PRE-2024-2026', 20000000],
      ['REQUESTED', '2024-07-15', null, 20000000],
      ['RECEIVED', '2024-09-15', 'VIR-2024-0001', 20000000],
      ['TO_REPAY', '2025-09-01', 'Titre 2025-311', 1500000],
      ['REPAID', '2025-11-15', 'Mandat 2025-4411', 1500000],
    ]);
    expect(ledger.years[1]).toMatchObject({ grantedCents: 18500000, receivedCents: 18500000, keptCents: 18500000, owedCents: 18500000, differenceCents: 0, balanced: true });
    expect(ledger.years[1].entries[0]).toEqual({ year: 2025, kind: 'REQUESTED', on: '2025-01-20', reference: null, amountCents: 20000000 });
    expect(ledger.totals).toEqual({
      grantedCents: 38500000,
      requestedCents: 40000000,
      receivedCents: 38500000,
      reducedCents: 0,
      rejectedCents: 0,
      toRepayCents: 1500000,
      repaidCents: 1500000,
      keptCents: 37000000,
      owedCents: 37000000,
      differenceCents: 0,
      balanced: true,
    });
  });

  it('writes the CSV as the indicators do: BOM, `;`, decimal comma, euros, one row per entry then the totals', () => {
    const csv = ledgerCsv(buildLedger(convention, [year({})]));
    expect(csv.startsWith('\uFEFFannée;date;nature;référence;montant;échéance\r\n')).toBe(true);
    const rows = parseCsv(csv);
    expect(rows[1]).toEqual(['2025', '2025-01-20', 'demandé', '', '200000,00', '']);
    expect(rows[2]).toEqual(['2025', '2025-03-12', 'accordé', 'Arrêté 2025-117', '185000,00', '']);
    expect(rows).toContainEqual(['2025', '', 'total reçu', '', '185000,00', '']);
    expect(rows.at(-1)).toEqual(['2025-2025', '', 'écart', '', '0,00', '']);
  });

  it('does not call a year balanced before its report is in', () => {
    const open = year({ stage: 'AWAITING_REPORT', closedOn: null, reconciliation: reconcile(18500000, 9250000, null, false), payments: [] });
    expect(buildLedger(convention, [open]).years[0]).toMatchObject({ owedCents: 0, differenceCents: 0, balanced: false });
    expect(buildLedger(convention, [open]).totals.balanced).toBe(false);
  });
});
