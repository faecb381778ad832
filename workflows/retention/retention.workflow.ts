/**
 * The retention schedule's action (DOMAIN.md §5, `pre-retention-purge`, nightly): finishes the purge of the cases
 * whose retention ended. Each such case has already continued-as-new into a run without personal data
 * (parcours.purged.ts); this workflow deletes the case's earlier runs — the histories that carried the encrypted
 * personal data — and confirms it to the case, which marks itself ERASED (PreRetention). Idempotent: a case is
 * listed until its confirmation, deleting a run already deleted is a no-op, and the case keeps only the first
 * confirmation. It logs counts and dossier ids, nothing about a child.
 */
import { getExternalWorkflowHandle, log, proxyActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities/index';
import { confirmErasureSignal } from '../parcours/parcours.contract';
import type { RetentionPurgeInput, RetentionPurgeResult } from '../schedules/schedules.contract';
import { ui } from '../shared/ui-text';

/** Visibility reads: quick, retried while the server is briefly unavailable. */
const LOOKUP = { startToCloseTimeout: '1 minute', retry: { initialInterval: '5 seconds', maximumInterval: '2 minutes', backoffCoefficient: 2 } } as const;
/** Deleting a case's runs and waiting until they are gone; heartbeats while it waits. */
const ERASE = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '10 seconds', maximumInterval: '10 minutes', backoffCoefficient: 2 },
} as const;

/** Cases erased at the same time. */
const PARALLEL_CASES = 8;

const lookup = proxyActivities<Activities>(LOOKUP);
const erase = proxyActivities<Activities>(ERASE);

export async function retentionPurgeWorkflow(input: RetentionPurgeInput): Promise<RetentionPurgeResult> {
  const waiting = await lookup.listPurgedCases.executeWithOptions({ ...LOOKUP, summary: ui('Dossiers purgés à effacer') }, [{ limit: input.maxCases + 1 }]);
  const cases = waiting.slice(0, input.maxCases);
  let runsDeleted = 0;
  // a few cases at a time: the server deletes runs asynchronously, and each activity waits for its deletions
  for (let i = 0; i < cases.length; i += PARALLEL_CASES) {
    await Promise.all(
      cases.slice(i, i + PARALLEL_CASES).map(async (c) => {
        const r = await erase.eraseEarlierRuns.executeWithOptions({ ...ERASE, summary: ui(`Effacement des exécutions antérieures de ${c.dossierId}`) }, [c]);
        runsDeleted += r.runsDeleted;
        await getExternalWorkflowHandle(c.workflowId).signal(confirmErasureSignal, { runsDeleted: r.runsDeleted, at: new Date().toISOString(), by: workflowInfo().workflowId });
        log.info('retention: case erased', { dossierId: c.dossierId, runsDeleted: r.runsDeleted });
      }),
    );
  }
  const more = waiting.length > cases.length;
  setCurrentDetails(`**Conservation** : ${cases.length} dossier(s) purgé(s) effacé(s), ${runsDeleted} exécution(s) supprimée(s)${more ? ' ; la suite au prochain passage' : ''}`);
  return { cases: cases.length, runsDeleted, more };
}
