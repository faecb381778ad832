/** Shared helpers of the convention workflow tests: a convention started on a test environment, brought into effect, its outbox. */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { createActivities } from '../../activities/index';
import { NotificationLog } from '../support/notification-log';
import type { NotificationRecord } from '../../activities/notifications.types';
import { DEFAULT_CONVENTION_SETTINGS, conventionWorkflowId, createConventionUpdate, fundingYearWorkflowId, getStateQuery, getYearStateQuery, recordDeliberationUpdate, recordPublicationUpdate, recordSignatureUpdate, recordTransmissionUpdate, type Actor, type ConventionInput, type ConventionSettings, type ConventionTerms, type ConventionView, type DeliberationBody, type FundingYearView, type UpdateMeta } from '../../workflows/convention/convention.contract';
import { conventionWorkflow } from '../../workflows/convention/convention.workflow';
import { CONVENTION, SEED_SESSION } from '../support/api-examples';
import { conventionSearchAttributes } from '../../workflows/convention/convention.view';
import { conventionStaticSummary } from '../../workflows/convention/convention.labels';
import { addDays, dateOf } from '../../workflows/shared/calendar';

export const FIN: Actor = { sub: 'u-fin-1', role: 'finance' };

export { eventually, registerSearchAttributes, sleepUntil } from '../support/time-skipping';

/** Today on the environment's clock. */
export async function today(env: TestWorkflowEnvironment): Promise<string> {
  return dateOf(await env.currentTimeMs());
}

export function meta(idempotencyKey?: string, actor: Actor = FIN): UpdateMeta {
  return { actor, at: new Date().toISOString(), ...(idempotencyKey ? { idempotencyKey } : {}) };
}

/** Real activities recording to a temporary outbox; staff ids and roles resolve to themselves. */
export function recordingActivities() {
  const outbox = new NotificationLog();
  const activities = createActivities({ notifications: outbox, resolveRecipient: (r: string) => [{ id: r }] } as unknown as Parameters<typeof createActivities>[0]);
  return { outbox, activities };
}

export function notificationsOf(outbox: NotificationLog, ref: string): NotificationRecord[] {
  return outbox.list().filter((n) => n.conventionRef === ref);
}

/** `KIND@dueOn` of the convention's notifications, oldest first. */
export function kindsOf(outbox: NotificationLog, ref: string): string[] {
  return notificationsOf(outbox, ref).map((n) => `${n.kind}@${n.dueOn}`);
}

/**
 * The seed session of 3 July 2024 (API.md), moved to `sessionDate` with its convocation the same 5 days before.
 * Without API.md's `receiptYear: 2024`: the year a moved session authorises is the caller's to say, in `patch`.
 */
export function seedSession(sessionDate: string, patch: Partial<DeliberationBody> = {}): DeliberationBody {
  const { receiptYear: _receiptYear, ...session } = SEED_SESSION;
  return { ...session, sessionDate, convocationDate: addDays(sessionDate, -5), ...patch };
}

/** The API.md convention under `reference`, for `years`; its subject drops API.md's "2024-2026", since the years vary per test. */
export function terms(years: number[], reference = `CPO-T-${randomUUID().slice(0, 6).toUpperCase()}`): ConventionTerms {
  return { ...CONVENTION, reference, subject: "Programme de réussite éducative — Convention pluriannuelle d'objectifs", years };
}

export interface StartedConvention {
  ref: string;
  handle: WorkflowHandleWithFirstExecutionRunId<typeof conventionWorkflow>;
  first: ConventionView;
  input: ConventionInput;
}

/** Starts a convention (start + createConvention; update-with-start is exercised over HTTP on the dev server). */
export async function startConvention(env: TestWorkflowEnvironment, taskQueue: string, years: number[], settings: Partial<ConventionSettings> = {}): Promise<StartedConvention> {
  const t = terms(years);
  const input: ConventionInput = {
    convention: t,
    settings: { ...DEFAULT_CONVENTION_SETTINGS, ...settings },
    createdBy: FIN,
    createdAt: new Date().toISOString(),
    idempotencyKey: `create-${t.reference}`,
  };
  const handle = await env.client.workflow.start(conventionWorkflow, {
    workflowId: conventionWorkflowId(t.reference),
    taskQueue,
    args: [input],
    staticSummary: conventionStaticSummary(t),
    typedSearchAttributes: conventionSearchAttributes(t),
  });
  const first = await handle.executeUpdate(createConventionUpdate, { args: [meta(input.idempotencyKey)] });
  return { ref: t.reference, handle, first, input };
}

