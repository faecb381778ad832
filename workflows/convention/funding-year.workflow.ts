import { continueAsNew, getExternalWorkflowHandle, log, setHandler } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import { CARRIED_ANSWER_BYTES, journaledUpdate } from '../shared/journal';
import { LongLivedLoop, Publisher } from '../shared/loop';
import type { UpdateMeta } from '../shared/messages';
import type { FundingYearUpdateName } from './convention.codes';
import {
  getYearStateQuery,
  getYearTimelineQuery,
  previousYearChangedSignal,
  recordAuthorisationUpdate,
  recordFinancialReportUpdate,
  recordPaymentUpdate,
  recordRepaymentUpdate,
  recordRequestUpdate,
  recordSettlementUpdate,
  yearChangedSignal,
  type FundingYearInput,
  type FundingYearResult,
} from './convention.contract';
import type { FundingYearView } from './convention.records';
import { applyPayment, applyRepayment, applySettlement, paymentReplay, rememberPayment, validatePayment, validateRepayment, validateSettlement } from './funding-year.money';
import { FundingYearState } from './funding-year.state';
import { yearDetails, yearResult, yearSearchAttributes, yearSummary, yearView } from './funding-year.view';

/**
 * One funding year of a convention (DOMAIN.md §2.4), started by `conventionWorkflow` when the convention takes
 * effect: authorisation, request (reminder, escalation), payments within the year's amount following the tranches,
 * the financial report (reminders 60/30/7 days before, escalation, "next payment at risk"), and the close once the
 * report is accepted and the payments reconcile. Every change is reported to the convention by a signal.
 */
export async function fundingYearWorkflow(input: FundingYearInput): Promise<FundingYearResult> {
  const y = new FundingYearState(input, Date.now());
  const publisher = new Publisher(input.settings.searchAttributes !== false);

  // Whole first answers are carried within the journal's byte budget; a key past it gets the year as it now stands.
  y.journal.bound({ answerBytes: CARRIED_ANSWER_BYTES, rederive: (_e, now) => yearView(y, now) });
  setHandler(getYearStateQuery, () => yearView(y, Date.now()));
  setHandler(getYearTimelineQuery, () => y.journal.timeline);

  /** Registers one staff update: idempotency first, then the validator, then apply, publish, answer (remembered). */
  function staffUpdate<I extends UpdateMeta>(
    def: UpdateDefinition<FundingYearView, [I]>,
    name: FundingYearUpdateName,
    validate: (input: I) => void,
    apply: (input: I, nowMs: number) => void,
    replay: (input: I) => FundingYearView | undefined = () => undefined,
    keep: (input: I, answer: FundingYearView) => void = () => undefined,
  ): void {
    journaledUpdate(
      y.journal,
      def,
      name,
      validate,
      (i, now) => {
        apply(i, now);
        publish(now);
        const answer = yearView(y, now);
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
    (i) => validatePayment(y, i),
    (i, now) => applyPayment(y, i, now),
    (i) => paymentReplay(y, i),
    (i, answer) => rememberPayment(y, i.reference, answer),
  );
  staffUpdate(recordSettlementUpdate, 'recordSettlement', (i) => validateSettlement(y, i), (i, now) => applySettlement(y, i, now));
  staffUpdate(recordRepaymentUpdate, 'recordRepayment', (i) => validateRepayment(y, i), (i, now) => applyRepayment(y, i, now));
  staffUpdate(recordFinancialReportUpdate, 'recordFinancialReport', (i) => y.validateReport(i), (i, now) => y.applyReport(i, now));

  setHandler(previousYearChangedSignal, (status) => {
    const now = Date.now();
    y.applyPreviousYear(status, now);
    publish(now);
  });

  /** Search attributes and current details when changed; the parent is told when the year's summary changed. */
  function publish(now: number): void {
    const sum = yearSummary(y, now);
    publisher.publish({ searchAttributes: yearSearchAttributes(sum), details: yearDetails(y, now) });
    y.noteSummary(JSON.stringify(sum));
  }

  /** Tells the convention (parent) the year's summary and new events; a convention that is gone is logged, not fatal. */
  async function reportToParent(): Promise<void> {
    if (!y.d.parentDirty) return;
    const events = y.takeEvents();
    try {
      await getExternalWorkflowHandle(y.parentWorkflowId).signal(yearChangedSignal, { summary: yearSummary(y, Date.now()), events });
    } catch (err) {
      log.warn('the convention workflow could not be signalled', { parent: y.parentWorkflowId, year: input.year, error: String(err) });
    }
  }

  const loop = new LongLivedLoop(y, {
    publish,
    notificationSummary: (req) => `${req.kind} ${req.dueOn ?? ''} ${input.year}`.trim(),
    chores: async () => {
      await reportToParent();
      return false;
    },
    choresPending: () => y.d.parentDirty,
  });

  // A year started late (its dates already past) fires its latest reminder of each deadline now.
  y.fireDue(Date.now());
  publish(Date.now());
  await loop.runToEnd({ conventionRef: input.conventionRef, year: input.year, run: y.run }, () => continueAsNew<typeof fundingYearWorkflow>({ ...input, carried: y.carry() }));
  return yearResult(y);
}
