/**
 * A funding year's money after its financial report (DOMAIN.md §2.4, issue 15 items 2, 3, 10): the CRF's budget and
 * the subsidy's use computed from it, the State's settlement (balance reduced, expenses rejected, repayment ordered),
 * the repayments, the deadlines while the year waits for them, and the close once everything reconciles. Pure
 * functions over the year's state (`MoneyHost`, which FundingYearState is); deterministic and I/O-free.
 */
import type { NotificationRequest } from '../../activities/notifications.types';
import { addDays, frLongDate, maxDate, type IsoDate } from '../shared/calendar';
import { FailureType, failure } from '../shared/failures';
import type { Actor } from '../shared/messages';
import { assertDate, assertInWindow, paymentWindow } from './convention.checks';
import { SETTLEMENT_DECISIONS, type SettlementDecision } from './convention.codes';
import type { DeadlineRow, ReminderPlan } from './convention.deadlines';
import type { ConventionSettings, CrfBudget, PaymentInput, RepaymentInput, SettlementInput } from './convention.inputs';
import type { AuthorisationRecord, BudgetView, FundingYearView, PaymentRecord, RepaymentRecord, SettlementRecord, TimelineEntry, TrancheView } from './convention.records';
import { frEuros, remainingCents, type Reconciliation, type SettlementFacts } from './convention.rules';

/** Days after the CRF's acceptance by which the State's balance or settlement is expected, when the settings do not say. */
export const DEFAULT_SETTLEMENT_DAYS = 90;

/** What of a funding year the money rules read and change (FundingYearState). */
export interface MoneyHost {
  readonly year: number;
  readonly ref: string;
  readonly grantedCents: number;
  readonly receivedCents: number;
  readonly input: { effectiveOn: IsoDate; years: number[] };
  readonly d: {
    authorisation: AuthorisationRecord | null;
    payments: PaymentRecord[];
    paymentAnswers: Record<string, FundingYearView>;
    settlements?: SettlementRecord[];
    repayments?: RepaymentRecord[];
    report: { state: string; acceptedOn: IsoDate | null };
    closedOn: IsoDate | null;
    parentDirty: boolean;
  };
  reconciliation(): Reconciliation;
  tranches(): TrancheView[];
  assertOpen(what: string): void;
  add(actor: Actor, type: TimelineEntry['type'], summary: string, nowMs: number, extra?: { requestedAt?: string; idempotencyKey?: string; onDate?: IsoDate }): void;
  changed(nowMs: number): void;
}

const DECISION_LABELS: Record<SettlementDecision, string> = {
  BALANCE_REDUCED: 'solde réduit',
  EXPENSES_REJECTED: 'dépenses rejetées',
  REPAYMENT_ORDERED: 'titre de perception émis',
};

// ---------------------------------------------------------------------------------------------------------
// Payments received
// ---------------------------------------------------------------------------------------------------------

/** The first answer to a payment reference already recorded (same amount and date), or undefined. */
export function paymentReplay(h: MoneyHost, i: PaymentInput): FundingYearView | undefined {
  const prior = h.d.payments.find((p) => p.reference === i.reference);
  if (!prior) return undefined;
  if (prior.amountCents !== i.amountCents || prior.receivedOn !== i.receivedOn) {
    throw failure(
      FailureType.DUPLICATE,
      `Payment ${i.reference} is already recorded for ${h.year} with ${frEuros(prior.amountCents)} received on ${prior.receivedOn}; a payment reference is recorded once.`,
      { reference: i.reference, amountCents: prior.amountCents, receivedOn: prior.receivedOn },
    );
  }
  return h.d.paymentAnswers[i.reference];
}

/** A payment in its window and within what remains of the year's award. */
export function validatePayment(h: MoneyHost, i: PaymentInput): void {
  if (paymentReplay(h, i)) return;
  h.assertOpen('payment');
  assertDate(i.receivedOn, 'receivedOn');
  if (typeof i.reference !== 'string' || i.reference.trim() === '') throw failure(FailureType.BAD_INPUT, 'reference must name the payment.', { field: 'reference' });
  if (!Number.isInteger(i.amountCents) || i.amountCents <= 0) throw failure(FailureType.BAD_INPUT, 'amountCents must be a positive whole number of cents.', { field: 'amountCents' });
  const window = paymentWindow(h.input.effectiveOn, h.input.years, h.d.authorisation?.on ?? null);
  assertInWindow(i.receivedOn, window, `Payment ${i.reference} for ${h.year}`, 'receivedOn');
  const remaining = remainingCents(h.grantedCents, h.receivedCents);
  if (i.amountCents > remaining) {
    throw failure(
      FailureType.CONFLICT,
      `A payment of ${frEuros(i.amountCents)} exceeds what remains to be received for ${h.year}: ${frEuros(remaining)} (${frEuros(h.receivedCents)} already received of ${frEuros(h.grantedCents)} granted).`,
      { remainingCents: remaining, receivedCents: h.receivedCents, grantedCents: h.grantedCents },
    );
  }
}

