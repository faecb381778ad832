/**
 * What a funding year shows (DOMAIN.md §2.4): the summary its convention lists, the answer of every year update and
 * query, the Temporal UI's current details and search attributes, its result; and the view of a year whose workflow
 * has not started yet (from its convention's view). Pure functions of the year's state.
 */
import type { SearchAttributePair, SearchAttributeUpdatePair } from '@temporalio/common';
import { frLongDate, isOverdue, timerHourOf } from '../shared/calendar';
import { PRE_CONVENTION_REF, PRE_FUNDING_STAGE, PRE_FUNDING_YEAR, PRE_NEXT_DEADLINE, PRE_NEXT_DEADLINE_KIND, PRE_OVERDUE, deadlineSearchAttributes, searchAttributeDate } from '../shared/search-attributes';
import type { FundingYearStage } from './convention.codes';
import type { FundingYearResult } from './convention.contract';
import { YEAR_STAGE_LABELS } from './convention.labels';
import type { ConventionView, DeadlineView, FundingYearSummary, FundingYearView } from './convention.records';
import { frEuros, reconcile, remainingCents, trancheAmounts } from './convention.rules';
import type { FundingYearState } from './funding-year.state';

/** Entries of the timeline a view embeds (the query `getYearTimeline` gives them all). */
export const VIEW_TIMELINE_ENTRIES = 10;

/** The year as its convention lists it (`stageOverride`: NOT_STARTED for a year shown before its workflow exists). */
export function yearSummary(y: FundingYearState, nowMs: number, stageOverride?: FundingYearStage): FundingYearSummary {
  const deadlines = y.deadlines(nowMs);
  return {
    year: y.year,
    workflowId: y.workflowId,
    stage: stageOverride ?? y.stage(),
    grantedCents: y.grantedCents,
    receivedCents: y.receivedCents,
    deadlines,
    nextDeadline: deadlines[0] ?? null,
    overdue: deadlines.some((d) => d.overdue),
    authorised: y.d.authorisation !== null,
    reportState: y.d.report.state,
    reportDueOn: y.reportDueOn,
    reportAcceptedOn: y.d.report.acceptedOn,
    nextPaymentAtRisk: y.nextPaymentAtRisk(nowMs),
    spentCents: y.d.report.spentCents,
    underUseCents: y.reconciliation().underUseCents,
    closedOn: y.d.closedOn,
  };
}

/** The funding year as it now stands (every year update's answer, `getYearState`). */
export function yearView(y: FundingYearState, nowMs: number): FundingYearView {
  const r = y.d.report;
  const due = y.dueDates();
  return {
    ...yearSummary(y, nowMs),
    conventionRef: y.ref,
    conventionWorkflowId: y.parentWorkflowId,
    remainingCents: remainingCents(y.grantedCents, y.receivedCents),
    authorisation: { authorised: y.d.authorisation !== null, current: y.d.authorisation, sessions: y.d.sessions },
    request: {
      dueOn: due.request.dueOn,
      statutoryDueOn: due.request.statutoryDueOn,
      catchUp: due.request.catchUp,
      sentOn: y.d.request?.sentOn ?? null,
      amountCents: y.d.request ? (y.d.request.amountCents ?? y.grantedCents) : null,
      portalDossierNumber: y.d.request?.portalDossierNumber ?? null,
      overdue: !y.d.request && !y.closed && isOverdue(y.requestDueOn, nowMs, timerHourOf(y.input.settings)),
      recorded: y.d.request ? { by: y.d.request.by, at: y.d.request.at } : null,
    },
    payments: y.d.payments,
    tranches: y.tranches(),
    report: {
      state: r.state,
      dueOn: due.report.dueOn,
      statutoryDueOn: due.report.statutoryDueOn,
      catchUp: due.report.catchUp,
      resubmissionOf: due.report.returnedOn,
      submittedOn: r.state === 'AWAITING_SUBMISSION' ? null : r.submittedOn,
      spentCents: r.spentCents,
      acceptedOn: r.acceptedOn,
      returns: r.returns,
      daysLate: y.reportDaysLate(nowMs),
      overdue: r.state === 'AWAITING_SUBMISSION' && !y.closed && isOverdue(y.reportDueOn, nowMs, timerHourOf(y.input.settings)),
      history: r.history,
      budget: y.budget(),
    },
    settlements: y.d.settlements ?? [],
    repayments: y.d.repayments ?? [],
    openedOn: due.openedOn,
    reminders: y.d.reminders,
    reconciliation: y.reconciliation(),
    previousYear: y.d.previousYear,
    accepts: y.accepts(),
    startedAt: y.d.startedAt,
    updatedAt: y.d.updatedAt,
    timeline: y.journal.tail(VIEW_TIMELINE_ENTRIES),
  };
}

