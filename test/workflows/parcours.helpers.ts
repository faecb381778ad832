/** Shared helpers of the parcours workflow tests: a referral, a case started on a test environment, the outbox. */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Client, WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { createActivities } from '../../activities/index';
import { NotificationLog } from '../support/notification-log';
import type { NotificationRecord } from '../../activities/notifications.types';
import { createReferralUpdate, recordConsentUpdate, recordTeamReviewUpdate, DEFAULT_PARCOURS_SETTINGS, getClosingSummaryQuery, getStateQuery, isPurgedView, workflowIdFor, type Actor, type ParcoursClosingSummary, type ParcoursInput, type ParcoursSettings, type ParcoursView, type ReferralInput, type UpdateMeta } from '../../workflows/parcours/parcours.contract';
import { parcoursWorkflow } from '../../workflows/parcours/parcours.workflow';
import { REFERRAL } from '../support/api-examples';
import { eventually, registerSearchAttributes } from '../support/time-skipping';
import { testWorker, timeSkippingEnv, uniqueTaskQueue } from '../support/temporal';
import { initialSearchAttributes, staticSummaryFor } from '../../workflows/parcours/parcours.view';
import { addDays, dateOf } from '../../workflows/shared/calendar';

export { eventually, registerSearchAttributes, sleepUntil } from '../support/time-skipping';

/** The case's search attributes as a plain object. */
export async function searchAttributesOf(handle: WorkflowHandle): Promise<Record<string, unknown>> {
  const d = await handle.describe();
  return Object.fromEntries(d.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value instanceof Date ? p.value.toISOString() : p.value]));
}

export const COORD: Actor = { sub: 'u-coord-1', role: 'coordinator' };
export const REF: Actor = { sub: 'u-ref-1', role: 'referent' };

/** A referral as in API.md, with the given dates. */
export function referral(referredOn: string, birthDate = addDays(referredOn, -8 * 365), extra: Partial<ReferralInput> = {}): ReferralInput {
  const example = structuredClone(REFERRAL) as ReferralInput;
  return { ...example, referredOn, child: { ...example.child, birthDate }, ...extra };
}

/** Real activities recording notifications in memory; staff ids resolve to themselves; `temporalClient` for the release of a child's registry. */
export function recordingActivities(temporalClient?: Client) {
  const outbox = new NotificationLog();
  const activities = createActivities({ notifications: outbox, resolveRecipient: (r) => [{ id: r }], ...(temporalClient ? { temporalClient } : {}) });
  return { outbox, activities };
}

/** Notifications recorded for a case, oldest first, as `kind@dueOn → recipients`. */
export function notificationsOf(outbox: NotificationLog, dossierId: string): NotificationRecord[] {
  return outbox.list().filter((n) => n.dossierId === dossierId);
}

export function kindsOf(outbox: NotificationLog, dossierId: string): string[] {
  return notificationsOf(outbox, dossierId).map((n) => `${n.kind}@${n.dueOn}`);
}

export interface StartedCase {
  dossierId: string;
  handle: WorkflowHandleWithFirstExecutionRunId<typeof parcoursWorkflow>;
  first: ParcoursView;
  input: ParcoursInput;
}

export interface StartOptions {
  referredOn?: string;
  birthDate?: string;
  settings?: Partial<ParcoursSettings>;
  referral?: Partial<ReferralInput>;
  createdBy?: Actor;
  /** The time-skipping server has no custom search attributes. */
  searchAttributes?: boolean;
  /** Default `T-` + 8 hex characters (the API's own ids are `D-` + 10 base32 characters). */
  dossierId?: string;
  /** Default true, as the API starts a case; false: the `checkEligibility` activity of the cases referred before. */
  eligibilityInWorkflow?: boolean;
  /** The case releases the child's registry (`pre-child-ck-<dossierId>`) when it closes. */
  childRegistry?: boolean;
}

/** Today on the environment's clock. */
export async function today(env: TestWorkflowEnvironment): Promise<string> {
  return dateOf(await env.currentTimeMs());
}

export function meta(actor: Actor = REF, idempotencyKey?: string): UpdateMeta {
  return { actor, at: new Date().toISOString(), ...(idempotencyKey ? { idempotencyKey } : {}) };
}

/** Starts a case (start + createReferral; update-with-start is exercised on the dev server). */
export async function startCase(env: TestWorkflowEnvironment, taskQueue: string, opts: StartOptions = {}): Promise<StartedCase> {
  const referredOn = opts.referredOn ?? (await today(env));
  const dossierId = opts.dossierId ?? `T-${randomUUID().slice(0, 8)}`;
  const withSa = opts.searchAttributes ?? true;
  const input: ParcoursInput = {
    dossierId,
    referral: referral(referredOn, opts.birthDate, opts.referral),
    childKey: `ck-${dossierId}`,
    settings: { ...DEFAULT_PARCOURS_SETTINGS, searchAttributes: withSa, ...opts.settings },
    createdBy: opts.createdBy ?? REF,
    createdAt: new Date().toISOString(),
    ...(opts.eligibilityInWorkflow === false ? {} : { eligibilityInWorkflow: true }),
    ...(opts.childRegistry ? { childRegistry: true } : {}),
  };
  const handle = await env.client.workflow.start(parcoursWorkflow, {
    workflowId: workflowIdFor(dossierId),
    taskQueue,
    args: [input],
    staticSummary: staticSummaryFor(input.referral),
    ...(withSa ? { typedSearchAttributes: initialSearchAttributes(input) } : {}),
  });
  const first = await handle.executeUpdate(createReferralUpdate, { args: [meta(input.createdBy)] });
  return { dossierId, handle, first, input };
}

