import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair, UpdateDefinition } from '@temporalio/common';
import type { Activities } from '../../activities/index';
import {
  getYearStateQuery,
  getYearTimelineQuery,
  previousYearChangedSignal,
  recordAuthorisationUpdate,
  recordFinancialReportUpdate,
  recordPaymentUpdate,
  recordRequestUpdate,
  searchAttributeDate,
  yearChangedSignal,
  type FundingYearInput,
  type FundingYearResult,
  type FundingYearUpdateName,
  type FundingYearView,
  type UpdateMeta,
} from './convention.contract';
import { FundingYearState } from './funding-year.state';
import { PRE_FUNDING_STAGE, PRE_NEXT_DEADLINE, PRE_NEXT_DEADLINE_KIND, PRE_OVERDUE } from '../shared/search-attributes';
import { ui } from '../shared/ui-text';
import { NOTIFY_OPTIONS, waitForWake } from '../shared/loop';
import { journaledUpdate } from '../shared/journal';

/** A reminder must eventually be recorded however long the outbox or mail server is down (NOTIFY_OPTIONS). */
const notifier = proxyActivities<Activities>(NOTIFY_OPTIONS);

/**
 * One funding year of a convention (DOMAIN.md §2.4), started by `conventionWorkflow` when the convention takes
 * effect: authorisation, request (reminder, escalation), payments within the year's amount following the tranches,
 * the financial report (reminders 60/30/7 days before, escalation, "next payment at risk"), and the close once the
 * report is accepted and the payments reconcile. Every change is reported to the convention by a signal.
 */
export async function fundingYearWorkflow(input: FundingYearInput): Promise<FundingYearResult> {
  const y = new FundingYearState(input, Date.now());
  const searchAttributesOn = input.settings.searchAttributes !== false;
  let published = '';

  setHandler(getYearStateQuery, () => y.view(Date.now()));
  setHandler(getYearTimelineQuery, () => y.j.timeline);

  /** Registers one staff update: idempotency first, then the validator, then apply + remember the answer. */
  function staffUpdate<I extends UpdateMeta>(
    def: UpdateDefinition<FundingYearView, [I]>,
    name: FundingYearUpdateName,
    validate: (input: I) => void,
    apply: (input: I, nowMs: number) => void,
    replay: (input: I) => FundingYearView | undefined = () => undefined,
    keep: (input: I, answer: FundingYearView) => void = () => undefined,
  ): void {
    journaledUpdate(
      y.j,
      def,
      name,
      validate,
      (i, now) => {
        apply(i, now);
        publish(now);
        const answer = y.view(now);
        keep(i, answer);
        return answer;
      },
      replay,
    );
  }

  staffUpdate(recordAuthorisationUpdate, 'recordAuthorisation', (i) => y.validateAuthorisation(i), (i, now) => y.applyAuthorisation(i, now));
  staffUpdate(recordRequestUpdate, 'recordRequest', (i) => y.validateRequest(i), (i, now) => y.applyRequest(i, now));
  staffUpdate(
    recordPaymentUpdate,
    'recordPayment',
    (i) => y.validatePayment(i),
    (i, now) => y.applyPayment(i, now),
    (i) => y.paymentReplay(i),
    (i, answer) => y.rememberPayment(i.reference, answer),
  );
  staffUpdate(recordFinancialReportUpdate, 'recordFinancialReport', (i) => y.validateReport(i), (i, now) => y.applyReport(i, now));

  setHandler(previousYearChangedSignal, (status) => {
    const now = Date.now();
    y.applyPreviousYear(status, now);
    publish(now);
  });

  /** Search attributes (only when they change) and current details, after every change. */
  function publish(now: number): void {
    const sum = y.summary(now);
    if (searchAttributesOn) {
      const next = sum.nextDeadline;
      const pairs: SearchAttributeUpdatePair[] = [
        { key: PRE_FUNDING_STAGE, value: sum.stage },
        { key: PRE_OVERDUE, value: sum.overdue || sum.nextPaymentAtRisk },
        { key: PRE_NEXT_DEADLINE, value: next ? searchAttributeDate(next.dueOn) : null },
        { key: PRE_NEXT_DEADLINE_KIND, value: next ? next.kind : null },
      ];
      const key = JSON.stringify(pairs.map((p) => p.value));
      if (key !== published) {
        upsertSearchAttributes(pairs);
        published = key;
      }
    }
    setCurrentDetails(y.currentDetails(now));
    y.noteSummary(now);
  }

  async function drainOutbox(): Promise<void> {
    while (y.j.outbox.length > 0) {
      const req = y.j.outbox[0];
      await notifier.notify.executeWithOptions(
        { ...NOTIFY_OPTIONS, summary: ui(`${req.kind} ${req.dueOn ?? ''} ${input.year}`.trim()) },
        [req],
      );
      y.j.outbox.shift();
    }
  }

  /** Tells the convention (parent) the year's summary and new events; a convention that is gone is logged, not fatal. */
  async function reportToParent(): Promise<void> {
    if (!y.d.parentDirty) return;
    const events = y.j.pendingEvents;
    y.j.pendingEvents = [];
    y.d.parentDirty = false;
    try {
      await getExternalWorkflowHandle(y.parentWorkflowId).signal(yearChangedSignal, { summary: y.summary(Date.now()), events });
    } catch (err) {
      log.warn('the convention workflow could not be signalled', { parent: y.parentWorkflowId, year: input.year, error: String(err) });
    }
  }

  // A year started late (its dates already past) fires its latest reminder of each deadline now.
  y.fireDue(Date.now());
  publish(Date.now());

  for (;;) {
    await drainOutbox();
    await reportToParent();
    if (y.closed) break;
    const now = Date.now();
    if (y.fireDue(now) > 0) {
      publish(now);
      continue;
    }
    const tooLong = workflowInfo().continueAsNewSuggested;
    const forced = (input.settings.continueAsNewAfterUpdates ?? 0) > 0 && y.appliedThisRun >= input.settings.continueAsNewAfterUpdates!;
    if (tooLong || forced) {
      await condition(allHandlersFinished);
      await drainOutbox();
      await reportToParent();
      if (!y.closed) {
        log.info('continuing as new', { year: input.year, reason: tooLong ? 'history' : 'forced' });
        return continueAsNew<typeof fundingYearWorkflow>({ ...input, carried: { state: y.snapshot(), run: (input.carried?.run ?? 1) + 1 } });
      }
      continue;
    }
    const wake = y.j.nextWake(y.plans(), y.overdueFrom(now), now);
    const version = y.j.version;
    const woken = () => y.j.version !== version || y.j.outbox.length > 0 || y.d.parentDirty || workflowInfo().continueAsNewSuggested;
    await waitForWake(wake, now, woken, (at) => {
      y.fireDue(at);
      publish(at);
    });
  }

  publish(Date.now());
  await condition(allHandlersFinished);
  await drainOutbox();
  await reportToParent();
  return y.result();
}