export function applyPayment(h: MoneyHost, i: PaymentInput, nowMs: number): void {
  const before = h.tranches();
  h.d.payments.push({ reference: i.reference, receivedOn: i.receivedOn, amountCents: i.amountCents, by: i.actor, at: new Date(nowMs).toISOString() });
  const after = h.tranches();
  const early = before.some((t, k) => !t.due && after[k].paidCents > t.paidCents) ? ' (avant que la tranche correspondante soit due)' : '';
  const summary = `Versement ${i.reference} de ${frEuros(i.amountCents)} reçu le ${frLongDate(i.receivedOn)}${early} ; reçu ${frEuros(h.receivedCents)} sur ${frEuros(h.grantedCents)}`;
  h.add(i.actor, 'PAYMENT_RECORDED', summary, nowMs, { requestedAt: i.at, idempotencyKey: i.idempotencyKey, onDate: i.receivedOn });
  h.changed(nowMs);
  closeIfReconciled(h, i.actor, nowMs);
}

export function rememberPayment(h: MoneyHost, reference: string, answer: FundingYearView): void {
  h.d.paymentAnswers[reference] = JSON.parse(JSON.stringify(answer)) as FundingYearView;
}

// ---------------------------------------------------------------------------------------------------------
// The CRF's budget (item 10)
// ---------------------------------------------------------------------------------------------------------

const sum = (xs: ReadonlyArray<{ amountCents: number }>): number => xs.reduce((a, x) => a + x.amountCents, 0);

/**
 * The budget with what follows from it: this subsidy's use is the expenses that the other income and the co-financers
 * do not cover, at most the amount granted; its share is that use over the expenses.
 */
export function budgetView(b: CrfBudget, grantedCents: number): BudgetView {
  const expensesCents = sum(b.expenses);
  const incomeCents = sum(b.income);
  const coFinancingCents = sum(b.coFinancers);
  const subsidyUsedCents = Math.min(grantedCents, Math.max(0, expensesCents - incomeCents - coFinancingCents));
  const subsidySharePercent = expensesCents > 0 ? Math.round((subsidyUsedCents * 10000) / expensesCents) / 100 : 0;
  return { ...b, expensesCents, incomeCents, coFinancingCents, subsidyUsedCents, subsidySharePercent };
}