/** The workflow's result once the year is closed. */
export function yearResult(y: FundingYearState): FundingYearResult {
  return {
    conventionRef: y.ref,
    year: y.year,
    grantedCents: y.grantedCents,
    receivedCents: y.receivedCents,
    spentCents: y.d.report.spentCents,
    underUseCents: y.reconciliation().underUseCents,
    reportAcceptedOn: y.d.report.acceptedOn,
    closedOn: y.d.closedOn ?? '',
  };
}

/** French markdown for the Temporal UI's current details. */
export function yearDetails(y: FundingYearState, nowMs: number): string {
  const sum = yearSummary(y, nowMs);
  const lines = [`**Année ${y.year}** · ${y.ref} · ${YEAR_STAGE_LABELS[sum.stage]}`, `Reçu ${frEuros(sum.receivedCents)} sur ${frEuros(sum.grantedCents)} accordés`];
  const next = sum.nextDeadline;
  if (next) lines.push(`Prochaine échéance : ${next.label.toLowerCase()} le ${frLongDate(next.dueOn)}${next.overdue ? ' — **en retard**' : ''}`);
  if (sum.nextPaymentAtRisk) lines.push('⚠ Versement suivant menacé (compte rendu financier en retard)');
  if (sum.underUseCents) lines.push(`Sous-utilisation : ${frEuros(sum.underUseCents)}`);
  if (y.closed) lines.push(`Close le ${frLongDate(y.d.closedOn!)}`);
  return lines.join('\n\n');
}

/** The year's search attributes now: a CRF so late that the next payment is at risk counts as overdue. */
export function yearSearchAttributes(sum: FundingYearSummary): SearchAttributeUpdatePair[] {
  return [{ key: PRE_FUNDING_STAGE, value: sum.stage }, ...deadlineSearchAttributes(sum.nextDeadline, sum.overdue || sum.nextPaymentAtRisk)];
}

/** The search attributes a year's workflow starts with (the convention passes them to `startChild`). */
export function fundingYearSearchAttributes(reference: string, year: number, stage: FundingYearStage, next: DeadlineView | null): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [
    { key: PRE_CONVENTION_REF, value: reference },
    { key: PRE_FUNDING_YEAR, value: year },
    { key: PRE_FUNDING_STAGE, value: stage },
    { key: PRE_OVERDUE, value: next?.overdue ?? false },
  ];
  if (next) {
    pairs.push({ key: PRE_NEXT_DEADLINE, value: searchAttributeDate(next.dueOn) });
    pairs.push({ key: PRE_NEXT_DEADLINE_KIND, value: next.kind });
  }
  return pairs;
}

/** A year's view before its workflow starts (stage NOT_STARTED), from the convention's view; null for a year it has not. */
export function pendingYearView(convention: ConventionView, year: number): FundingYearView | null {
  const summary = convention.years.find((y) => y.year === year);
  if (!summary) return null;
  const tranches = convention.tranches;
  const amounts = trancheAmounts(summary.grantedCents, tranches);
  const requestDeadline = summary.deadlines.find((d) => d.kind === 'SUBSIDY_REQUEST');
  return {
    ...summary,
    conventionRef: convention.reference,
    conventionWorkflowId: convention.workflowId,
    remainingCents: summary.grantedCents - summary.receivedCents,
    authorisation: { authorised: false, current: null, sessions: [] },
    request: { dueOn: requestDeadline?.dueOn ?? `${year}-01-31`, statutoryDueOn: requestDeadline?.dueOn ?? `${year}-01-31`, catchUp: false, sentOn: null, amountCents: null, portalDossierNumber: null, overdue: requestDeadline?.overdue ?? false, recorded: null },
    payments: [],
    tranches: tranches.map((t, index) => ({ index, share: t.share, condition: t.condition, amountCents: amounts[index], due: false, waitingFor: "en attente de la prise d'effet de la convention", paidCents: 0, status: 'NOT_DUE' as const })),
    report: { state: 'AWAITING_SUBMISSION', dueOn: summary.reportDueOn, statutoryDueOn: summary.reportDueOn, catchUp: false, resubmissionOf: null, submittedOn: null, spentCents: null, acceptedOn: null, returns: [], daysLate: 0, overdue: false, history: [], budget: null },
    settlements: [],
    repayments: [],
    openedOn: null,
    reminders: [],
    reconciliation: reconcile(summary.grantedCents, 0, null, false),
    previousYear: null,
    accepts: [],
    startedAt: null,
    updatedAt: null,
    timeline: { count: 0, last: [] },
  };
}