/** Deliberation, publication and transmission on `on`: the convention awaits its signatures. */
export async function makeEnforceable(c: StartedConvention, on: string, receiptYear = c.input.convention.years[0]): Promise<ConventionView> {
  await c.handle.executeUpdate(recordDeliberationUpdate, { args: [{ ...meta(), ...seedSession(addDays(on, -2), { receiptYear }) }] });
  await c.handle.executeUpdate(recordPublicationUpdate, { args: [{ ...meta(), publishedOn: on }] });
  return c.handle.executeUpdate(recordTransmissionUpdate, { args: [{ ...meta(), transmittedOn: on, acknowledgementRef: `021-262100016-${on.replace(/-/g, '')}-D-DE` }] });
}

/** Both signatures on `on`: the convention takes effect and its years start. */
export async function bringIntoEffect(c: StartedConvention, on: string): Promise<ConventionView> {
  await makeEnforceable(c, on);
  await c.handle.executeUpdate(recordSignatureUpdate, { args: [{ ...meta(), party: 'STATE', signatory: 'Le préfet', signedOn: on }] });
  return c.handle.executeUpdate(recordSignatureUpdate, { args: [{ ...meta(), party: 'BENEFICIARY', signatory: 'M. HOAREAU', signedOn: on }] });
}

export function yearHandle(env: TestWorkflowEnvironment, ref: string, year: number): WorkflowHandle {
  return env.client.workflow.getHandle(fundingYearWorkflowId(ref, year));
}

export async function yearState(env: TestWorkflowEnvironment, ref: string, year: number): Promise<FundingYearView> {
  return yearHandle(env, ref, year).query(getYearStateQuery);
}

export async function conventionState(c: StartedConvention): Promise<ConventionView> {
  return c.handle.query(getStateQuery);
}

/** The search attributes of a workflow as a plain object. */
export async function searchAttributesOf(handle: WorkflowHandle): Promise<Record<string, unknown>> {
  const d = await handle.describe();
  return Object.fromEntries(d.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value instanceof Date ? p.value.toISOString() : p.value]));
}

/** The failure of an update, as `{ type, message, details }`. */
export async function refusal(p: Promise<unknown>): Promise<{ type?: string; message?: string; details?: Record<string, unknown> }> {
  let answer: unknown;
  try {
    answer = await p;
  } catch (err) {
    const cause = (err as { cause?: { type?: string; message?: string; details?: unknown[] } }).cause;
    return { type: cause?.type, message: cause?.message, details: cause?.details?.[0] as Record<string, unknown> | undefined };
  }
  throw new Error(`expected the update to be refused: ${JSON.stringify(answer).slice(0, 300)}`);
}

/** The workflow ids of a convention: its own and its years'. */
export function workflowIdsOf(c: StartedConvention): string[] {
  return [c.handle.workflowId, ...c.input.convention.years.map((y) => fundingYearWorkflowId(c.ref, y))];
}

/** Event types after which a workflow still has work in flight (a task, a signal on its way, a child starting). */
const EVENT = temporal.api.enums.v1.EventType;
const IN_FLIGHT = new Set<number>([
  EVENT.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
  EVENT.EVENT_TYPE_WORKFLOW_TASK_STARTED,
  EVENT.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
  EVENT.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
  EVENT.EVENT_TYPE_ACTIVITY_TASK_STARTED,
  EVENT.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
]);

/**
 * Terminates what a test left running so that later clock skips do not drive it. First waits (real time, at most 3 s)
 * until the workflows are quiet: terminating a workflow while a year's last signal to its convention is on its way
 * can leave the test server's time-skipping lock held, and every later `env.sleep` of the file would run in real time.
 */
export async function cleanup(env: TestWorkflowEnvironment, c: StartedConvention | undefined): Promise<void> {
  if (!c) return;
  const ids = workflowIdsOf(c);
  const snapshot = async (): Promise<string> => {
    const parts: string[] = [];
    for (const id of ids) {
      try {
        const h = env.client.workflow.getHandle(id);
        if ((await h.describe()).status.name !== 'RUNNING') continue;
        const events = (await h.fetchHistory()).events ?? [];
        const last = events[events.length - 1];
        parts.push(`${id}:${events.length}:${IN_FLIGHT.has(Number(last?.eventType ?? 0)) ? 'busy' : 'quiet'}`);
      } catch {
        // not started
      }
    }
    return parts.join('|');
  };
  let before = await snapshot();
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const now = await snapshot();
    if (now === before && !now.includes('busy')) break;
    before = now;
  }
  for (const id of ids) {
    try {
      await env.client.workflow.getHandle(id).terminate('test over');
    } catch {
      // completed or never started
    }
  }
}
