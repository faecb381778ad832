/**
 * What a convention shows (DOMAIN.md §2): the answer of every convention update and query (with each year as it last
 * reported, or as it will start), the Temporal UI's current details and search attributes, its result; and, for the
 * API creating a convention, its start options. Pure functions of the convention's state.
 */
import type { SearchAttributePair, SearchAttributeUpdatePair } from '@temporalio/common';
import { addDays, byDueDate, frLongDate, isReached, timerHourOf } from '../shared/calendar';
import { PRE_CONVENTION_REF, PRE_FUNDING_STAGE, PRE_OVERDUE, deadlineSearchAttributes } from '../shared/search-attributes';
import { ui } from '../shared/ui-text';
import { conventionWorkflowId, type ConventionInput, type ConventionResult } from './convention.contract';
import { shownDeadlines } from './convention.deadlines';
import type { ConventionTerms } from './convention.inputs';
import { CONVENTION_STAGE_LABELS, YEAR_STAGE_LABELS, conventionLabel, conventionStaticSummary } from './convention.labels';
import type { ConventionView, DeadlineView, FundingYearSummary } from './convention.records';
import { frEuros, prefetWindowEndsOn, tranchesOf } from './convention.rules';
import type { ConventionState } from './convention.state';
import { FundingYearState } from './funding-year.state';
import { VIEW_TIMELINE_ENTRIES, yearSummary } from './funding-year.view';

/** A year as the convention shows it: as it last reported, or (not started yet) as it will start. */
export function yearSummaryOf(c: ConventionState, year: number, nowMs: number): FundingYearSummary {
  const reported = c.reportedSummary(year, nowMs);
  if (reported) return reported;
  const projection = new FundingYearState(c.childInput(year), nowMs, true, c.d.effectiveOn !== null);
  return yearSummary(projection, nowMs, c.d.startedYears.includes(year) ? undefined : 'NOT_STARTED');
}

/** The convention's own deadlines and those of its started years, soonest first. */
export function conventionDeadlines(c: ConventionState, nowMs: number, years: FundingYearSummary[]): DeadlineView[] {
  const started = years.filter((y) => y.stage !== 'NOT_STARTED').flatMap((y) => y.deadlines);
  return [...shownDeadlines(c.deadlineTable(), nowMs, timerHourOf(c.settings)), ...started].sort(byDueDate);
}

/** The convention as it now stands (every convention update's answer, `getState`). */
export function conventionView(c: ConventionState, nowMs: number): ConventionView {
  const years = c.years.map((y) => yearSummaryOf(c, y, nowMs));
  const deadlines = conventionDeadlines(c, nowMs, years);
  const transmittedOn = c.d.transmission?.transmittedOn ?? null;
  const windowEnd = transmittedOn ? prefetWindowEndsOn(transmittedOn) : null;
  return {
    workflowId: c.workflowId,
    reference: c.ref,
    subject: c.terms.subject,
    parties: c.terms.parties,
    stage: c.stage(),
    annualAmountCents: c.terms.annualAmountCents,
    tranches: tranchesOf(c.terms),
    totalGrantedCents: c.totalGranted(),
    totalReceivedCents: years.reduce((a, y) => a + y.receivedCents, 0),
    years,
    deliberations: c.d.deliberations,
    adoptedDeliberationId: c.d.adoptedId,
    legality: {
      publishedOn: c.d.publication?.publishedOn ?? null,
      transmittedOn,
      acknowledgementRef: c.d.transmission?.acknowledgementRef ?? null,
      enforceableOn: c.enforceableOn,
      enforceable: c.enforceableOn !== null,
      prefetWindowEndsOn: windowEnd,
      prefetWindowOpen: windowEnd !== null && !isReached(addDays(windowEnd, 1), nowMs, timerHourOf(c.settings)),
      publication: c.d.publication ? { by: c.d.publication.by, at: c.d.publication.at } : null,
      transmission: c.d.transmission ? { by: c.d.transmission.by, at: c.d.transmission.at } : null,
    },
    signatures: c.d.signatures,
    effectiveOn: c.d.effectiveOn,
    notifiedOn: c.notifiedOn,
    finalReportDueOn: c.finalReportDueOn,
    deadlines,
    nextDeadline: deadlines[0] ?? null,
    overdue: deadlines.some((d) => d.overdue),
    reminders: c.d.reminders,
    accepts: c.accepts(),
    createdBy: c.input.createdBy,
    createdAt: c.input.createdAt,
    updatedAt: c.d.updatedAt,
    completedOn: c.d.completedOn,
    timeline: c.journal.tail(VIEW_TIMELINE_ENTRIES),
  };
}

