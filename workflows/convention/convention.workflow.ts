import { ChildWorkflowCancellationType, ParentClosePolicy, condition, continueAsNew, getExternalWorkflowHandle, log, patched, setHandler, startChild } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import { CARRIED_ANSWER_BYTES, journaledUpdate } from '../shared/journal';
import { LongLivedLoop, Publisher } from '../shared/loop';
import type { UpdateMeta } from '../shared/messages';
import { ui } from '../shared/ui-text';
import type { ConventionUpdateName } from './convention.codes';
import {
  createConventionUpdate,
  fundingYearWorkflowId,
  getStateQuery,
  getTimelineQuery,
  previousYearChangedSignal,
  recordDeliberationUpdate,
  recordPublicationUpdate,
  recordSignatureUpdate,
  recordTransmissionUpdate,
  yearChangedSignal,
  type ConventionInput,
  type ConventionResult,
} from './convention.contract';
import { fundingYearStaticSummary } from './convention.labels';
import type { ConventionView, DeliberationAnswer } from './convention.records';
import { ConventionState } from './convention.state';
import { conventionDetails, conventionResult, conventionSearchAttributesOf, conventionView } from './convention.view';
import { fundingYearWorkflow } from './funding-year.workflow';
import { fundingYearSearchAttributes } from './funding-year.view';

/**
 * The patch of the lost relay: a relay due (a year's report changed) wakes the loop, as a year to start does. A year
 * that reported twice in a row (its report SUBMITTED, then ACCEPTED) could signal the second change while the loop was
 * still sending the first relay: the loop then went back to waiting with the ACCEPTED relay unsent, and the next year
 * kept its balance tranche waiting until something else woke the convention. The runs whose history has no marker
 * keep waking on changes and years to start only.
 */
export const RELAY_WAKES_PATCH = 'convention-relay-wakes-loop';

/**
 * A multi-year funding convention (DOMAIN.md §2): board deliberation (quorum and majority rules), legality
 * (publication, transmission, the préfet's window), both signatures (reminder after N days), then one
 * `fundingYearWorkflow` child per year started at the later signature; completes when every year is closed.
 */
