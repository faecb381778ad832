/**
 * The worker process of the benchmark: `dist/src/worker.js` with worker options overridden from
 * BENCH_WORKER_OPTIONS (JSON, e.g. `{"maxCachedWorkflows":500}`), to measure a tuning before adopting it.
 */
import 'reflect-metadata';
import type { WorkerOptions } from '@temporalio/worker';
import { appConfigOrExit } from '../src/config/env';
import { createWorker } from '../src/worker/run-worker';

async function main(): Promise<void> {
  const config = appConfigOrExit();
  const tuning = JSON.parse(process.env.BENCH_WORKER_OPTIONS || '{}') as Partial<WorkerOptions>;
  const { worker, connection } = await createWorker(config, undefined, tuning);
  const stop = () => worker.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdout.write(JSON.stringify({ level: 'info', context: 'Worker', msg: 'worker polling', tuning }) + '\n');
  await worker.run();
  await connection.close();
}

main().catch((e: unknown) => {
  process.stderr.write(`worker failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
