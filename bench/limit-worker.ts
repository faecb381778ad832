/**
 * The worker of the bench's `limit` section, in its own process (as the service's worker is in the embedded
 * default's): the trivial `limitWorkflow` (bench/limit/limit.workflow.ts) on its own task queue, with the SDK's
 * default data converter and options. Env: TEMPORAL_ADDRESS, BENCH_LIMIT_TASK_QUEUE.
 */
import { NativeConnection, Worker } from '@temporalio/worker';

async function main(): Promise<void> {
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const worker = await Worker.create({
    connection,
    taskQueue: process.env.BENCH_LIMIT_TASK_QUEUE ?? 'bench-limit',
    workflowsPath: require.resolve('./limit/limit.workflow'),
  });
  const stop = () => worker.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdout.write('limit worker polling\n');
  await worker.run();
  await connection.close();
}

main().catch((e: unknown) => {
  process.stderr.write(`limit worker failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
