/**
 * A funding year's reconciliation (DOMAIN.md §2.4, issue 15 items 2, 3, 10): from the award, the money received, the
 * subsidy's use (the CRF's budget, or the amount spent) and the State's settlement, what it owes in the end, what is
 * outstanding, the under-use, the over-payment and what is to repay — and what the year still waits for before it
 * closes. Pure: the API, the workflows and the unit tests share it.
 */

/** The State's acts on a year after its CRF (issue 15 items 2, 3), summed, and whether the report gave its budget. */
export interface SettlementFacts {
  /** BALANCE_REDUCED: what the State owes lowered by this much. */
  reducedCents: number;
  /** EXPENSES_REJECTED: expenses the State does not count. */
  rejectedCents: number;
  /** REPAYMENT_ORDERED: the repayment orders (titres de perception). */
  toRepayCents: number;
  /** Repaid against them. */
  repaidCents: number;
  /** The subsidy's use was computed from the CRF's budget (item 10). */
  budgeted: boolean;
}

export const NO_SETTLEMENT: SettlementFacts = { reducedCents: 0, rejectedCents: 0, toRepayCents: 0, repaidCents: 0, budgeted: false };

/** What a year still waits for before it can close (null when reconciled or before a report is in). */
export type ReconciliationAwaits = 'REPORT_ACCEPTANCE' | 'BALANCE' | 'REPAYMENT_ORDER' | 'REPAYMENT';

/** The year's money once the report is in: what was spent, what was owed, what is left over, what is to repay. */
export interface Reconciliation {
  grantedCents: number;
  receivedCents: number;
  /** From the last submitted report (its budget's total expenses when it gave one); null before. */
  spentCents: number | null;
  /** What of this subsidy the action used: the budget's uncovered expenses, or the amount spent; null before a report. */
  usedCents: number | null;
  /** What the State owes in the end: min(granted, used − rejected) − reduced (never below 0); null before a report. */
  expectedCents: number | null;
  /** Still to receive: max(0, expected − received). */
  outstandingCents: number | null;
  /** Subsidy not used: max(0, granted − used) (flagged, with its amount). */
  underUseCents: number | null;
  /** Received beyond what the State owes: max(0, received − expected) (the State may claim it back). */
  overpaidCents: number | null;
  underUse: boolean;
  reducedCents: number;
  rejectedCents: number;
  /** Ordered to repay (titres de perception), repaid, and what remains to repay. */
  toRepayCents: number;
  repaidCents: number;
  repaymentDueCents: number;
  /**
   * The over-payment holds the year until the State orders its repayment and it is repaid: when it is computed from
   * the CRF's budget or follows the State's own settlement. An over-payment against a bare `spentCents` is shown only.
   */
  overpaymentHeld: boolean;
  /** What the year waits for; null once reconciled (or before a report). */
  awaiting: ReconciliationAwaits | null;
  /** Report accepted, nothing outstanding and nothing to repay: the year can close. */
  reconciled: boolean;
}

export function reconcile(grantedCents: number, receivedCents: number, spentCents: number | null, reportAccepted: boolean, acts: SettlementFacts = NO_SETTLEMENT, usedCents: number | null = spentCents): Reconciliation {
  const { reducedCents, rejectedCents, toRepayCents, repaidCents } = acts;
  const repaymentDueCents = Math.max(0, toRepayCents - repaidCents);
  const settled = { reducedCents, rejectedCents, toRepayCents, repaidCents, repaymentDueCents };
  if (spentCents === null || usedCents === null) {
    return { grantedCents, receivedCents, spentCents, usedCents: null, expectedCents: null, outstandingCents: null, underUseCents: null, overpaidCents: null, underUse: false, ...settled, overpaymentHeld: false, awaiting: null, reconciled: false };
  }
  const expected = Math.max(0, Math.min(grantedCents, Math.max(0, usedCents - rejectedCents)) - reducedCents);
  const outstanding = Math.max(0, expected - receivedCents);
  const underUse = Math.max(0, grantedCents - usedCents);
  const overpaid = Math.max(0, receivedCents - expected);
  const overpaymentHeld = overpaid > 0 && (acts.budgeted || rejectedCents > 0 || reducedCents > 0 || toRepayCents > 0);
  const awaiting: ReconciliationAwaits | null = !reportAccepted
    ? 'REPORT_ACCEPTANCE'
    : outstanding > 0
      ? 'BALANCE'
      : overpaymentHeld && toRepayCents === 0
        ? 'REPAYMENT_ORDER'
        : repaymentDueCents > 0
          ? 'REPAYMENT'
          : null;
  return {
    grantedCents,
    receivedCents,
    spentCents,
    usedCents,
    expectedCents: expected,
    outstandingCents: outstanding,
    underUseCents: underUse,
    overpaidCents: overpaid,
    underUse: underUse > 0,
    ...settled,
    overpaymentHeld,
    awaiting,
    reconciled: awaiting === null,
  };
}
