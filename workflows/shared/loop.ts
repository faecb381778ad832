/**
 * What the three long-lived workflows (parcours, convention, funding year) share: the options of the one
 * notification activity, and the wait between two steps of their main loop. Deterministic: workflow code only.
 */
import { condition } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/common';
import { ui } from './ui-text';

/**
 * A notification must eventually be recorded, however long the outbox or mail server is down: unlimited retries
 * (the activity is idempotent by key, so a retry never sends twice).
 */
export const NOTIFY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes', backoffCoefficient: 2 },
};

/** The next instant a workflow must wake up at, and what the timer is for (its summary in the Temporal UI). */
export interface Wake {
  atMs: number;
  summary: string;
}

/**
 * Waits until `woken()` (a change to handle) or, when there is a `wake`, until its instant; on the timer, calls
 * `onTimer` with the time it fired.
 */
export async function waitForWake(wake: Wake | null, nowMs: number, woken: () => boolean, onTimer: (atMs: number) => void): Promise<void> {
  if (!wake) {
    await condition(woken);
    return;
  }
  const changed = await condition(woken, Math.max(1, wake.atMs - nowMs), { summary: ui(wake.summary) });
  if (!changed) onTimer(Date.now());
}