/** The workflow's result once every year is closed. */
export function conventionResult(c: ConventionState): ConventionResult {
  return {
    reference: c.ref,
    years: c.years.map((y) => {
      const s = c.d.yearSummaries[String(y)];
      return {
        conventionRef: c.ref,
        year: y,
        grantedCents: s?.grantedCents ?? c.terms.annualAmountCents,
        receivedCents: s?.receivedCents ?? 0,
        spentCents: s?.spentCents ?? null,
        underUseCents: s?.underUseCents ?? null,
        reportAcceptedOn: s?.reportAcceptedOn ?? null,
        closedOn: s?.closedOn ?? '',
      };
    }),
    totalGrantedCents: c.totalGranted(),
    totalReceivedCents: c.totalReceived(),
    completedOn: c.d.completedOn ?? '',
  };
}

/** French markdown for the Temporal UI's current details. */
export function conventionDetails(c: ConventionState, v: ConventionView): string {
  const lines = [`**${conventionLabel(c.terms)}** · ${c.terms.parties.state} / ${c.terms.parties.beneficiary} · ${CONVENTION_STAGE_LABELS[v.stage]}${v.effectiveOn ? ` depuis le ${frLongDate(v.effectiveOn)}` : ''}`];
  const a = c.adopted;
  if (a) {
    const legal = v.legality.enforceableOn ? ` · exécutoire le ${frLongDate(v.legality.enforceableOn)} · contrôle de légalité jusqu'au ${frLongDate(v.legality.prefetWindowEndsOn!)}` : '';
    lines.push(`Délibération du ${frLongDate(a.body.sessionDate)} : ${a.result.summary}${legal}`);
  }
  lines.push(v.years.map((y) => `${y.year} : ${YEAR_STAGE_LABELS[y.stage]}${y.nextPaymentAtRisk ? ' ⚠' : ''}`).join(' · '));
  const next = v.nextDeadline;
  if (next) lines.push(`Prochaine échéance : ${next.label.toLowerCase()} le ${frLongDate(next.dueOn)}${next.year ? ` (${next.year})` : ''}${next.overdue ? ' — **en retard**' : ''}`);
  lines.push(`Rapport final dû le ${frLongDate(v.finalReportDueOn)} · reçu ${frEuros(v.totalReceivedCents)} sur ${frEuros(v.totalGrantedCents)}`);
  return lines.join('\n\n');
}

/** The convention's search attributes now. */
export function conventionSearchAttributesOf(v: ConventionView): SearchAttributeUpdatePair[] {
  return [{ key: PRE_CONVENTION_REF, value: v.reference }, { key: PRE_FUNDING_STAGE, value: v.stage }, ...deadlineSearchAttributes(v.nextDeadline, v.overdue)];
}

// ---------------------------------------------------------------------------------------------------------
// For the API, when it creates a convention
// ---------------------------------------------------------------------------------------------------------

/** The search attributes to start a convention with; the workflow upserts them again at each change. */
export function conventionSearchAttributes(terms: Pick<ConventionTerms, 'reference'>): SearchAttributePair[] {
  return [
    { key: PRE_CONVENTION_REF, value: terms.reference },
    { key: PRE_FUNDING_STAGE, value: 'AWAITING_DELIBERATION' },
    { key: PRE_OVERDUE, value: false },
  ];
}

/**
 * Options for `new WithStartWorkflowOperation(conventionWorkflow, { ...conventionStartOptions(input), taskQueue })`:
 * id, args, search attributes, static summary, and the policies that make `POST /conventions` idempotent (a
 * running convention is reused so its `createConvention` answers; a completed one is never started again).
 */
export function conventionStartOptions(input: ConventionInput) {
  return {
    workflowId: conventionWorkflowId(input.convention.reference),
    args: [input] as [ConventionInput],
    typedSearchAttributes: input.settings.searchAttributes === false ? [] : conventionSearchAttributes(input.convention),
    staticSummary: ui(conventionStaticSummary(input.convention)),
    workflowIdConflictPolicy: 'USE_EXISTING' as const,
    workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
  };
}
