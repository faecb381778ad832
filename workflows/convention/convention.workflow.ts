import {
  ChildWorkflowCancellationType,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair, UpdateDefinition } from '@temporalio/common';
import type { Activities } from '../../activities/index';
import {
  createConventionUpdate,
  fundingYearSearchAttributes,
  fundingYearStaticSummary,
  fundingYearWorkflowId,
  getStateQuery,
  getTimelineQuery,
  previousYearChangedSignal,
  recordDeliberationUpdate,
  recordPublicationUpdate,
  recordSignatureUpdate,
  recordTransmissionUpdate,
  searchAttributeDate,
  yearChangedSignal,
  type ConventionInput,
  type ConventionResult,
  type ConventionUpdateName,
  type ConventionView,
  type DeliberationAnswer,
  type UpdateMeta,
} from './convention.contract';
import { ConventionState } from './convention.state';
import { fundingYearWorkflow } from './funding-year.workflow';
import { PRE_CONVENTION_REF, PRE_FUNDING_STAGE, PRE_NEXT_DEADLINE, PRE_NEXT_DEADLINE_KIND, PRE_OVERDUE } from '../shared/search-attributes';
import { ui } from '../shared/ui-text';
import { NOTIFY_OPTIONS, waitForWake } from '../shared/loop';
import { journaledUpdate } from '../shared/journal';

/** Reminders must eventually be recorded: unlimited retries (the activity is idempotent by key). */
const notifier = proxyActivities<Activities>(NOTIFY_OPTIONS);

/**
 * A multi-year funding convention (DOMAIN.md §2): board deliberation (quorum and majority rules), legality
 * (publication, transmission, the préfet's window), both signatures (reminder after N days), then one
 * `fundingYearWorkflow` child per year started at the later signature; completes when every year is closed.
 */
export async function conventionWorkflow(input: ConventionInput): Promise<ConventionResult> {
  const c = new ConventionState(input, Date.now());
  const searchAttributesOn = input.settings.searchAttributes !== false;
  let published = '';

  // Queries answer on a completed convention too.
  setHandler(getStateQuery, () => c.view(Date.now()));
  setHandler(getTimelineQuery, () => c.j.timeline);

  /** Registers one synchronous staff update: idempotency first, then the validator, then apply, publish, remember. */
  function staffUpdate<I extends UpdateMeta, A>(
    def: UpdateDefinition<A, [I]>,
    name: ConventionUpdateName,
    validate: (input: I) => void,
    apply: (input: I, nowMs: number) => A,
  ): void {
    journaledUpdate(c.j, def, name, validate, (i, now) => {
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
      return c.view(now);
    },
  );
  staffUpdate<Parameters<typeof c.applyDeliberation>[0], DeliberationAnswer>(
    recordDeliberationUpdate,
    'recordDeliberation',
    (i) => c.validateDeliberation(i),
    (i, now) => c.applyDeliberation(i, now),
  );
  staffUpdate(recordPublicationUpdate, 'recordPublication', (i) => c.validatePublication(i), (i, now) => {
    c.applyPublication(i, now);
    return c.view(now);
  });
  staffUpdate(recordTransmissionUpdate, 'recordTransmission', (i) => c.validateTransmission(i), (i, now) => {
    c.applyTransmission(i, now);
    return c.view(now);
  });

  // The later signature starts every year: the answer waits until their workflows exist, so a year update sent
  // right after the 200 finds its workflow.
  journaledUpdate(
    c.j,
    recordSignatureUpdate,
    'recordSignature',
    (i) => c.validateSignature(i),
    async (i): Promise<ConventionView> => {
      c.applySignature(i, Date.now());
      publish(Date.now());
      if (c.d.effectiveOn) await condition(() => c.allStarted());
      return c.view(Date.now());
    },
  );

  setHandler(yearChangedSignal, (change) => {
    const now = Date.now();
    c.applyYearChange(change, now);
    publish(now);
  });

  function publish(now: number): void {
    const v = c.view(now);
    if (searchAttributesOn) {
      const next = v.nextDeadline;
      const pairs: SearchAttributeUpdatePair[] = [
        { key: PRE_CONVENTION_REF, value: v.reference },
        { key: PRE_FUNDING_STAGE, value: v.stage },
        { key: PRE_OVERDUE, value: v.overdue },
        { key: PRE_NEXT_DEADLINE, value: next ? searchAttributeDate(next.dueOn) : null },
        { key: PRE_NEXT_DEADLINE_KIND, value: next ? next.kind : null },
      ];
      const key = JSON.stringify(pairs.map((p) => p.value));
      if (key !== published) {
        upsertSearchAttributes(pairs);
        published = key;
      }
    }
    setCurrentDetails(c.currentDetails(now));
  }

  async function drainOutbox(): Promise<void> {
    while (c.j.outbox.length > 0) {
      const req = c.j.outbox[0];
      await notifier.notify.executeWithOptions(
        { ...NOTIFY_OPTIONS, summary: ui(`${req.kind} ${req.dueOn ?? ''}`.trim()) },
        [req],
      );
      c.j.outbox.shift();
    }
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

  publish(Date.now());

  for (;;) {
    await drainOutbox();
    if (c.yearsToStart().length > 0) {
      await startYears();
      continue;
    }
    await relay();
    if (c.completed) break;
    const now = Date.now();
    if (c.fireDue(now) > 0) {
      publish(now);
      continue;
    }
    const tooLong = workflowInfo().continueAsNewSuggested;
    const forced = (input.settings.continueAsNewAfterUpdates ?? 0) > 0 && c.appliedThisRun >= input.settings.continueAsNewAfterUpdates!;
    if (tooLong || forced) {
      await condition(allHandlersFinished);
      await drainOutbox();
      if (!c.completed && c.yearsToStart().length === 0) {
        log.info('continuing as new', { reference: c.ref, reason: tooLong ? 'history' : 'forced' });
        return continueAsNew<typeof conventionWorkflow>({ ...input, carried: { state: c.snapshot(), run: (input.carried?.run ?? 1) + 1 } });
      }
      continue;
    }
    const wake = c.j.nextWake(c.plans(), c.overdueFrom(now), now);
    const version = c.j.version;
    const woken = () => c.j.version !== version || c.j.outbox.length > 0 || c.yearsToStart().length > 0 || workflowInfo().continueAsNewSuggested;
    await waitForWake(wake, now, woken, (at) => {
      c.fireDue(at);
      publish(at);
    });
  }

  publish(Date.now());
  await condition(allHandlersFinished);
  await drainOutbox();
  return c.result();
}
