/**
 * The real Nest API and a real worker against the run's dev server, on a task queue of their own, with a
 * data folder of their own. Tokens are signed with the test app's own secret.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import request from 'supertest';
import { createApp } from '../../src/app';
import { signDevToken } from '../../src/auth/dev-token';
import type { Role } from '../../src/auth/roles';
import { loadEnv, type AppConfig } from '../../src/config/env';
import { TemporalService } from '../../src/temporal/temporal.service';
import { createWorker } from '../../src/worker/run-worker';
import { TEST_RATE_LIMITS } from './rate-limits';
import { devServerAddress, TEST_CODEC_KEYS, uniqueTaskQueue } from './temporal';

export { TEST_RATE_LIMITS };

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  client: Client;
  worker?: Worker;
  /** supertest agent on the app's HTTP server */
  http: () => ReturnType<typeof request>;
  token(sub: string, role: Role | Role[]): Promise<string>;
  /** Starts the worker (if not started) and resolves when it polls. */
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Extra environment variables (e.g. short durations). */
  env?: Record<string, string>;
  /** Start a worker with the app (default true). */
  worker?: boolean;
  /** HTTP port on 127.0.0.1 (default: a free one). */
  port?: number;
  /**
   * Rate limits: 'test' (default) raises them far above what a suite sends through one token from one address;
   * 'defaults' keeps the env schema's defaults (test/security checks those).
   */
  limits?: 'test' | 'defaults';
}


/** A quiet JSON logger that keeps warnings and errors. */
export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(process.env.PRE_TEST_TMP ?? tmpdir(), 'app-'));
  const config = loadEnv({
    NODE_ENV: 'test',
    TEMPORAL_ADDRESS: devServerAddress(),
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue('e2e'),
    PRE_DATA_DIR: dataDir,
    JWT_SECRET: randomBytes(32).toString('base64url'),
    WORKER_METRICS_PORT: '0',
    LOG_LEVEL: 'warn',
    WORKFLOW_BUNDLE_PATH: process.env.PRE_TEST_WORKFLOW_BUNDLE ?? '',
    PRE_CODEC_KEYS: TEST_CODEC_KEYS, // one key per test file: apps restarted in a test read what they wrote
    ...(opts.limits === 'defaults' ? {} : TEST_RATE_LIMITS),
    ...opts.env,
  });
  const app = await createApp(config);
  // listening once (rather than supertest's listen-per-request) keeps parallel requests from racing
  await app.listen(opts.port ?? 0, '127.0.0.1');
  const client = app.get(TemporalService).client;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let connection: NativeConnection | undefined;

  const t: TestApp = {
    app,
    config,
    client,
    get worker() {
      return worker;
    },
    http: () => request(app.getHttpServer()),
    token: (sub, role) => signDevToken(config, sub, Array.isArray(role) ? role : [role]),
    async startWorker() {
      if (worker) return;
      const created = await createWorker(config, connection);
      worker = created.worker;
      connection = created.connection;
      running = worker.run();
      const started = Date.now();
      while (worker.getState() !== 'RUNNING' && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 50));
    },
    async stopWorker() {
      if (!worker) return;
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      worker = undefined;
    },
    async close() {
      await t.stopWorker();
      await connection?.close();
      await app.close();
    },
  };
  if (opts.worker !== false) await t.startWorker();
  return t;
}

/** Polls `fn` until it returns a truthy value (visibility is eventually consistent). */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 15_000, everyMs = 200): Promise<T> {
  const started = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
