import type { WorkerOptions } from '@temporalio/worker';
import type { AppConfig } from '../config/env';

/**
 * Worker Versioning (worker deployments, Temporal Server ≥ 1.28): with PRE_WORKER_DEPLOYMENT and PRE_WORKER_BUILD_ID
 * set, the worker polls as the version `<deployment>:<build id>`. The server sends new workflows to the deployment's
 * current version (`npm run worker:promote`) and keeps the old build's pollers only for what is still routed to them.
 *
 * Every workflow of the project is AUTO_UPGRADE: a case or a convention lives for years, so its next workflow task
 * (an update, a timer, a signal) runs on whichever version is current, replaying its history there. A new build must
 * therefore replay the histories of the old one (docs/architecture.md, "Changing workflows that are running": the
 * replay tests and patched()); PINNED would keep a build alive for as long as its longest case.
 * Unset: an unversioned worker, as the dev server and the tests run it.
 */
export function workerDeploymentOptionsOf(config: Pick<AppConfig, 'PRE_WORKER_DEPLOYMENT' | 'PRE_WORKER_BUILD_ID'>): Pick<WorkerOptions, 'workerDeploymentOptions'> {
  if (!config.PRE_WORKER_DEPLOYMENT || !config.PRE_WORKER_BUILD_ID) return {};
  return {
    workerDeploymentOptions: {
      useWorkerVersioning: true,
      version: { deploymentName: config.PRE_WORKER_DEPLOYMENT, buildId: config.PRE_WORKER_BUILD_ID },
      defaultVersioningBehavior: 'AUTO_UPGRADE',
    },
  };
}
