/** Temporal helpers for tests: the shared dev server, time-skipping environments, unique task queues. */
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { type createActivities } from '../../activities';

let runtimeReady = false;
/** Quiet SDK logs in tests (warnings and errors only). */
export function quietRuntime(): void {
  if (runtimeReady) return;
  runtimeReady = true;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  } catch {
    // already installed by another helper of this test file
  }
}

/** Address of the run's dev server (jest global setup). */
export function devServerAddress(): string {
  const address = process.env.PRE_TEST_TEMPORAL_ADDRESS;
  if (!address) throw new Error('No dev server: run tests through jest (global setup starts one).');
  return address;
}

/** A task queue no other test file uses. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** The workflow bundle built once per run by the global setup. */
export function workflowBundle(): { workflowBundle: { codePath: string } } {
  const codePath = process.env.PRE_TEST_WORKFLOW_BUNDLE;
  if (!codePath) throw new Error('No workflow bundle: run tests through jest (global setup builds one).');
  return { workflowBundle: { codePath } };
}

/** A time-skipping environment on the pinned test server binary (no download). */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const path = process.env.TEMPORAL_TEST_SERVER_PATH;
  return TestWorkflowEnvironment.createTimeSkipping(path ? { server: { executable: { type: 'existing-path', path } } } : {});
}

/** An environment on the run's dev server (real visibility and custom search attributes). */
export async function devServerEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return TestWorkflowEnvironment.createFromExistingServer({ address: devServerAddress() });
}

/** A worker with every workflow and the given activities (default: the real ones on a temp outbox). */
export async function testWorker(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  activities: Record<string, (...args: any[]) => Promise<unknown>> | ReturnType<typeof createActivities>,
  extra: Partial<WorkerOptions> = {},
): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    ...workflowBundle(),
    activities,
    ...extra,
  });
}
