/**
 * Activities of the retention schedule (DOMAIN.md §5): find the purged cases whose earlier runs still exist, and
 * delete those runs. Logs carry dossier ids and counts only.
 */
import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { isGrpcServiceError } from '@temporalio/client';
import { dossierIdOf } from '../workflows/parcours/parcours.contract';
import type { PurgedCaseRef } from '../workflows/schedules/schedules.contract';
import { eq, onTaskQueue, running, visibilityQuery, workflowIdIs, workflowType } from '../src/temporal/visibility-query';
import { PARCOURS_WORKFLOW_TYPE } from './deadline-search';
import { TemporalNotifications } from './notification-records';

export interface RetentionDeps {
  /** A Temporal client on the worker's connection (visibility and DeleteWorkflowExecution). */
  temporalClient?: Client;
}

const GRPC_NOT_FOUND = 5;
/** How long a run may take to disappear after its deletion was accepted (the server deletes asynchronously). */
const DELETION_WAIT_MS = 60_000;

function clientOf(deps: RetentionDeps): Client {
  if (!deps.temporalClient) {
    throw ApplicationFailure.create({ type: 'Misconfigured', message: 'This worker has no Temporal client for the retention job.', nonRetryable: true });
  }
  return deps.temporalClient;
}

function isNotFound(err: unknown): boolean {
  return isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND;
}

export function createRetentionActivities(deps: RetentionDeps) {
  return {
    /** Purged cases of this task queue not yet confirmed erased (PreRetention = PURGED), oldest purge first. */
    async listPurgedCases(input: { limit: number }): Promise<PurgedCaseRef[]> {
      const client = clientOf(deps);
      const { taskQueue } = Context.current().info;
      const query = visibilityQuery(workflowType(PARCOURS_WORKFLOW_TYPE), onTaskQueue(taskQueue), running(), eq('PreRetention', 'PURGED'));
      const out: PurgedCaseRef[] = [];
      for await (const info of client.workflow.list({ query, pageSize: 500 })) {
        const dossierId = dossierIdOf(info.workflowId);
        if (dossierId) out.push({ dossierId, workflowId: info.workflowId, runId: info.runId });
        if (out.length >= input.limit) break;
      }
      log.info('retention: purged cases to erase', { count: out.length });
      return out;
    },

    /**
     * Deletes every run of the case but its tombstone, then waits until each is gone (NotFound on describe), and the
     * case's notification records (their workflows: kept as long as the case's data, not longer).
     * Idempotent: a run or a record already deleted counts as deleted.
     */
    async eraseEarlierRuns(c: PurgedCaseRef): Promise<{ runsDeleted: number; notificationsDeleted?: number }> {
      const client = clientOf(deps);
      const namespace = Context.current().info.workflowNamespace;
      const notificationsDeleted = await new TemporalNotifications(client, Context.current().info.taskQueue, 0).deleteOfDossier(c.dossierId);
      const service = client.workflowService;
      const runIds: string[] = [];
      for await (const info of client.workflow.list({ query: visibilityQuery(workflowIdIs(c.workflowId)), pageSize: 100 })) {
        if (info.runId !== c.runId && info.status.name !== 'RUNNING') runIds.push(info.runId);
      }
      for (const runId of runIds) {
        try {
          await service.deleteWorkflowExecution({ namespace, workflowExecution: { workflowId: c.workflowId, runId } });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        Context.current().heartbeat(runId);
      }
      const deadline = Date.now() + DELETION_WAIT_MS;
      for (const runId of runIds) {
        for (;;) {
          try {
            await service.describeWorkflowExecution({ namespace, execution: { workflowId: c.workflowId, runId } });
          } catch (err) {
            if (isNotFound(err)) break;
            throw err;
          }
          if (Date.now() > deadline) throw ApplicationFailure.create({ type: 'DeletionPending', message: `A run of ${c.dossierId} is not deleted yet; retrying.` });
          Context.current().heartbeat(runId);
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      log.info('retention: earlier runs and notifications deleted', { dossierId: c.dossierId, runsDeleted: runIds.length, notificationsDeleted });
      return { runsDeleted: runIds.length, notificationsDeleted };
    },
  };
}
