/** `npm run build`: bundles the workflows once so that production workers load code, not webpack. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { BUNDLE_CONVERTERS } from '../src/temporal/data-converter';
import { workflowBundleTracing } from '../src/telemetry/temporal-tracing';

async function main(): Promise<void> {
  const started = Date.now();
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve(join(__dirname, '..', 'workflows')),
    ...BUNDLE_CONVERTERS, // the sandbox encodes failures (hence encrypted) and marks the UI texts with the same converters
    ...workflowBundleTracing(), // the OpenTelemetry workflow interceptors, whatever the tracing settings (README, Tracing)
    logger: new DefaultLogger('WARN'),
  });
  const out = join(__dirname, '..', 'workflow-bundle.js'); // dist/workflow-bundle.js
  writeFileSync(out, code);
  process.stdout.write(`workflow bundle: ${out} (${(code.length / 1024).toFixed(0)} kB, ${Date.now() - started} ms)\n`);
}

void main();
