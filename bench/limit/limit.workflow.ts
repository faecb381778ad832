/**
 * The engine's limit (issue 17): the most trivial workflow an update can reach — its update handler adds a number
 * and returns. The bench starts it with update-with-start (`USE_EXISTING`) and updates it, with the same clients and
 * the same dev server as the service, so that the service's figures read as a fraction of what Temporal itself does
 * on this machine.
 */
import { condition, defineUpdate, setHandler } from '@temporalio/workflow';

export const addUpdate = defineUpdate<number, [number]>('add');

export async function limitWorkflow(): Promise<void> {
  let total = 0;
  setHandler(addUpdate, (n: number) => (total += n));
  await condition(() => false);
}
