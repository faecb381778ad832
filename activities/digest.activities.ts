import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { AgendaCase, CollectDeadlinesInput, DeadlineItem, RunningConvention } from '../workflows/schedules/schedules.contract';
import { awaitingReview, fundingDeadlines, parcoursDeadlines, runningConventions } from './deadline-search';

export interface DigestDeps {
  /** A Temporal client on the worker's connection, for visibility look-ups. */
  temporalClient?: Client;
}

/** The deployment's task queue: the one this activity runs on, shared by every workflow of the deployment. */
function taskQueue(): string {
  return Context.current().info.taskQueue;
}

function clientOf(deps: DigestDeps): Client {
  if (!deps.temporalClient) {
    throw ApplicationFailure.create({ type: 'Misconfigured', message: 'This worker has no Temporal client for visibility look-ups.', nonRetryable: true });
  }
  return deps.temporalClient;
}

/** Activities of the schedules: read-only look-ups across cases through their search attributes. */
export function createDigestActivities(deps: DigestDeps) {
  return {
    /** Parcours, conventions and funding years overdue or due by `until` (one visibility query each). */
    async collectDeadlines(input: CollectDeadlinesInput): Promise<DeadlineItem[]> {
      const client = clientOf(deps);
      const [parcours, funding] = await Promise.all([
        parcoursDeadlines(client, { until: input.until, referentId: input.referentId, taskQueue: taskQueue() }),
        input.referentId ? Promise.resolve([]) : fundingDeadlines(client, { until: input.until, taskQueue: taskQueue() }),
      ]);
      return [...parcours, ...funding];
    },

    /** Cases waiting for the EPS, for the agenda. */
    async listAwaitingReview(_input: Record<string, never>): Promise<AgendaCase[]> {
      return awaitingReview(clientOf(deps), taskQueue());
    },

    /** Running conventions, for the yearly kick-off. */
    async listRunningConventions(input: { year: number }): Promise<RunningConvention[]> {
      return runningConventions(clientOf(deps), input.year, taskQueue());
    },
  };
}