/**
 * The closing summary once the case has closed, advancing the time-skipping clock a little at a time until it has
 * (a closed case no longer completes: it is held for its retention period, so `handle.result()` would wait for it).
 */
export async function closingSummaryOf(env: TestWorkflowEnvironment, handle: WorkflowHandle): Promise<ParcoursClosingSummary> {
  let stepMs = 60 * 60 * 1000;
  for (let i = 0; i < 40; i++) {
    const summary = await handle.query(getClosingSummaryQuery);
    if (summary) return summary;
    await env.sleep(stepMs);
    stepMs = Math.min(stepMs * 2, 8 * 24 * 3600 * 1000);
  }
  throw new Error(`case ${handle.workflowId} did not close`);
}

/** The case as it stands (fails on a purged case: use `handle.query(getStateQuery)` to read what remains). */
export async function stateOf(handle: WorkflowHandle): Promise<ParcoursView> {
  const view = await handle.query(getStateQuery);
  if (isPurgedView(view)) throw new Error(`case ${view.dossierId} is purged`);
  return view;
}

/**
 * Waits until no activity of the workflow's current run is in flight. Call it before the test's worker stops:
 * the time-skipping server holds the clock while an activity runs, and an activity cut off by a worker shutdown
 * or a termination never releases it (later `env.sleep` calls would hang).
 */
export async function settle(handle: WorkflowHandle): Promise<void> {
  await eventually(async () => {
    const history = await handle.fetchHistory();
    const open = new Set<string>();
    for (const e of history.events ?? []) {
      if (e.activityTaskScheduledEventAttributes) open.add(String(e.eventId));
      const closed =
        e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes ?? e.activityTaskCanceledEventAttributes;
      if (closed) open.delete(String(closed.scheduledEventId));
    }
    if (open.size > 0) throw new Error(`${open.size} activity(ies) still running`);
  });
}

/** Ends a test's workflow so that later clock skips do not drive it. */
export async function cleanup(handle: WorkflowHandle | undefined): Promise<void> {
  if (!handle) return;
  try {
    await handle.terminate('test over');
  } catch {
    // already completed
  }
}

/** The failure of an update, as `{ type, message }`. */
export async function refusal(p: Promise<unknown>, label = ''): Promise<{ type?: string; message?: string; details?: unknown }> {
  let answer: unknown;
  try {
    answer = await p;
  } catch (err) {
    const cause = (err as { cause?: { type?: string; message?: string; details?: unknown[] } }).cause;
    return { type: cause?.type, message: cause?.message, details: cause?.details?.[0] };
  }
  throw new Error(`expected the update to be refused ${label}: ${JSON.stringify(answer).slice(0, 300)}`);
}

/** Consent then EPS validation, both on `on` (default: the referral date). */
export async function activate(c: StartedCase, opts: { on?: string; durationMonths?: number; objectives?: string[] } = {}): Promise<ParcoursView> {
  const on = opts.on ?? c.input.referral.referredOn;
  await c.handle.executeUpdate(recordConsentUpdate, {
    args: [{ ...meta(REF), decision: 'GRANTED', signedOn: on, signedBy: [{ name: 'Samira Benali', relationship: 'MOTHER' }], dataSharingInformed: true }],
  });
  return c.handle.executeUpdate(recordTeamReviewUpdate, {
    args: [{ ...meta(COORD), meetingDate: on, decision: 'VALIDATED', objectives: (opts.objectives ?? ['Read fluently by June']).map((label) => ({ label })), referentId: 'u-ref-1', durationMonths: opts.durationMonths ?? 12 }],
  });
}

/**
 * The harness of the time-skipping case tests: one fresh server per test (a test's clock, and anything it leaves
 * running, never leaks into the next), and `withCase`, which runs `body` with a fresh worker, a fresh outbox and a
 * started case. Call it inside a `describe`; read the server as `harness.env` (set before each test).
 */
export function timeSkippingCases() {
  let env: TestWorkflowEnvironment | undefined;
  let handle: WorkflowHandle | undefined;
  beforeEach(async () => {
    env = await timeSkippingEnv();
    await registerSearchAttributes(env);
  });
  afterEach(async () => {
    await cleanup(handle);
    handle = undefined;
    await env?.teardown();
  });
  return {
    get env(): TestWorkflowEnvironment {
      if (!env) throw new Error('the time-skipping server starts before each test');
      return env;
    },
    async withCase(opts: StartOptions, body: (c: StartedCase, outbox: NotificationLog) => Promise<void>): Promise<void> {
      const server = this.env;
      const taskQueue = uniqueTaskQueue('parcours');
      const { outbox, activities } = recordingActivities(server.client);
      const worker = await testWorker(server, taskQueue, activities);
      await worker.runUntil(async () => {
        const c = await startCase(server, taskQueue, opts);
        handle = c.handle;
        await body(c, outbox);
        await settle(c.handle);
      });
    },
  };
}
