/** Bundles build B (test/cluster/build-b/workflows.ts) as `npm run build` bundles the production workflows. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { workflowBundleTracing } from '../../../src/telemetry/temporal-tracing';
import { BUNDLE_CONVERTERS } from '../../../src/temporal/data-converter';

export async function bundleBuildB(outDir: string): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve(join(__dirname, 'workflows')),
    ...BUNDLE_CONVERTERS,
    ...workflowBundleTracing(), // as scripts/bundle-workflows.ts: B differs from A by its workflow code only
    logger: new DefaultLogger('WARN'),
  });
  const out = join(outDir, 'workflow-bundle-build-b.js');
  writeFileSync(out, code);
  return out;
}