const isCents = (v: unknown, min: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min;

/** A submitted CRF's budget is complete, its amounts whole cents, and `spentCents`, when given too, is its total expenses. */
export function validateBudget(b: CrfBudget | null | undefined, spentCents: number | undefined): void {
  if (b === undefined || b === null) return; // null is no budget (the DTO lets an optional field be null)
  const lines = [...(b.expenses ?? []), ...(b.income ?? []), ...(b.coFinancers ?? [])];
  if (!Array.isArray(b.expenses) || b.expenses.length === 0 || !Array.isArray(b.income) || !Array.isArray(b.coFinancers) || lines.some((l) => !isCents(l.amountCents, 0))) {
    throw failure(FailureType.BAD_INPUT, 'budget needs its expenses (at least one line), income and coFinancers, each amount in whole cents.', { field: 'budget' });
  }
  const total = sum(b.expenses);
  if (spentCents !== undefined && spentCents !== total) {
    throw failure(FailureType.RULE_VIOLATION, `spentCents (${frEuros(spentCents)}) differs from the budget's total expenses (${frEuros(total)}): the amount spent is computed from the budget; leave spentCents out.`, {
      code: 'BUDGET_MISMATCH',
      field: 'spentCents',
      expensesCents: total,
    });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Settlement and repayment (items 2, 3)
// ---------------------------------------------------------------------------------------------------------

/** The State's acts summed, for the reconciliation. */
export function settlementFacts(settlements: readonly SettlementRecord[] = [], repayments: readonly RepaymentRecord[] = [], budgeted = false): SettlementFacts {
  const of = (d: SettlementDecision) => sum(settlements.filter((s) => s.decision === d));
  return { reducedCents: of('BALANCE_REDUCED'), rejectedCents: of('EXPENSES_REJECTED'), toRepayCents: of('REPAYMENT_ORDERED'), repaidCents: sum(repayments), budgeted };
}

function assertAct(reference: unknown, amountCents: unknown): void {
  if (typeof reference !== 'string' || reference.trim() === '') throw failure(FailureType.BAD_INPUT, 'reference must name the act.', { field: 'reference' });
  if (!isCents(amountCents, 1)) throw failure(FailureType.BAD_INPUT, 'amountCents must be a positive whole number of cents.', { field: 'amountCents' });
}

export function validateSettlement(h: MoneyHost, i: SettlementInput): void {
  h.assertOpen('settlement');
  if (!(SETTLEMENT_DECISIONS as readonly string[]).includes(i.decision)) throw failure(FailureType.BAD_INPUT, `decision must be one of: ${SETTLEMENT_DECISIONS.join(', ')}.`, { field: 'decision' });
  assertAct(i.reference, i.amountCents);
  assertDate(i.decidedOn, 'decidedOn');
  const acceptedOn = h.d.report.acceptedOn;
  if (h.d.report.state !== 'ACCEPTED' || !acceptedOn) {
    throw failure(FailureType.INVALID_TRANSITION, `The State settles year ${h.year} once its financial report is accepted; the report is not accepted yet.`);
  }
  if (i.decidedOn < acceptedOn) throw failure(FailureType.RULE_VIOLATION, `A settlement of ${h.year} cannot be decided on ${i.decidedOn}, before the financial report was accepted (${acceptedOn}).`, { code: 'DATE_ORDER', field: 'decidedOn' });
  const prior = (h.d.settlements ?? []).find((s) => s.reference === i.reference);
  if (prior) throw failure(FailureType.DUPLICATE, `The act ${i.reference} is already recorded for ${h.year} (${prior.decision}, ${frEuros(prior.amountCents)} on ${prior.decidedOn}).`, { reference: i.reference });
  // conditional fields are rules (422), not the body's shape: the document cannot say "required with REPAYMENT_ORDERED"
  if (i.decision !== 'REPAYMENT_ORDERED' && i.dueOn !== undefined) throw failure(FailureType.RULE_VIOLATION, 'dueOn is the due date of a repayment order: only with REPAYMENT_ORDERED.', { code: 'DUE_DATE_WITH_REPAYMENT_ONLY', field: 'dueOn' });
  if (i.decision === 'REPAYMENT_ORDERED' && i.dueOn === undefined) throw failure(FailureType.RULE_VIOLATION, 'A repayment order needs the date the repayment is due (dueOn).', { code: 'REPAYMENT_DUE_DATE', field: 'dueOn' });
  const rec = h.reconciliation();
  if (i.decision === 'BALANCE_REDUCED' && i.amountCents > (rec.outstandingCents ?? 0)) {
    throw failure(FailureType.RULE_VIOLATION, `The balance of ${h.year} cannot be reduced by ${frEuros(i.amountCents)}: ${frEuros(rec.outstandingCents ?? 0)} remains owed (money received beyond it is claimed by a REPAYMENT_ORDERED).`, {
      code: 'SETTLEMENT_OVER_BALANCE',
      outstandingCents: rec.outstandingCents,
    });
  }
  const counted = Math.max(0, (rec.usedCents ?? 0) - rec.rejectedCents);
  if (i.decision === 'EXPENSES_REJECTED' && i.amountCents > counted) {
    throw failure(FailureType.RULE_VIOLATION, `${frEuros(i.amountCents)} of expenses cannot be rejected for ${h.year}: ${frEuros(counted)} of this subsidy's use is counted.`, { code: 'SETTLEMENT_OVER_EXPENSES', usedCents: counted });
  }
  if (i.decision === 'REPAYMENT_ORDERED') {
    assertDate(i.dueOn, 'dueOn');
    if (i.dueOn < i.decidedOn) throw failure(FailureType.RULE_VIOLATION, `The repayment cannot be due on ${i.dueOn}, before the order (${i.decidedOn}).`, { code: 'DATE_ORDER', field: 'dueOn' });
    if (rec.toRepayCents + i.amountCents > h.receivedCents) {
      throw failure(FailureType.RULE_VIOLATION, `The State cannot order ${frEuros(rec.toRepayCents + i.amountCents)} repaid for ${h.year}: it paid ${frEuros(h.receivedCents)}.`, { code: 'REPAYMENT_OVER_RECEIVED', receivedCents: h.receivedCents, toRepayCents: rec.toRepayCents });
    }
  }
}

export function applySettlement(h: MoneyHost, i: SettlementInput, nowMs: number): void {
  const record: SettlementRecord = { decision: i.decision, amountCents: i.amountCents, decidedOn: i.decidedOn, reference: i.reference, by: i.actor, at: new Date(nowMs).toISOString() };
  if (i.decision === 'REPAYMENT_ORDERED') record.dueOn = i.dueOn;
  (h.d.settlements ??= []).push(record);
  const due = i.dueOn ? `, à reverser avant le ${frLongDate(i.dueOn)}` : '';
  const rec = h.reconciliation();
  const owed = rec.outstandingCents ? ` ; reste dû par l'État ${frEuros(rec.outstandingCents)}` : '';
  h.add(i.actor, 'SETTLEMENT_RECORDED', `Année ${h.year} : ${DECISION_LABELS[i.decision]} de ${frEuros(i.amountCents)} (« ${i.reference} », ${frLongDate(i.decidedOn)})${due}${owed}`, nowMs, {
    requestedAt: i.at,
    idempotencyKey: i.idempotencyKey,
    onDate: i.decidedOn,
  });
  h.changed(nowMs);
  closeIfReconciled(h, i.actor, nowMs);
}

export function validateRepayment(h: MoneyHost, i: RepaymentInput): void {
  h.assertOpen('repayment');
  assertAct(i.reference, i.amountCents);
  assertDate(i.repaidOn, 'repaidOn');
  const orders = (h.d.settlements ?? []).filter((s) => s.decision === 'REPAYMENT_ORDERED');
  const due = h.reconciliation().repaymentDueCents;
  if (orders.length === 0 || due === 0) throw failure(FailureType.INVALID_TRANSITION, `No repayment order of ${h.year} awaits repayment; record the State's REPAYMENT_ORDERED settlement first.`);
  if ((h.d.repayments ?? []).some((r) => r.reference === i.reference)) throw failure(FailureType.DUPLICATE, `The repayment ${i.reference} is already recorded for ${h.year}.`, { reference: i.reference });
  if (i.amountCents > due) throw failure(FailureType.CONFLICT, `A repayment of ${frEuros(i.amountCents)} exceeds what remains to repay for ${h.year}: ${frEuros(due)}.`, { repaymentDueCents: due });
  const first = orders[0].decidedOn;
  if (i.repaidOn < first) throw failure(FailureType.RULE_VIOLATION, `A repayment cannot be dated ${i.repaidOn}, before the repayment order (${first}).`, { code: 'DATE_ORDER', field: 'repaidOn' });
}

export function applyRepayment(h: MoneyHost, i: RepaymentInput, nowMs: number): void {
  (h.d.repayments ??= []).push({ repaidOn: i.repaidOn, amountCents: i.amountCents, reference: i.reference, by: i.actor, at: new Date(nowMs).toISOString() });
  const left = h.reconciliation().repaymentDueCents;
  h.add(i.actor, 'REPAYMENT_RECORDED', `Année ${h.year} : ${frEuros(i.amountCents)} reversés à l'État le ${frLongDate(i.repaidOn)} (« ${i.reference} »)${left ? ` ; reste à reverser ${frEuros(left)}` : ''}`, nowMs, {
    requestedAt: i.at,
    idempotencyKey: i.idempotencyKey,
    onDate: i.repaidOn,
  });
  h.changed(nowMs);
  closeIfReconciled(h, i.actor, nowMs);
}

/**
 * Closes the year once the report is accepted, nothing is outstanding and nothing is to repay, on the latest of the
 * acceptance, the payments, the settlement and the repayments (under-use flagged with its amount).
 */
export function closeIfReconciled(h: MoneyHost, actor: Actor, nowMs: number): void {
  const rec = h.reconciliation();
  if (h.d.closedOn !== null || !rec.reconciled) return;
  const dates = [h.d.report.acceptedOn!, ...h.d.payments.map((p) => p.receivedOn), ...(h.d.settlements ?? []).map((s) => s.decidedOn), ...(h.d.repayments ?? []).map((r) => r.repaidOn)];
  h.d.closedOn = dates.reduce((a, b) => maxDate(a, b));
  const under = rec.underUse ? ` ; sous-utilisation de ${frEuros(rec.underUseCents!)} signalée` : ' ; subvention entièrement utilisée';
  const reduced = rec.reducedCents + rec.rejectedCents ? ` ; versement de l'État réduit de ${frEuros(rec.reducedCents + rec.rejectedCents)}` : '';
  const repaid = rec.repaidCents ? ` ; ${frEuros(rec.repaidCents)} reversés` : rec.overpaidCents ? ` ; ${frEuros(rec.overpaidCents)} reçus au-delà des dépenses` : '';
  h.add(actor, 'YEAR_CLOSED', `Année ${h.year} close : ${frEuros(rec.receivedCents)} reçus, ${frEuros(rec.spentCents!)} dépensés${under}${reduced}${repaid}`, nowMs, { onDate: h.d.closedOn });
  h.d.parentDirty = true;
}

// ---------------------------------------------------------------------------------------------------------
// Deadlines while the year waits for the State (rows of the year's table)
// ---------------------------------------------------------------------------------------------------------

/** What the money deadlines depend on. */
export interface MoneyFacts {
  ref: string;
  year: number;
  settings: ConventionSettings;
  closed: boolean;
  acceptedOn: IsoDate | null;
  rec: Reconciliation;
  settlements: readonly SettlementRecord[];
}

/** The first repayment order not fully repaid (repayments allocated to the orders in order). */
function firstUnpaidOrder(f: MoneyFacts): SettlementRecord | null {
  let repaid = f.rec.repaidCents;
  for (const o of f.settlements.filter((s) => s.decision === 'REPAYMENT_ORDERED')) {
    if (repaid < o.amountCents) return o;
    repaid -= o.amountCents;
  }
  return null;
}

/**
 * SETTLEMENT: the CRF accepted, the year waits for the State's balance or its decision (a repayment order for an
 * over-payment) — due `settlementDays` after the acceptance, a reminder on the day, an escalation after.
 * REPAYMENT: a repayment order not repaid — a reminder on its due date, an escalation after.
 */
export function moneyDeadlineRows(f: MoneyFacts): DeadlineRow[] {
  if (f.closed || !f.acceptedOn) return [];
  const s = f.settings;
  const { ref, year } = f;
  const path = `/conventions/${ref}/years/${year}`;
  const note = (recipients: string[], subject: string, body: string): Omit<NotificationRequest, 'key' | 'kind' | 'dueOn' | 'workflowId'> => ({ recipients, subject, body, conventionRef: ref });
  const rows: DeadlineRow[] = [];
  const plans = (deadline: 'SETTLEMENT' | 'REPAYMENT', D: IsoDate, what: string, act: string): ReminderPlan[] => [
    {
      kind: `${deadline}_REMINDER`,
      deadline,
      dueOn: D,
      fireOn: D,
      type: 'REMINDER_SENT',
      summary: `Relance : ${what} attendu le ${frLongDate(D)}`,
      notification: () => note([s.financeRecipient], `Année ${year} : ${what} attendu le ${frLongDate(D)} — ${ref}`, `Pour l'année ${year} de la convention ${ref}, ${what} est attendu le ${frLongDate(D)}. ${act}`),
    },
    {
      kind: `${deadline}_ESCALATION`,
      deadline,
      dueOn: D,
      fireOn: addDays(D, s.escalationDaysAfter),
      type: 'ESCALATION_SENT',
      summary: `Alerte : ${what} non enregistré à l'échéance du ${frLongDate(D)}`,
      notification: () => note([s.financeRecipient, s.coordinatorRecipient], `Année ${year} : ${what} en retard — ${ref}`, `Pour l'année ${year} de la convention ${ref}, ${what} était attendu le ${frLongDate(D)} et n'est pas enregistré. ${act}`),
    },
  ];
  const awaiting = f.rec.awaiting;
  if (awaiting === 'BALANCE' || awaiting === 'REPAYMENT_ORDER') {
    const D = addDays(f.acceptedOn, s.settlementDays ?? DEFAULT_SETTLEMENT_DAYS);
    const what = awaiting === 'BALANCE' ? `le solde de ${frEuros(f.rec.outstandingCents!)} ou la décision de l'État` : `la décision de l'État sur le trop-perçu de ${frEuros(f.rec.overpaidCents!)}`;
    rows.push({ kind: 'SETTLEMENT', dueOn: D, label: `Solde ${year} à régler avec l'État`, year, reminders: plans('SETTLEMENT', D, what, `Enregistrez le versement (POST ${path}/payments) ou la décision de l'État (POST ${path}/settlement).`) });
  }
  const order = f.rec.repaymentDueCents > 0 ? firstUnpaidOrder(f) : null;
  if (order?.dueOn) {
    const what = `le reversement de ${frEuros(f.rec.repaymentDueCents)} (titre « ${order.reference} »)`;
    rows.push({ kind: 'REPAYMENT', dueOn: order.dueOn, label: `Reversement ${year} à effectuer`, year, reminders: plans('REPAYMENT', order.dueOn, what, `Une fois reversé, enregistrez-le (POST ${path}/repayment).`) });
  }
  return rows;
}
