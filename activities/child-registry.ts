import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { CHILD_REGISTRY_WORKFLOW_TYPE, REGISTRY_HOLDER_MEMO, childRegistryId, releaseChildSignal, type childRegistryWorkflow } from '../workflows/registry/child-registry';

/**
 * Releases the child's registry (workflows/registry/child-registry.ts) if `dossierId` holds it: signal-with-start of
 * the running run — a registry claimed by the API waits without a workflow task (a start delay), which a plain signal
 * would not end; signal-with-start does, and its first task takes the release and completes. No running run:
 * nothing to release (none is started).
 */
export async function releaseChildRegistry(client: Client, taskQueue: string, childKey: string, dossierId: string): Promise<void> {
  const workflowId = childRegistryId(childKey);
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    if (d.status.name !== 'RUNNING') return;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return;
    throw err;
  }
  await client.workflow.signalWithStart<typeof childRegistryWorkflow, [{ dossierId: string }]>(CHILD_REGISTRY_WORKFLOW_TYPE, {
    workflowId,
    taskQueue,
    // started only if the run completed meanwhile: holding `dossierId`, released by the same first task
    args: [{ dossierId }],
    memo: { [REGISTRY_HOLDER_MEMO]: dossierId },
    signal: releaseChildSignal,
    signalArgs: [{ dossierId }],
  });
}
