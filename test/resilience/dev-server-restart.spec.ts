/**
 * Fault: the Temporal dev server is killed (SIGKILL) under load and restarted on the same SQLite file. While it
 * is down the API answers 503 with Retry-After (never 500); nothing accepted before is lost; once it is back,
 * every case resumes and reaches closure, each accepted request applied exactly once. Short form: 20 cases;
 * RESILIENCE_LONG=1: 100 cases and a longer outage.
 */
import { join } from 'node:path';
import { HttpClient } from '../../bench/lib/http';
import { sleep } from '../../bench/lib/load';
import { ensureBuild, type NodeProcess } from '../../bench/lib/processes';
import { freePort, startDevServer, temporalBinaries, type DevServer } from '../../src/dev/dev-server';
import { eventually, startTestApp, type TestApp } from '../support/app';
import { uniqueTaskQueue } from '../support/temporal';
import {
  cases,
  deployment,
  drive,
  duplicateNotifications,
  exactlyOnceProblems,
  LONG,
  replayProblems,
  startWorkerProcess,
  statusTally,
  tempDir,
  timelineOf,
  tokens,
  type Deployment,
} from './harness';

const CASES = LONG ? 100 : 20;
const OUTAGE_MS = LONG ? 15_000 : 5_000;

describe('resilience: the Temporal server is killed and restarted under load', () => {
  jest.setTimeout(LONG ? 900_000 : 170_000);

  let server: DevServer;
  let serverPort: number;
  let dbFile: string;
  let d: Deployment;
  let t: TestApp;
  let http: HttpClient;
  let worker: NodeProcess | undefined;
  const cli = () => process.env.TEMPORAL_CLI_PATH ?? temporalBinaries().cli;

  const startServer = () => startDevServer({ cli: cli(), port: serverPort, dbFile, output: 'ignore', logLevel: 'error' });

  beforeAll(async () => {
    ensureBuild();
    serverPort = await freePort();
    dbFile = join(tempDir('dev-server-'), 'temporal.sqlite');
    server = await startServer();
    d = deployment(server.address, uniqueTaskQueue('kill-server'), { UPDATE_TIMEOUT_SECONDS: '5' });
    t = await startTestApp({
      worker: false,
      env: { TEMPORAL_ADDRESS: server.address, PRE_DATA_DIR: d.dataDir, TEMPORAL_TASK_QUEUE: d.taskQueue, JWT_SECRET: d.jwtSecret, PRE_CHILD_KEY_SECRET: `child-key-${d.jwtSecret}`, UPDATE_TIMEOUT_SECONDS: '5' },
    });
    http = new HttpClient(await t.app.getUrl(), 64); // the test app listens on a free port of 127.0.0.1
    worker = await startWorkerProcess(d);
  });

  afterAll(async () => {
    http?.close();
    await worker?.kill();
    await t?.close();
    await server?.stop(5000);
  });

  it('answers 503 with Retry-After while it is down, loses nothing accepted and resumes every case', async () => {
    const token = tokens(t.config);
    const list = cases(CASES, 8202);
    const totalSteps = CASES * 6;
    const downProbes: Array<{ status: number; retryAfter?: string }> = [];
    let outage: Promise<void> | undefined;
    const onAnswer = (answered: number) => {
      if (outage || answered < totalSteps / 3) return;
      outage = (async () => {
        server.process.kill('SIGKILL');
        await new Promise<void>((r) => (server.process.exitCode !== null || server.process.signalCode !== null ? r() : server.process.once('exit', () => r())));
        const until = Date.now() + OUTAGE_MS;
        // what a monitoring probe and a client see while the server is down
        while (Date.now() < until) {
          const ready = await http.get('/health/ready');
          downProbes.push({ status: ready.status, retryAfter: ready.headers['retry-after'] as string | undefined });
          await sleep(500);
        }
        server = await startServer();
      })();
    };
    const t0 = Date.now();
    const runs = await drive(() => http, token, list, { concurrency: Math.min(CASES, 20), stepDeadlineMs: 150_000, onAnswer, requestTimeoutMs: 30_000 });
    await outage;
    const driven = Date.now() - t0;
    expect(outage).toBeDefined();

    const tally = statusTally(runs);
    process.stdout.write(`dev-server-restart: cases driven in ${driven} ms; statuses of every attempt ${JSON.stringify(tally)}; readiness while down ${JSON.stringify(downProbes.map((p) => p.status))}\n`);
    // while it was down: readiness 503 with Retry-After; clients got 503 with Retry-After (or 504), never a 500
    expect(downProbes.length).toBeGreaterThan(0);
    expect(downProbes.filter((p) => p.status !== 503 || !p.retryAfter)).toEqual([]);
    const attempts = runs.flatMap((r) => r.outcomes.flatMap((o) => o.attempts));
    expect(attempts.filter((a) => a.status === 503).length).toBeGreaterThan(0);
    expect(attempts.filter((a) => a.status === 503 && !a.retryAfter)).toEqual([]);
    expect(attempts.filter((a) => a.status === 500)).toEqual([]);

    // everything resumed: every case reached closure, each accepted request applied exactly once
    expect(runs.filter((r) => r.stuckAt).map((r) => `${r.dossierId ?? r.case.index} stuck at ${r.stuckAt}: ${JSON.stringify(r.outcomes.at(-1)?.attempts.slice(-3))}`)).toEqual([]);
    const reader = await token({ sub: 'u-coord-1', role: 'coordinator' });
    const problems: string[] = [];
    for (const run of runs) problems.push(...exactlyOnceProblems(run, await timelineOf(http, reader, run.dossierId!)), ...replayProblems(run));
    expect(problems).toEqual([]);

    const t1 = Date.now();
    // every case settles: closed, its last notification recorded, then held for its retention (PreRetention = HELD)
    await eventually(async () => (await t.client.workflow.count(`TaskQueue = '${d.taskQueue}' AND ExecutionStatus = 'Running' AND PreRetention = 'HELD'`)).count === CASES, 90_000, 1000);
    process.stdout.write(`dev-server-restart: every case closed and held ${Date.now() - t1} ms after the checks\n`);
    expect((await t.client.workflow.count(`TaskQueue = '${d.taskQueue}' AND WorkflowType = 'parcoursWorkflow'`)).count).toBe(CASES);
    expect((await duplicateNotifications(t.client, d.taskQueue)).duplicates).toEqual([]);
  });
});
