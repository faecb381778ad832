import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../../src/app';
import { loadEnv, type AppConfig } from '../../src/config/env';
import { freePort, startDevServer, temporalBinaries } from '../../src/dev/dev-server';
import { createWorker } from '../../src/worker/run-worker';
import type { BenchSecrets } from './secrets';

/** The Temporal server of an in-process bench: TEMPORAL_ADDRESS, or a dev server the bench starts (and stops). */
export async function benchTemporal(): Promise<{ address: string; started: boolean; stop: () => Promise<void> }> {
  const given = process.env.TEMPORAL_ADDRESS;
  if (given) return { address: given, started: false, stop: async () => undefined };
  const server = await startDevServer({ cli: temporalBinaries().cli, port: await freePort(), logLevel: 'error', output: 'ignore' });
  return { address: server.address, started: true, stop: () => server.stop() };
}

export interface InProcessService {
  config: AppConfig;
  app: NestExpressApplication;
  /** The API's base URL (127.0.0.1, a free port). */
  url: string;
  /** Closes the API and the worker, and removes the bench's data folder. */
  stop: () => Promise<void>;
}

/**
 * The API and a worker in the bench's own process (so that the bench measures the process that validates and
 * answers), on a fresh task queue of `address`, with the bench's secrets and `extra` settings.
 */
export async function startInProcess(name: string, address: string, secrets: BenchSecrets, extra: Record<string, string> = {}): Promise<InProcessService> {
  const config = loadEnv({
    ...secrets.env,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE: `bench-${name}-${randomBytes(3).toString('hex')}`,
    WORKER_METRICS_PORT: '0',
    PRE_SCHEDULES_AT_STARTUP: 'false',
    LOG_LEVEL: 'error',
    ...extra,
  });
  const { worker, connection } = await createWorker(config);
  const running = worker.run();
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const stop = async () => {
    await app.close();
    worker.shutdown();
    await running;
    await connection.close();
    rmSync(secrets.dataDir, { recursive: true, force: true });
  };
  return { config, app, url, stop };
}
