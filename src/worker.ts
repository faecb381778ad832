/** Worker process: `npm run start:worker` (several may run side by side on the same task queue). */
import 'reflect-metadata';
import { getHeapStatistics } from 'node:v8';
import { appConfigOrExit } from './config/env';
import { ensureSchedulesFromWorker } from './schedules/ensure-schedules';
import { NativeConnection } from '@temporalio/worker';
import { connectionOptions, temporalAddress } from './temporal/connection-options';
import { untilPrerequisitesMet } from './temporal/prerequisites';
import { createWorker, installRuntime } from './worker/run-worker';
import { workerHeapMiBFor } from './worker/cache-budget';
import { shutdownTracing, startTracing } from './telemetry/tracing';

async function main(): Promise<void> {
  const config = appConfigOrExit();
  startTracing('pre-worker'); // OTEL_* variables; off by default
  const log = (level: string, msg: string, extra: Record<string, unknown> = {}) =>
    process.stdout.write(JSON.stringify({ level, time: new Date().toISOString(), context: 'Worker', msg, ...extra }) + '\n');
  // V8 keeps garbage up to its heap limit: a worker started without the cap outgrows its memory budget (cache-budget.ts)
  const heapLimitMiB = Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
  const heapCapMiB = workerHeapMiBFor(config.WORKER_MEMORY_BUDGET_MIB);
  if (heapLimitMiB > config.WORKER_MEMORY_BUDGET_MIB) {
    log('warn', `the V8 heap limit (${heapLimitMiB} MiB) exceeds WORKER_MEMORY_BUDGET_MIB: start the worker with --max-old-space-size=${heapCapMiB} (npm run start:worker does for the default budget)`, { heapLimitMiB, heapCapMiB });
  }
  installRuntime(config); // before the first connection: the SDK runtime is installed once per process
  const nativeConnection = await NativeConnection.connect(connectionOptions(config));
  // the namespace and the search attributes first: polling without them fails every workflow task that sets one
  await untilPrerequisitesMet(nativeConnection, config.TEMPORAL_NAMESPACE, { register: config.PRE_REGISTER_SEARCH_ATTRIBUTES, log });
  const { worker, connection } = await createWorker(config, nativeConnection);
  const schedules = ensureSchedulesFromWorker(config, connection); // in the background: never delays polling
  const stop = (signal: string) => {
    process.stdout.write(JSON.stringify({ level: 'info', context: 'Worker', msg: `${signal}: draining in-flight tasks` }) + '\n');
    worker.shutdown();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.stdout.write(
    JSON.stringify({ level: 'info', context: 'Worker', msg: 'worker polling', address: temporalAddress(config), taskQueue: config.TEMPORAL_TASK_QUEUE, ...(config.PRE_WORKER_DEPLOYMENT ? { deployment: config.PRE_WORKER_DEPLOYMENT, buildId: config.PRE_WORKER_BUILD_ID } : {}) }) + '\n',
  );
  await worker.run();
  schedules.stop();
  await connection.close();
  await shutdownTracing();
}

main().catch((e: unknown) => {
  process.stderr.write(`worker failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
