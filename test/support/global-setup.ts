/**
 * One real Temporal dev server (in memory, every search attribute registered) and one workflow bundle per
 * `jest` run, shared by the workflow and e2e projects through environment variables.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { temporalBinaries, type DevServer } from '../../src/dev/dev-server';
import { devServerOnFreePorts } from './processes';
import { BUNDLE_CONVERTERS } from '../../src/temporal/data-converter';
import { workflowBundleTracing } from '../../src/telemetry/temporal-tracing';

declare global {
  var __PRE_DEV_SERVER__: DevServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  if (process.env.PRE_TEST_TEMPORAL_ADDRESS) return; // second project of the same run
  const bins = temporalBinaries();
  process.env.TEMPORAL_TEST_SERVER_PATH = bins.testServer;
  process.env.TEMPORAL_CLI_PATH = bins.cli;
  const { server } = await devServerOnFreePorts(2, ([port, uiPort]) => ({ cli: bins.cli, port, uiPort, logLevel: 'error', output: 'ignore' }));
  globalThis.__PRE_DEV_SERVER__ = server;
  process.env.PRE_TEST_TEMPORAL_ADDRESS = server.address;
  process.env.PRE_TEST_TEMPORAL_UI = server.uiUrl;
  const dir = mkdtempSync(join(tmpdir(), 'pre-test-'));
  process.env.PRE_TEST_TMP = dir;
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows/index'), ...BUNDLE_CONVERTERS, ...workflowBundleTracing(), logger: new DefaultLogger('WARN') });
  const bundle = join(dir, 'workflow-bundle.js');
  writeFileSync(bundle, code);
  process.env.PRE_TEST_WORKFLOW_BUNDLE = bundle;
}
