/**
 * What "nothing was started or changed" means in the security and bad-input tests: the workflows of the test app's
 * task queue with their history lengths, read from Temporal's visibility once the histories stop growing (a
 * referral's acknowledgement notification settles a moment after the answer).
 */
import type { TestApp } from './app';

export type QueueState = Array<[workflowId: string, historyLength: number]>;

/** The workflows of the app's task queue and their history lengths, sorted by id. */
export async function workflowsOnQueue(t: TestApp): Promise<QueueState> {
  const seen: QueueState = [];
  for await (const wf of t.client.workflow.list({ query: `TaskQueue = '${t.config.TEMPORAL_TASK_QUEUE}'` })) seen.push([wf.workflowId, wf.historyLength]);
  return seen.sort((a, b) => a[0].localeCompare(b[0]));
}

/** The queue's workflows once two reads 700 ms apart agree (at most about 20 s). */
export async function settledQueue(t: TestApp): Promise<QueueState> {
  let last = JSON.stringify(await workflowsOnQueue(t));
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 700));
    const now = JSON.stringify(await workflowsOnQueue(t));
    if (now === last) return JSON.parse(now) as QueueState;
    last = now;
  }
  throw new Error('the workflows did not settle');
}