export async function conventionWorkflow(input: ConventionInput): Promise<ConventionResult> {
  const c = new ConventionState(input, Date.now());
  const searchAttributesOn = input.settings.searchAttributes !== false;
  const publisher = new Publisher(searchAttributesOn);
  const view = (now: number): ConventionView => conventionView(c, now);
  // Whole first answers are carried within the journal's byte budget; a key past it gets the convention as it now
  // stands (a deliberation: its own result, found by the timeline entry its key recorded).
  const deliberationAnswerOf = (key: string, now: number): DeliberationAnswer => {
    const recorded = c.journal.timeline.filter((e) => e.type === 'DELIBERATION_RECORDED');
    const d = c.d.deliberations[recorded.findIndex((e) => e.idempotencyKey === key)] ?? c.d.deliberations[c.d.deliberations.length - 1];
    return { ...d.result, deliberationId: d.id, convention: view(now) };
  };
  c.journal.bound({ answerBytes: CARRIED_ANSWER_BYTES, rederive: (e, now) => (e.update === 'recordDeliberation' ? deliberationAnswerOf(e.key, now) : view(now)) });

  // Queries answer on a completed convention too.
  setHandler(getStateQuery, () => view(Date.now()));
  setHandler(getTimelineQuery, () => c.journal.timeline);

  /** Registers one synchronous staff update: idempotency first, then the validator, then apply, publish, remember. */
  function staffUpdate<I extends UpdateMeta, A>(def: UpdateDefinition<A, [I]>, name: ConventionUpdateName, validate: (input: I) => void, apply: (input: I, nowMs: number) => A): void {
    journaledUpdate(c.journal, def, name, validate, (i, now) => {
      const answer = apply(i, now);
      publish(now);
      return answer;
    });
  }

  staffUpdate<UpdateMeta, ConventionView>(
    createConventionUpdate,
    'createConvention',
    () => c.validateCreate(),
    (_i, now) => {
      c.applyCreate();
      return view(now);
    },
  );
  staffUpdate<Parameters<typeof c.applyDeliberation>[0], DeliberationAnswer>(
    recordDeliberationUpdate,
    'recordDeliberation',
    (i) => c.validateDeliberation(i),
    (i, now) => ({ ...c.applyDeliberation(i, now), convention: view(now) }),
  );
  staffUpdate(recordPublicationUpdate, 'recordPublication', (i) => c.validatePublication(i), (i, now) => {
    c.applyPublication(i, now);
    return view(now);
  });
  staffUpdate(recordTransmissionUpdate, 'recordTransmission', (i) => c.validateTransmission(i), (i, now) => {
    c.applyTransmission(i, now);
    return view(now);
  });

  // The later signature starts every year: the answer waits until their workflows exist, so a year update sent
  // right after the 200 finds its workflow.
  journaledUpdate(
    c.journal,
    recordSignatureUpdate,
    'recordSignature',
    (i) => c.validateSignature(i),
    async (i): Promise<ConventionView> => {
      c.applySignature(i, Date.now());
      publish(Date.now());
      if (c.d.effectiveOn) await condition(() => c.allStarted());
      return view(Date.now());
    },
  );

  setHandler(yearChangedSignal, (change) => {
    const now = Date.now();
    c.applyYearChange(change, now);
    publish(now);
  });

  /** Search attributes and current details, when changed. */
  function publish(now: number): void {
    const v = view(now);
    publisher.publish({ searchAttributes: conventionSearchAttributesOf(v), details: conventionDetails(c, v) });
  }

  /**
   * Starts the years' workflows. Parent-close policy ABANDON, on purpose: a year is a financial obligation with its
   * own deadlines (a CRF is owed for money received whatever happens to the convention's workflow), and the
   * convention continues-as-new over its years — with TERMINATE or REQUEST_CANCEL, every continue-as-new of the
   * parent would kill or cancel the running years. The parent tracks its years by their signals, not by handles,
   * so a new run of the parent keeps following them. Cancellation is not propagated either, for the same reason.
   */
  async function startYears(): Promise<void> {
    for (const year of c.yearsToStart()) {
      const childInput = c.childInput(year);
      try {
        await startChild(fundingYearWorkflow, {
          workflowId: fundingYearWorkflowId(c.ref, year),
          args: [childInput],
          parentClosePolicy: ParentClosePolicy.ABANDON,
          cancellationType: ChildWorkflowCancellationType.ABANDON,
          staticSummary: ui(fundingYearStaticSummary(c.ref, year, childInput.grantedCents)),
          ...(searchAttributesOn ? { typedSearchAttributes: fundingYearSearchAttributes(c.ref, year, 'AWAITING_AUTHORISATION', null) } : {}),
        });
      } catch (err) {
        // Already running (e.g. a reset of the parent): the year exists, follow it.
        if ((err as Error)?.name !== 'WorkflowExecutionAlreadyStartedError') throw err;
        log.warn('funding year already started', { year });
      }
      c.markStarted(year, Date.now());
      publish(Date.now());
    }
  }

  /** Tells each year about its previous year's report (tranches AFTER_PREVIOUS_REPORT_ACCEPTED, at-risk flag). */
  async function relay(): Promise<void> {
    for (const [year, status] of c.relaysDue()) {
      c.markRelayed(year, status);
      try {
        await getExternalWorkflowHandle(fundingYearWorkflowId(c.ref, year)).signal(previousYearChangedSignal, status);
      } catch (err) {
        log.warn('funding year could not be told about its previous year', { year, error: String(err) });
      }
    }
  }

  const relaysWake = patched(RELAY_WAKES_PATCH);
  const loop = new LongLivedLoop(c, {
    publish,
    notificationSummary: (req) => `${req.kind} ${req.dueOn ?? ''}`.trim(),
    // The years start as soon as the convention takes effect; the relays follow each year's report.
    chores: async () => {
      if (c.yearsToStart().length > 0) {
        await startYears();
        return true;
      }
      await relay();
      return false;
    },
    choresPending: () => c.yearsToStart().length > 0 || (relaysWake && c.relaysDue().length > 0),
  });

  publish(Date.now());
  await loop.runToEnd({ reference: c.ref, run: c.run }, () => continueAsNew<typeof conventionWorkflow>({ ...input, carried: c.carry() }));
  return conventionResult(c);
}
