/**
 * The rolling upgrade of test:cluster (Worker Versioning): what a case's history says about the builds that ran it.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { workflowIdFor } from '../../workflows/parcours/parcours.contract';

export interface CaseHistory {
  /** The build id that completed each workflow task, in order ('unversioned' when none was stamped). */
  builds: string[];
  /** Each failed workflow task: its cause and message (a replay error would be NON_DETERMINISTIC_ERROR). */
  failedTasks: string[];
  /**
   * How many patch markers (patched()) the history records, the project's own patches of every build left out (the
   * long-lived loop's and the registry release's, recorded by any run that starts on code that has them).
   */
  patchMarkers: number;
  /** The versioning behaviours the completed workflow tasks declared (AUTO_UPGRADE for every workflow of the project). */
  behaviours: string[];
  /** Timers started and neither fired nor cancelled: what the case is waiting on (its deadlines). */
  pendingTimers: number;
}

/** The patches every build of the project has (not the change a rolling upgrade brings). */
// workflows/shared/loop.ts#KEEP_TIMER_PATCH, workflows/parcours/parcours.workflow.ts#RELEASE_REGISTRY_PATCH
const PROJECT_PATCHES = new Set<string>(['loop-keeps-unchanged-timer', 'release-child-registry-by-activity']);

/** The id of a patch marker (its `patch-data` payload: JSON `{ id, deprecated }`), or '' if unreadable. */
function patchIdOf(details: { [k: string]: temporal.api.common.v1.IPayloads } | null | undefined): string {
  const data = details?.['patch-data']?.payloads?.[0]?.data;
  try {
    return data ? String((JSON.parse(Buffer.from(data).toString('utf8')) as { id?: unknown }).id ?? '') : '';
  } catch {
    return '';
  }
}

export async function caseHistory(client: Client, dossierId: string): Promise<CaseHistory> {
  const history = await client.workflow.getHandle(workflowIdFor(dossierId)).fetchHistory();
  const out: CaseHistory = { builds: [], failedTasks: [], patchMarkers: 0, behaviours: [], pendingTimers: 0 };
  for (const e of history.events ?? []) {
    const done = e.workflowTaskCompletedEventAttributes;
    if (done) {
      out.builds.push(done.deploymentVersion?.buildId || done.workerVersion?.buildId || 'unversioned');
      const behaviour = temporal.api.enums.v1.VersioningBehavior[done.versioningBehavior ?? 0];
      if (!out.behaviours.includes(behaviour)) out.behaviours.push(behaviour);
    }
    const failed = e.workflowTaskFailedEventAttributes;
    if (failed) out.failedTasks.push(`${temporal.api.enums.v1.WorkflowTaskFailedCause[failed.cause ?? 0]}: ${failed.failure?.message ?? ''}`);
    if (e.markerRecordedEventAttributes?.markerName === 'core_patch' && !PROJECT_PATCHES.has(patchIdOf(e.markerRecordedEventAttributes.details))) out.patchMarkers += 1;
    if (e.timerStartedEventAttributes) out.pendingTimers += 1;
    if (e.timerFiredEventAttributes || e.timerCanceledEventAttributes) out.pendingTimers -= 1;
  }
  return out;
}

/** `['a','a','b']` → `'a×2 → b×1'`: the builds in the order they ran the case. */
export function buildRuns(builds: string[]): string {
  const runs: Array<[string, number]> = [];
  for (const b of builds) {
    if (runs.length && runs[runs.length - 1][0] === b) runs[runs.length - 1][1] += 1;
    else runs.push([b, 1]);
  }
  return runs.map(([b, n]) => `${b}×${n}`).join(' → ');
}
