/** Temporal helpers for tests: the shared dev server, time-skipping environments, unique task queues. */
import { randomBytes, randomUUID } from 'node:crypto';
import type { DataConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { type createActivities } from '../../activities/index';
import { EncryptionCodec } from '../../src/privacy/encryption-codec';
import { KeyRing } from '../../src/privacy/key-ring';
import { BUNDLE_CONVERTERS } from '../../src/temporal/data-converter';

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

const testKey = randomBytes(32);
/**
 * The payload encryption key ring of this test file, in PRE_CODEC_KEYS syntax: every test app of the file and
 * testDataConverter() share it, so a restarted app (or a bare worker) reads what an earlier one wrote.
 */
export const TEST_CODEC_KEYS = `test:${testKey.toString('base64')}`;

let testConverter: DataConverter | undefined;
/**
 * The production data converter (payload encryption with TEST_CODEC_KEYS, encoded failures). Give it to the
 * environment AND the worker: `timeSkippingEnv({ dataConverter: testDataConverter() })`,
 * `testWorker(env, taskQueue, activities, { dataConverter: testDataConverter() })`.
 */
export function testDataConverter(): DataConverter {
  testConverter ??= {
    payloadCodecs: [new EncryptionCodec(KeyRing.of([{ id: 'test', key: testKey }]))],
    ...BUNDLE_CONVERTERS,
  };
  return testConverter;
}

/** Options of the test environments: the client's data converter (default: the SDK's, no encryption). */
export interface TestEnvOptions {
  dataConverter?: DataConverter;
}

/** A time-skipping environment on the pinned test server binary (no download). */
export async function timeSkippingEnv(opts: TestEnvOptions = {}): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const path = process.env.TEMPORAL_TEST_SERVER_PATH;
  return TestWorkflowEnvironment.createTimeSkipping({
    ...(path ? { server: { executable: { type: 'existing-path', path } } } : {}),
    ...(opts.dataConverter ? { client: { dataConverter: opts.dataConverter } } : {}),
  });
}

/** An environment on the run's dev server (real visibility and custom search attributes). */
export async function devServerEnv(opts: TestEnvOptions = {}): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return TestWorkflowEnvironment.createFromExistingServer({
    address: devServerAddress(),
    ...(opts.dataConverter ? { client: { dataConverter: opts.dataConverter } } : {}),
  });
}

/** A worker with every workflow and the given activities (the real ones, or a recording set). */
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
