/**
 * Helpers of the workflow tests on the time-skipping server (parcours and convention alike): the project's search
 * attributes registered, the clock skipped to a business date, and a real-time poll for activities.
 */
import { setMaxListeners } from 'node:events';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../../workflows/shared/search-attributes';
import { instantOf } from '../../workflows/shared/calendar';

const IVT = temporal.api.enums.v1.IndexedValueType;
const INDEXED_TYPES: Record<string, number> = {
  KEYWORD: IVT.INDEXED_VALUE_TYPE_KEYWORD,
  DATETIME: IVT.INDEXED_VALUE_TYPE_DATETIME,
  BOOL: IVT.INDEXED_VALUE_TYPE_BOOL,
  INT: IVT.INDEXED_VALUE_TYPE_INT,
  TEXT: IVT.INDEXED_VALUE_TYPE_TEXT,
  DOUBLE: IVT.INDEXED_VALUE_TYPE_DOUBLE,
  KEYWORD_LIST: IVT.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** The time-skipping server starts without the custom search attributes: register the project's list. */
export async function registerSearchAttributes(env: TestWorkflowEnvironment): Promise<void> {
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTES.map((k) => [k.name, INDEXED_TYPES[k.type]])),
  });
}

/** Skips the clock to `date` at the timers' hour + `hours` (the timers of that date have fired). */
export async function sleepUntil(env: TestWorkflowEnvironment, date: string, hours = 1): Promise<void> {
  const target = instantOf(date) + hours * 3_600_000;
  const now = await env.currentTimeMs();
  if (target > now) await env.sleep(target - now);
}

/** Polls (real time) until `fn` stops throwing: activities finish shortly after the timer that scheduled them. */
export async function eventually<T>(fn: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      // a guarded test given up (runGuarded): stop at once, do not poll on
      if (Date.now() - start > timeoutMs || guardAbort?.aborted) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const EventType = temporal.api.enums.v1.EventType;
const delay = (ms: number) => new Promise<'tick'>((r) => setTimeout(() => r('tick'), ms));

/** The signal of the guarded test under way, aborted once it is given up (see `eventually`). */
let guardAbort: AbortSignal | undefined;

export interface GuardOptions {
  /** The workflows the test drives, watched for a stalled workflow task (read at each check: they may start late). */
  workflowIds: () => string[];
  /** Real time after which the test is given up, under jest's own timeout (120 s) so that it is never reached. */
  deadlineMs?: number;
  /** Real time a workflow task may stay started before it counts as stalled: past its own 10 s timeout. */
  stallMs?: number;
}

/**
 * Runs `body` while `worker` runs, and fails fast, with the reason, when the test can no longer finish, instead of
 * hanging until jest's timeout with the worker still polling (it then outlived the test, and its calls failed a
 * later suite with "Channel has been shut down" once the server was gone):
 *
 * - a workflow task of `workflowIds` started and neither completed nor timed out after `stallMs`: the time-skipping
 *   server refused the worker's completion ("invalid history builder state for action", temporalio/sdk-java#3088)
 *   and will never hand the task out again; its lock on the clock is never released either, so every later
 *   `env.sleep` on that server waits in real time;
 * - or `deadlineMs` of real time spent.
 *
 * Given up, every client call `body` has in flight is cancelled (the connection's abort signal), `body` is left a
 * moment to unwind (its own `finally`: the cleanup) and the worker is shut down before the error is thrown, so the
 * environment can be torn down with nothing of the test still running.
 */
export async function runGuarded<T>(env: TestWorkflowEnvironment, worker: Worker, opts: GuardOptions, body: () => Promise<T>): Promise<T> {
  const deadlineMs = opts.deadlineMs ?? 90_000;
  const stallMs = opts.stallMs ?? 20_000;
  const ctrl = new AbortController();
  setMaxListeners(0, ctrl.signal); // every client call of the test listens to it
  const started = Date.now();
  guardAbort = ctrl.signal;
  const run = env.connection.withAbortSignal(ctrl.signal, () => worker.runUntil(body));
  const done = run.then(
    () => 'done' as const,
    () => 'done' as const,
  );
  const firstSeen = new Map<string, number>();
  try {
    for (;;) {
      if ((await Promise.race([done, delay(1000)])) === 'done') return await run;
      const reason = Date.now() - started > deadlineMs ? `the test did not finish within ${deadlineMs / 1000} s` : await stalledTask(env, opts.workflowIds(), firstSeen, stallMs);
      if (!reason) continue;
      ctrl.abort();
      // body's in-flight calls are cancelled: let it unwind (its cleanup), then make sure the worker stops polling
      if ((await Promise.race([done, delay(20_000)])) !== 'done' && worker.getState() === 'RUNNING') {
        worker.shutdown();
        await Promise.race([done, delay(10_000)]);
      }
      throw new Error(`Time-skipping test given up: ${reason}`);
    }
  } finally {
    guardAbort = undefined;
  }
}

/** Why a workflow of `ids` is stalled (a workflow task started `stallMs` ago and still open), or null. */
async function stalledTask(env: TestWorkflowEnvironment, ids: string[], firstSeen: Map<string, number>, stallMs: number): Promise<string | null> {
  for (const id of ids) {
    let events: temporal.api.history.v1.IHistoryEvent[];
    try {
      events = (await env.client.workflow.getHandle(id).fetchHistory()).events ?? [];
    } catch {
      continue; // not started yet
    }
    const last = events[events.length - 1];
    if (last?.eventType !== EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED) continue;
    const key = `${id}#${String(last.eventId)}`;
    const since = firstSeen.get(key) ?? Date.now();
    firstSeen.set(key, since);
    if (Date.now() - since < stallMs) continue;
    const tail = events
      .slice(-6)
      .map((e) => `${String(e.eventId)} ${(EventType[e.eventType ?? 0] ?? '?').replace('EVENT_TYPE_', '')}`)
      .join(', ');
    return (
      `workflow ${id}: its workflow task (event ${String(last.eventId)}) has been started for ${Math.round((Date.now() - since) / 1000)} s without completing or timing out. ` +
      `The time-skipping server refused the worker's completion (the worker logs "invalid history builder state for action", temporalio/sdk-java#3088) ` +
      `and keeps the task and its lock on the clock for ever. Last events: ${tail}`
    );
  }
  return null;
}
