/**
 * Build B of test:cluster's rolling upgrade (test/cluster/upgrade.ts): the project's workflows with one replay-safe
 * change to the parcours, bundled as a second worker build. It answers a query build A does not know, and takes a
 * patched() branch in executions that start on it: a case started on build A replays here without the marker
 * (`startedOnB: false`), a case started here records it (`startedOnB: true`). Test code only: never in the production
 * bundle (scripts/bundle-workflows.ts bundles workflows/).
 */
import { defineQuery, patched, setHandler } from '@temporalio/workflow';
import { parcoursWorkflow as parcoursWorkflowOfA } from '../../../workflows/parcours/parcours.workflow';
import { BUILD_B_PATCH, BUILD_B_QUERY, type BuildAnswer } from './build-b.contract';

// every other workflow as build A has it (a module's own export wins over `export *`)
export * from '../../../workflows/index';

const workerBuildQuery = defineQuery<BuildAnswer>(BUILD_B_QUERY);

export async function parcoursWorkflow(...args: Parameters<typeof parcoursWorkflowOfA>): ReturnType<typeof parcoursWorkflowOfA> {
  const startedOnB = patched(BUILD_B_PATCH);
  setHandler(workerBuildQuery, () => ({ build: 'B', startedOnB }));
  return parcoursWorkflowOfA(...args);
}
