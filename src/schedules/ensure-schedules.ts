import { Client, type ConnectionLike, ScheduleAlreadyRunning } from '@temporalio/client';
import type { AppConfig } from '../config/env';
import { dataConverter } from '../temporal/data-converter';
import { scheduleDefinitions, type ScheduleDefinition } from './schedule-definitions';

export type EnsureOutcome = 'created' | 'unchanged' | 'updated';

/** The fingerprint stamped in a running schedule's action input, if any. */
function runningFingerprint(args: readonly unknown[] | undefined): string | undefined {
  const first = args?.[0] as { definition?: unknown } | undefined;
  return typeof first?.definition === 'string' ? first.definition : undefined;
}

async function ensureOne(client: Client, def: ScheduleDefinition): Promise<EnsureOutcome> {
  try {
    await client.schedule.create(def.options);
    return 'created';
  } catch (e) {
    // Another process (the API and a worker starting together, or two workers) created it first: that is success.
    if (!(e instanceof ScheduleAlreadyRunning)) throw e;
  }
  const handle = client.schedule.getHandle(def.id);
  const current = await handle.describe();
  if (runningFingerprint(current.action.args) === def.fingerprint) return 'unchanged';
  // The configuration changed (time, calendar, task queue, policies): take the new definition, keep what operators
  // set (paused state and its note).
  await handle.update((prev) => ({
    spec: def.options.spec,
    action: def.options.action,
    policies: def.options.policies,
    state: { paused: prev.state.paused, note: prev.state.note ?? def.description },
  }));
  return 'updated';
}

/**
 * Creates the project's schedules, or updates those whose definition changed; idempotent and safe to run from several
 * processes at once (the API bootstrap and each worker start call it).
 */
export async function ensureSchedules(client: Client, config: AppConfig): Promise<Array<{ id: string; outcome: EnsureOutcome }>> {
  const out: Array<{ id: string; outcome: EnsureOutcome }> = [];
  for (const def of scheduleDefinitions(config)) out.push({ id: def.id, outcome: await ensureOne(client, def) });
  return out;
}

/** Whether this process should ensure the schedules at start-up (PRE_SCHEDULES_AT_STARTUP; unset: not under NODE_ENV=test). */
export function schedulesAtStartup(config: AppConfig): boolean {
  return config.PRE_SCHEDULES_AT_STARTUP ?? config.NODE_ENV !== 'test';
}

/**
 * Runs ensureSchedules in the background until it succeeds, retrying with backoff (2 s … 1 min) while Temporal is
 * unreachable: start-up never waits for it nor fails because of it. Returns a stop function and the first success.
 */
export function ensureSchedulesInBackground(
  client: Client,
  config: AppConfig,
  log: { log: (msg: string) => void; warn: (msg: string) => void },
): { stop: () => void; done: Promise<boolean> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, ms);
      timer.unref();
    });
  const done = (async () => {
    for (let attempt = 0; !stopped; attempt += 1) {
      try {
        const results = await ensureSchedules(client, config);
        log.log(`schedules ensured: ${results.map((r) => `${r.id} ${r.outcome}`).join(', ')}`);
        return true;
      } catch (e) {
        const delay = Math.min(60_000, 2000 * 2 ** attempt);
        log.warn(`schedules not ensured yet (${(e as Error).message}); retrying in ${delay / 1000} s`);
        await pause(delay);
      }
    }
    return false;
  })();
  return {
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      wake?.();
    },
    done,
  };
}

/**
 * The worker process's start-up call: ensures the schedules in the background on the worker's own connection (JSON
 * log lines like the worker's). Returns the stop function (call it before closing the connection).
 */
export function ensureSchedulesFromWorker(config: AppConfig, connection: ConnectionLike): { stop: () => void; done: Promise<boolean> } {
  if (!schedulesAtStartup(config)) return { stop: () => undefined, done: Promise.resolve(false) };
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: dataConverter(config) });
  const line = (level: string, msg: string) => process.stdout.write(JSON.stringify({ level, time: new Date().toISOString(), context: 'Schedules', msg }) + '\n');
  return ensureSchedulesInBackground(client, config, { log: (m) => line('info', m), warn: (m) => line('warn', m) });
}
