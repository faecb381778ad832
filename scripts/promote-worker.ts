/**
 * Worker Versioning, the operator's command: makes a build of the worker deployment current (or ramps it), then prints
 * the deployment's versions. `npm run worker:promote -- [options]` with TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and the
 * TLS variables of the API; the deployment and build default to PRE_WORKER_DEPLOYMENT and PRE_WORKER_BUILD_ID.
 *
 *   --build-id <id>       the build to make current (default PRE_WORKER_BUILD_ID)
 *   --deployment <name>   the worker deployment (default PRE_WORKER_DEPLOYMENT)
 *   --ramp <percent>      ramp the build to this share of new workflows instead of making it current (0 stops the ramp)
 *   --wait <seconds>      wait that long for the build's workers to poll (a version exists once they do; default 60)
 *   --status              only print the deployment's versions
 *
 * The same as `temporal worker deployment set-current-version --deployment-name <name> --build-id <id>` (the CLI).
 * Once a build is current, new workflows and every workflow's next task (they are all auto-upgrade,
 * src/worker/deployment.ts) go to it; the old build's workers may stop once its version reads DRAINED (or at once:
 * nothing is pinned to it). README, "Running in production". Exit 1 with the server's message on failure.
 */
import 'reflect-metadata';
import { hostname } from 'node:os';
import { Connection, isGrpcServiceError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { appConfigOrExit } from '../src/config/env';
import { connectionOptions, temporalAddress } from '../src/temporal/connection-options';

const NOT_FOUND = 5;
const FAILED_PRECONDITION = 9;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

type Version = { deploymentName?: string | null; buildId?: string | null } | null | undefined;
const show = (v: Version) => (v?.buildId ? v.buildId : 'unversioned workers');

/** The deployment's routing and versions, one line each. */
async function describe(connection: Connection, namespace: string, deploymentName: string): Promise<string> {
  const { workerDeploymentInfo: info } = await connection.workflowService.describeWorkerDeployment({ namespace, deploymentName });
  const routing = info?.routingConfig;
  const lines = [
    `worker deployment "${deploymentName}" (namespace "${namespace}"): current ${show(routing?.currentDeploymentVersion)}` +
      (routing?.rampingDeploymentVersion?.buildId ? `, ramping ${routing.rampingDeploymentVersion.buildId} at ${routing.rampingVersionPercentage ?? 0} %` : ''),
  ];
  for (const v of info?.versionSummaries ?? []) {
    const status = temporal.api.enums.v1.WorkerDeploymentVersionStatus[v.status ?? 0]?.replace('WORKER_DEPLOYMENT_VERSION_STATUS_', '') ?? String(v.status);
    const drainage = v.drainageInfo?.status ? `, drainage ${temporal.api.enums.v1.VersionDrainageStatus[v.drainageInfo.status]?.replace('VERSION_DRAINAGE_STATUS_', '')}` : '';
    lines.push(`  build ${v.deploymentVersion?.buildId}: ${status}${drainage}`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const config = appConfigOrExit();
  const deploymentName = option('deployment') ?? config.PRE_WORKER_DEPLOYMENT;
  const buildId = option('build-id') ?? config.PRE_WORKER_BUILD_ID;
  const ramp = option('ramp');
  const waitSeconds = Number(option('wait') ?? 60);
  if (!deploymentName) throw new Error('no worker deployment: pass --deployment <name> or set PRE_WORKER_DEPLOYMENT');
  if (ramp !== undefined && !(Number(ramp) >= 0 && Number(ramp) <= 100)) throw new Error(`--ramp takes a percentage from 0 to 100, not "${ramp}"`);
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) throw new Error(`--wait takes a number of seconds, not "${option('wait')}"`);
  const namespace = config.TEMPORAL_NAMESPACE;
  const connection = await Connection.connect({ ...connectionOptions(config), connectTimeout: '10s' });
  try {
    if (process.argv.includes('--status')) {
      process.stdout.write(`${await describe(connection, namespace, deploymentName)}\n`);
      return;
    }
    if (!buildId) throw new Error('no build: pass --build-id <id> or set PRE_WORKER_BUILD_ID');
    const identity = `worker:promote@${hostname()}`;
    const deadline = Date.now() + waitSeconds * 1000;
    // the version (and the deployment) exist once a worker of the build has polled: until then the server answers
    // NOT_FOUND, or FAILED_PRECONDITION while the build's task queues are not all polled yet
    for (;;) {
      try {
        if (ramp !== undefined) {
          await connection.workflowService.setWorkerDeploymentRampingVersion({ namespace, deploymentName, buildId, percentage: Number(ramp), identity });
          process.stdout.write(`build ${buildId} of "${deploymentName}" ramping at ${Number(ramp)} % of new workflows (${temporalAddress(config)})\n`);
        } else {
          const res = await connection.workflowService.setWorkerDeploymentCurrentVersion({ namespace, deploymentName, buildId, identity });
          process.stdout.write(`build ${buildId} of "${deploymentName}" is now current (was ${show(res.previousDeploymentVersion)}) on ${temporalAddress(config)}\n`);
        }
        break;
      } catch (e) {
        const retriable = isGrpcServiceError(e) && (e.code === NOT_FOUND || e.code === FAILED_PRECONDITION);
        if (!retriable || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    process.stdout.write(`${await describe(connection, namespace, deploymentName)}\n`);
  } finally {
    await connection.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`worker:promote failed: ${(e as Error).message}\n`);
  process.exit(1);
});
