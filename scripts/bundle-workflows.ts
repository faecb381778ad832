/** `npm run build`: bundles the workflows once so that production workers load code, not webpack. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../src/temporal/data-converter';

async function main(): Promise<void> {
  const started = Date.now();
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve(join(__dirname, '..', 'workflows')),
    failureConverterPath: FAILURE_CONVERTER_PATH, // the sandbox's failures are encoded (hence encrypted) too
    logger: new DefaultLogger('WARN'),
  });
  const out = join(__dirname, '..', 'workflow-bundle.js'); // dist/workflow-bundle.js
  writeFileSync(out, code);
  process.stdout.write(`workflow bundle: ${out} (${(code.length / 1024).toFixed(0)} kB, ${Date.now() - started} ms)\n`);
}

void main();
