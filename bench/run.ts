/**
 * `npm run bench`: measures the service on this machine and prints a table (also appended to
 * `bench/results/<date>.md`).
 *
 * - Referrals, updates and the full lifecycle run against the embedded default (`node dist/src/dev.js`: dev
 *   server + worker + API, as `npm start` runs it) on free ports and a temporary data folder, each through the
 *   API and (referrals, updates) straight through the Temporal client, for the API's overhead ratio.
 * - Scale runs the production layout on one machine: `temporal server start-dev` on a SQLite file, the worker
 *   (`node dist/src/worker.js`, or bench/worker.ts with BENCH_WORKER_OPTIONS) and the API (`node dist/src/main.js`)
 *   as three processes, so that each one's memory is its own and the worker can be restarted alone.
 *
 * Knobs (environment or flags): BENCH_N / --n (1000), BENCH_CONCURRENCY / --concurrency (20), BENCH_SCALE_N /
 * --scale-n (10000), BENCH_SEED / --seed (42), BENCH_SECTIONS / --sections (limit,referrals,updates,lifecycle,scale; and
 * `engine`, on demand: what the engine charges for each part of an update),
 * BENCH_READY_STALE=0 / --no-ready-stale (skip waiting for readiness to notice a stopped worker),
 * BENCH_WORKER_OPTIONS (JSON worker options, e.g. '{"maxCachedWorkflows":500}'), BENCH_WORKER_NODE_ARGS (the split worker's
 * node arguments, e.g. '--max-old-space-size=512'), BENCH_TARGET_ENV (JSON environment of the service's processes, e.g.
 * '{"WORKER_MAX_CACHED_WORKFLOWS":"2000"}', in both topologies), BENCH_EMBEDDED_NODE_ARGS (node arguments of the
 * embedded default's process, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof'), BENCH_LABEL / --label (a name for
 * the run in the results file), BENCH_OUT / --out (results file; "-" writes none), --quick (N=200, scale 1000), BENCH_KEEP_DATA=1 (keep the data folders, the dev server's SQLite file among them, to read the histories afterwards).
 *
 * The `limit` section (issue 17) runs the engine's own limit on the same dev server with the same clients: a trivial
 * workflow (bench/limit/) started with update-with-start and updated; every throughput is also printed as a ratio to
 * it, and the last line printed is `BENCH_SUMMARY {json}` (ratios and p99s) for scripts to read.
 */
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, WithStartWorkflowOperation } from '@temporalio/client';
import { benchSecrets, type BenchSecrets } from './lib/secrets';
import { signDevToken } from '../src/auth/dev-token';
import type { Role } from '../src/auth/roles';
import { loadEnv, type AppConfig } from '../src/config/env';
import { freePort, startDevServer, temporalBinaries, type DevServer } from '../src/dev/dev-server';
import { dataConverter } from '../src/temporal/data-converter';
import { getStateQuery, workflowIdFor } from '../workflows/parcours/parcours.contract';
import { claimDirect, directDossierId, startDirect, updateDirect } from './lib/direct';
import { HttpClient } from './lib/http';
import { generateCase, todayUtc, type GeneratedCase } from './lib/inputs';
import { runPool, sleep, until, type PoolResult } from './lib/load';
import { childPids, commandLine, cpuSeconds, ENTRY, ROOT, rssMiB, spawnNode, waitForHttp, type NodeProcess } from './lib/processes';
import { addUpdate, shapedUpdate, type limitWorkflow, type shapedWorkflow, type UpdateShape } from './limit/limit.workflow';
import { idsFrom, LIFECYCLE, meetingRequests, stepRequest, type StepName } from './lib/steps';
import { failureText, fmt, summarize, table, type RunSummary } from './lib/stats';

type Section = 'limit' | 'engine' | 'referrals' | 'updates' | 'lifecycle' | 'scale';
const SECTIONS: Section[] = ['limit', 'engine', 'referrals', 'updates', 'lifecycle', 'scale'];
/** The sections run when none is named (`engine` only on demand). */
const DEFAULT_SECTIONS: Section[] = ['limit', 'referrals', 'updates', 'lifecycle', 'scale'];

interface Options {
  n: number;
  concurrency: number;
  scaleN: number;
  seed: number;
  sections: Set<Section>;
  readyStale: boolean;
  workerOptions: string;
  label: string;
  out: string;
  today: string;
  /** Where referrals, updates and the lifecycle run: the embedded default (one process) or three processes. */
  topology: 'embedded' | 'split';
}

function options(argv: string[]): Options {
  const flag = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const has = (name: string) => argv.includes(`--${name}`);
  const quick = has('quick');
  const num = (v: string | undefined, d: number) => (v === undefined || v === '' ? d : Number(v));
  const sections = (flag('sections') ?? process.env.BENCH_SECTIONS ?? DEFAULT_SECTIONS.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean) as Section[];
  for (const s of sections) if (!SECTIONS.includes(s)) throw new Error(`Unknown section "${s}" (sections: ${SECTIONS.join(', ')})`);
  const o: Options = {
    n: num(flag('n') ?? process.env.BENCH_N, quick ? 200 : 1000),
    concurrency: num(flag('concurrency') ?? process.env.BENCH_CONCURRENCY, 20),
    scaleN: num(flag('scale-n') ?? process.env.BENCH_SCALE_N, quick ? 1000 : 10_000),
    seed: num(flag('seed') ?? process.env.BENCH_SEED, 42),
    sections: new Set(sections),
    readyStale: !has('no-ready-stale') && process.env.BENCH_READY_STALE !== '0',
    workerOptions: process.env.BENCH_WORKER_OPTIONS ?? '',
    label: flag('label') ?? process.env.BENCH_LABEL ?? (process.env.BENCH_WORKER_OPTIONS ? `worker ${process.env.BENCH_WORKER_OPTIONS}` : 'defaults'),
    out: flag('out') ?? process.env.BENCH_OUT ?? join(ROOT, 'bench', 'results', `${new Date().toISOString().slice(0, 10)}.md`),
    today: process.env.BENCH_TODAY ?? todayUtc(),
    topology: (flag('topology') ?? process.env.BENCH_TOPOLOGY ?? 'embedded') as Options['topology'],
  };
  if (!['embedded', 'split'].includes(o.topology)) throw new Error(`--topology must be embedded or split (got ${o.topology})`);
  for (const [k, v] of Object.entries({ n: o.n, concurrency: o.concurrency, scaleN: o.scaleN, seed: o.seed })) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`${k} must be a whole number (got ${v})`);
  }
  return o;
}

// ---------------------------------------------------------------------------------------------------------
// Machine and versions
// ---------------------------------------------------------------------------------------------------------

function versionOf(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

function machine(cli: string): string[] {
  const cpu = cpus();
  const temporal = spawnSync(cli, ['--version'], { encoding: 'utf8' }).stdout?.trim() || '?';
  return [
    `Machine: ${cpu.length} cores (${cpu[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM (${(freemem() / 2 ** 30).toFixed(1)} GiB free at start), Linux ${release()}, load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    `Versions: Node ${process.version}, ${temporal.replace(/\s+/g, ' ')}, Temporal TypeScript SDK ${versionOf('@temporalio/worker')}, NestJS ${versionOf('@nestjs/core')}`,
  ];
}

// ---------------------------------------------------------------------------------------------------------
// The processes under test
// ---------------------------------------------------------------------------------------------------------

function secrets(): BenchSecrets {
  const made = benchSecrets('run');
  return { dataDir: made.dataDir, env: { ...made.env, LOG_LEVEL: 'warn' } };
}

interface Target {
  /** The API's base URL. */
  api: string;
  temporalAddress: string;
  config: AppConfig;
  client: Client;
  /** A client with the SDK's default data converter (no codec), for the limit's trivial workflow. */
  rawClient: Client;
  connection: Connection;
  http: HttpClient;
  token(sub: string, role: Role): Promise<string>;
  /** pid → what it is, for the memory figures. */
  processes(): Array<{ what: string; pid: number }>;
  close(): Promise<void>;
}

async function clientFor(config: AppConfig, address: string, concurrency: number) {
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: dataConverter(config) });
  const rawClient = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const tokens = new Map<string, Promise<string>>();
  const token = (sub: string, role: Role) => {
    const k = `${sub}/${role}`;
    if (!tokens.has(k)) tokens.set(k, signDevToken(config, sub, [role], '11h'));
    return tokens.get(k)!;
  };
  return { connection, client, rawClient, token, http: (api: string) => new HttpClient(api, concurrency + 4) };
}

/** BENCH_TARGET_ENV: JSON environment given to the service's processes on top of the bench's (a setting to measure). */
const TARGET_ENV = JSON.parse(process.env.BENCH_TARGET_ENV || '{}') as Record<string, string>;
/** BENCH_EMBEDDED_NODE_ARGS: node arguments of the embedded default's process (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`). */
const EMBEDDED_NODE_ARGS = (process.env.BENCH_EMBEDDED_NODE_ARGS ?? '').split(' ').filter(Boolean);

/** `node dist/src/dev.js` (what `npm start` runs) on free ports. */
async function startEmbedded(s: BenchSecrets, concurrency: number): Promise<Target> {
  const [port, devPort, uiPort, metricsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const env = { ...s.env, PORT: String(port), HOST: '127.0.0.1', TEMPORAL_DEV_PORT: String(devPort), TEMPORAL_UI_PORT: String(uiPort), WORKER_METRICS_PORT: String(metricsPort), ...TARGET_ENV };
  const proc = spawnNode('embedded default', ENTRY.embedded, env, EMBEDDED_NODE_ARGS);
  const api = `http://127.0.0.1:${port}`;
  await Promise.race([
    waitForHttp(`${api}/health/ready`, 200, 180_000, 250),
    proc.exited.then(({ code }) => Promise.reject(new Error(`the embedded default exited (${code}):\n${proc.output()}`))),
  ]);
  const address = `127.0.0.1:${devPort}`;
  const config = loadEnv({ ...env, NODE_ENV: 'test', TEMPORAL_ADDRESS: address });
  const c = await clientFor(config, address, concurrency);
  return {
    api,
    temporalAddress: address,
    config,
    client: c.client,
    rawClient: c.rawClient,
    connection: c.connection,
    http: c.http(api),
    token: c.token,
    processes: () => [
      { what: 'API + worker (one process: the embedded default)', pid: proc.pid },
      ...childPids(proc.pid)
        .filter((pid) => /server start-dev/.test(commandLine(pid)))
        .map((pid) => ({ what: 'Temporal dev server', pid })),
    ],
    async close() {
      await c.connection.close().catch(() => undefined);
      await proc.stop(30_000);
    },
  };
}

/** Dev server, worker and API as three processes (the production layout, on one machine). */
interface SplitTarget extends Target {
  devServer: DevServer;
  worker: NodeProcess;
  apiProcess: NodeProcess;
  startWorker(): Promise<NodeProcess>;
}

/**
 * Node arguments of the split worker process: those of `npm run start:worker` (package.json: the V8 heap cap of
 * src/worker/cache-budget.ts), or BENCH_WORKER_NODE_ARGS (e.g. `--max-old-space-size=768`, or '' for none) to measure others.
 */
const WORKER_NODE_ARGS = (
  process.env.BENCH_WORKER_NODE_ARGS ??
  (/^exec node (.*?) ?dist\/src\/worker\.js$/.exec((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['start:worker'] ?? '')?.[1] ?? '')
)
  .split(' ')
  .filter(Boolean);

function workerEntry(workerOptions: string): { entry: string; env: Record<string, string> } {
  return workerOptions ? { entry: join(ROOT, 'dist', 'bench', 'worker.js'), env: { BENCH_WORKER_OPTIONS: workerOptions } } : { entry: ENTRY.worker, env: {} };
}

async function startSplit(s: BenchSecrets, concurrency: number, workerOptions: string): Promise<SplitTarget> {
  const [port, devPort] = [await freePort(), await freePort()];
  const devServer = await startDevServer({ cli: temporalBinaries().cli, port: devPort, dbFile: join(s.dataDir, 'temporal.sqlite'), output: 'ignore', logLevel: 'error' });
  const address = devServer.address;
  const env = { ...s.env, TEMPORAL_ADDRESS: address, PORT: String(port), HOST: '127.0.0.1', WORKER_METRICS_PORT: '0', ...TARGET_ENV };
  const w = workerEntry(workerOptions);
  const startWorker = async () => {
    const p = spawnNode('worker', w.entry, { ...env, ...w.env }, WORKER_NODE_ARGS);
    await p.waitForOutput(/worker polling/, 120_000);
    return p;
  };
  const target: Partial<SplitTarget> = { devServer };
  target.worker = await startWorker();
  const apiProcess = spawnNode('api', ENTRY.api, env);
  const api = `http://127.0.0.1:${port}`;
  await waitForHttp(`${api}/health/ready`, 200, 120_000, 250);
  const config = loadEnv({ ...env, NODE_ENV: 'test' });
  const c = await clientFor(config, address, concurrency);
  return Object.assign(target, {
    api,
    temporalAddress: address,
    config,
    client: c.client,
    rawClient: c.rawClient,
    connection: c.connection,
    http: c.http(api),
    token: c.token,
    apiProcess,
    startWorker,
    processes: () => [
      { what: 'worker', pid: target.worker!.pid },
      { what: 'API', pid: apiProcess.pid },
      { what: 'Temporal dev server', pid: devServer.process.pid! },
    ],
    async close() {
      await c.connection.close().catch(() => undefined);
      await apiProcess.stop();
      await target.worker!.stop(30_000);
      await devServer.stop(30_000);
    },
  }) as SplitTarget;
}

// ---------------------------------------------------------------------------------------------------------
// Measured sections
// ---------------------------------------------------------------------------------------------------------

interface Created {
  c: GeneratedCase;
  dossierId: string;
  actionId?: string;
}

/** CPU used by each process under test (and by the bench's own client) during one measured run. */
interface CpuRow {
  label: string;
  ops: number;
  seconds: Record<string, number>;
}
const cpuRows: CpuRow[] = [];

/** Processes of the bench's own besides the target's (the limit's worker), measured while they run. */
const extraProcesses: Array<{ what: string; pid: number }> = [];

function cpuNow(t: Target): Record<string, number> {
  const r: Record<string, number> = {};
  for (const p of [...t.processes(), ...extraProcesses]) r[p.what] = cpuSeconds(p.pid);
  const u = process.cpuUsage();
  r['bench client'] = (u.user + u.system) / 1e6;
  return r;
}

/** Runs `fn` and records the CPU each process spent on it, per operation. */
async function metered<T>(t: Target, label: string, ops: number, fn: () => Promise<T>): Promise<T> {
  const before = cpuNow(t);
  const result = await fn();
  const after = cpuNow(t);
  cpuRows.push({ label, ops, seconds: Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - (before[k] ?? NaN)])) });
  return result;
}

/** The CPU table of the rows recorded since `from`: milliseconds of CPU per operation, by process. */
function cpuTable(from: number): string {
  const rows = cpuRows.slice(from);
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r.seconds)))];
  return table(
    ['run', 'ops', ...columns.map((c) => `${c} ms/op`), 'all ms/op'],
    rows.map((r) => {
      const per = (v: number) => fmt((v * 1000) / Math.max(1, r.ops), 2);
      const total = Object.values(r.seconds).reduce((a, b) => a + (Number.isNaN(b) ? 0 : b), 0);
      return [r.label, String(r.ops), ...columns.map((c) => per(r.seconds[c] ?? NaN)), per(total)];
    }),
  );
}

const gen = (o: Options, series: number, count: number) => Array.from({ length: count }, (_, i) => generateCase({ seed: o.seed, today: o.today, referents: 20, series }, i));

/** Sizes of the requests and answers per step (the answer is the whole case as it now stands). */
const answerBytes: Partial<Record<StepName, { count: number; total: number; request: number }>> = {};

async function apiStep(t: Target, c: GeneratedCase, name: StepName, ids: { dossierId?: string; actionId?: string }) {
  const req = stepRequest(c, name, ids);
  const res = await t.http.request(req.method, req.path, { token: await t.token(req.as.sub, req.as.role), body: req.body, headers: { 'idempotency-key': req.idempotencyKey } });
  const ok = res.status === req.expected;
  if (ok) {
    const b = (answerBytes[name] ??= { count: 0, total: 0, request: 0 });
    b.count += 1;
    b.total += Buffer.byteLength(res.text);
    b.request += Buffer.byteLength(JSON.stringify(req.body));
  }
  if (!ok && process.env.BENCH_DEBUG) process.stderr.write(`${name} → ${res.status} ${res.text.slice(0, 400)}\n`);
  return { ok, outcome: String(res.status), value: ok ? idsFrom(name, res.body, ids) : undefined };
}

/** `ref`: the limit's run of the same kind of operation, for the throughput ratio to the engine's limit. */
function row(s: RunSummary, what: string, ref?: RunSummary): string[] {
  return [what, String(s.count), failureText(s.failures), fmt(s.wallMs / 1000, 1), fmt(s.throughput, 1), vsLimit(s, ref), fmt(s.p50), fmt(s.p95), fmt(s.p99), fmt(s.max)];
}

function vsLimit(s: RunSummary, ref?: RunSummary): string {
  return ref && ref.throughput > 0 ? `×${(s.throughput / ref.throughput).toFixed(2)}` : '';
}

/** The limit's runs (update-with-start, update) once measured, and the figures of the BENCH_SUMMARY line. */
const limitRuns: { start?: RunSummary; update?: RunSummary } = {};
const summary: Record<string, number | string | null> = {};
const ratioOf = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? Number((a / b).toFixed(3)) : null);
const msOf = (v: number) => (Number.isFinite(v) ? Number(v.toFixed(1)) : null);

function ratioRow(api: RunSummary, direct: RunSummary): string[] {
  const r = (a: number, b: number) => (b > 0 ? `×${(a / b).toFixed(2)}` : '–');
  return ['ratio API / direct', '', '', r(api.wallMs, direct.wallMs), r(api.throughput, direct.throughput), '', r(api.p50, direct.p50), r(api.p95, direct.p95), r(api.p99, direct.p99), r(api.max, direct.max)];
}

const LATENCY_HEADER = ['what', 'n', 'failures', 'wall s', 'per s', 'per s ÷ limit', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'];

function progress(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/**
 * Runs `fn` with the limit's worker (bench/limit-worker.ts: the trivial workflows of bench/limit/) polling a task queue
 * of its own, in its own process, measured with the others while it runs; stops it afterwards.
 */
async function withLimitWorker(t: Target, section: string, fn: (taskQueue: string) => Promise<void>): Promise<void> {
  const taskQueue = `bench-${section}-${Date.now().toString(36)}`;
  progress(`${section}: starting the trivial workflows' worker (task queue ${taskQueue})`);
  const worker = spawnNode('limit worker', join(ROOT, 'dist', 'bench', 'limit-worker.js'), { TEMPORAL_ADDRESS: t.temporalAddress, BENCH_LIMIT_TASK_QUEUE: taskQueue });
  try {
    await worker.waitForOutput(/limit worker polling/, 120_000);
    extraProcesses.push({ what: 'limit worker', pid: worker.pid });
    await fn(taskQueue);
  } finally {
    extraProcesses.splice(0);
    await worker.stop(15_000);
  }
}

/**
 * The engine's limit: `limitWorkflow` (an update handler that adds a number) on the same dev server, its worker in a
 * process of its own (bench/limit-worker.ts), the same C clients: N update-with-start (`USE_EXISTING`, an update id
 * as the service sends), then one update on each of those N workflows.
 */
async function limit(t: Target, o: Options, out: string[]): Promise<void> {
  await withLimitWorker(t, 'limit', async (taskQueue) => {
    const ids = Array.from({ length: o.n }, (_, i) => `bench-limit-${o.seed}-${i}-${taskQueue}`);
    progress(`limit: ${o.n} update-with-start of the trivial workflow, ${o.concurrency} clients`);
    const started = await metered(t, 'limit: update-with-start', o.n, () =>
      runPool(ids, o.concurrency, async (workflowId) => {
        const startWorkflowOperation = new WithStartWorkflowOperation<typeof limitWorkflow>('limitWorkflow', {
          workflowId,
          taskQueue,
          workflowIdConflictPolicy: 'USE_EXISTING',
        });
        const total = await t.rawClient.workflow.executeUpdateWithStart(addUpdate, { args: [1], updateId: `${workflowId}-start`, startWorkflowOperation });
        return { ok: total === 1, outcome: String(total) };
      }),
    );
    progress(`limit: ${o.n} updates of the running trivial workflows, ${o.concurrency} clients`);
    const updated = await metered(t, 'limit: update', o.n, () =>
      runPool(ids, o.concurrency, async (workflowId) => {
        const total = await t.rawClient.workflow.getHandle(workflowId).executeUpdate(addUpdate, { args: [2], updateId: `${workflowId}-add` });
        return { ok: total === 3, outcome: String(total) };
      }),
    );
    limitRuns.start = summarize('limit update-with-start', started.samples, started.wallMs);
    limitRuns.update = summarize('limit update', updated.samples, updated.wallMs);
    Object.assign(summary, {
      limitStartPerS: Number(limitRuns.start.throughput.toFixed(2)),
      limitUpdatePerS: Number(limitRuns.update.throughput.toFixed(2)),
      limitStartP99Ms: msOf(limitRuns.start.p99),
      limitUpdateP99Ms: msOf(limitRuns.update.p99),
    });
    out.push(
      `## The engine's limit (a trivial workflow whose update adds a number; same dev server, ${o.concurrency} clients, its worker in its own process)`,
      '',
      table(LATENCY_HEADER, [row(limitRuns.start, 'limit update-with-start (`USE_EXISTING`)', limitRuns.start), row(limitRuns.update, 'limit update on a running workflow', limitRuns.update)]),
      '',
      '(Its CPU per operation is in the CPU table below, rows `limit: …`.)',
      '',
    );
  });
}

/** The parts of an update `engineCosts` adds one at a time: each shape is the one before plus one part. */
const ENGINE_SHAPES: Array<{ what: string; shape: UpdateShape }> = [
  { what: 'the trivial update (as the limit)', shape: {} },
  { what: '+ the case\'s 10 search attributes upserted', shape: { searchAttributes: true } },
  { what: '+ a memo of ~800 bytes (the case\'s figures)', shape: { searchAttributes: true, memo: true } },
  { what: '+ an answer of 5 kB (the case\'s view)', shape: { searchAttributes: true, memo: true, answerBytes: 5000 } },
  { what: '+ the timer moved (one cancelled, one started)', shape: { searchAttributes: true, memo: true, answerBytes: 5000, timer: true } },
  { what: 'the same, the search attributes upserted 3 times (a first task with 2 patches)', shape: { searchAttributes: true, memo: true, answerBytes: 5000, timer: true, upserts: 3 } },
];

/**
 * What the engine charges for each part of a service's update (issue 17): N `shapedWorkflow`s (bench/limit/) on the
 * limit's worker, then one round of N updates per shape, each shape adding one part to the one before; the CPU table
 * says what each part costs the dev server. No codec (the engine's own cost).
 */
async function engineCosts(t: Target, o: Options, out: string[]): Promise<void> {
  const cpuFrom = cpuRows.length;
  await withLimitWorker(t, 'engine', async (taskQueue) => {
    const ids = Array.from({ length: o.n }, (_, i) => `bench-engine-${o.seed}-${i}-${taskQueue}`);
    await runPool(ids, o.concurrency, async (workflowId) => {
      await t.rawClient.workflow.start<typeof shapedWorkflow>('shapedWorkflow', { workflowId, taskQueue });
      return { ok: true, outcome: 'started' };
    });
    // a first round, not measured: the starts' first workflow tasks done, every workflow in the worker's cache
    await runPool(ids, o.concurrency, async (workflowId) => {
      await t.rawClient.workflow.getHandle(workflowId).executeUpdate(shapedUpdate, { args: [{}], updateId: `${workflowId}-warm-up` });
      return { ok: true, outcome: 'answered' };
    });
    const rows: string[][] = [];
    for (const [i, { what, shape }] of ENGINE_SHAPES.entries()) {
      progress(`engine: ${o.n} updates, ${what}`);
      const r = await metered(t, `engine: ${what}`, o.n, () =>
        runPool(ids, o.concurrency, async (workflowId) => {
          const answer = await t.rawClient.workflow.getHandle(workflowId).executeUpdate(shapedUpdate, { args: [shape], updateId: `${workflowId}-${i}` });
          return { ok: answer.length === (shape.answerBytes ?? 1), outcome: 'answered' };
        }),
      );
      rows.push(row(summarize(what, r.samples, r.wallMs), what, limitRuns.update));
    }
    out.push(
      `## What the engine charges for each part of an update (the shaped trivial workflow, no codec; same dev server, ${o.concurrency} clients)`,
      '',
      table(LATENCY_HEADER, rows),
      '',
      cpuTable(cpuFrom),
      '',
    );
  });
}

async function referralsAndUpdates(t: Target, o: Options, out: string[]): Promise<void> {
  const apiCases = gen(o, 0, o.n);
  const directCases = gen(o, 1, o.n);
  progress(`referrals: ${o.n} through the API, ${o.concurrency} clients`);
  const apiRun = await metered(t, 'referrals, API', o.n, () => runPool(apiCases, o.concurrency, (c) => apiStep(t, c, 'referral', {})));
  progress(`referrals: ${o.n} through the Temporal client`);
  const directRun = await metered(t, 'referrals, direct', o.n, () =>
    runPool(directCases, o.concurrency, async (c) => {
      const view = await startDirect(t.client, t.config, c);
      return { ok: view.stage === 'AWAITING_CONSENT', outcome: view.stage, value: { dossierId: view.dossierId } };
    }),
  );
  const a = summarize('POST /parcours', apiRun.samples, apiRun.wallMs);
  const d = summarize('update-with-start', directRun.samples, directRun.wallMs);
  out.push(
    `## Referrals (${o.n}, ${o.concurrency} concurrent clients)`,
    '',
    table(LATENCY_HEADER, [row(a, 'API `POST /parcours`', limitRuns.start), row(d, 'direct update-with-start (no duplicate check)', limitRuns.start), ratioRow(a, d)]),
    '',
  );
  Object.assign(summary, {
    referralPerS: Number(a.throughput.toFixed(2)),
    referralDirectPerS: Number(d.throughput.toFixed(2)),
    referralVsLimit: limitRuns.start ? ratioOf(a.throughput, limitRuns.start.throughput) : null,
    directReferralVsLimit: limitRuns.start ? ratioOf(d.throughput, limitRuns.start.throughput) : null,
    apiVsDirectReferral: ratioOf(a.throughput, d.throughput),
    referralP50Ms: msOf(a.p50),
    referralP99Ms: msOf(a.p99),
    referralFailures: a.count - a.ok,
  });

  // run last: its open cases would otherwise change what the updates find in the worker's cache
  const claimed = async () => {
    // the same two Temporal calls as the API (the registry's start, then update-with-start): API ÷ this is the API's own cost
    const claimedCases = gen(o, 5, o.n);
    progress(`referrals: ${o.n} through the Temporal client, each after its registry claim (the API's two calls)`);
    const claimedRun = await metered(t, 'referrals, direct with claim', o.n, () =>
      runPool(claimedCases, o.concurrency, async (c) => {
        await claimDirect(t.client, t.config, c, directDossierId(t.config, c));
        const view = await startDirect(t.client, t.config, c);
        return { ok: view.stage === 'AWAITING_CONSENT', outcome: view.stage, value: { dossierId: view.dossierId } };
      }),
    );
    const dc = summarize('claim + update-with-start', claimedRun.samples, claimedRun.wallMs);
    out.push(
      `## Referrals with the duplicate check, direct (${o.n}, ${o.concurrency} concurrent clients; run after the updates)`,
      '',
      table(LATENCY_HEADER, [row(a, 'API `POST /parcours` (above)', limitRuns.start), row(dc, "direct registry claim + update-with-start (the API's two calls)", limitRuns.start), ratioRow(a, dc)]),
      '',
    );
    Object.assign(summary, { referralDirectClaimPerS: Number(dc.throughput.toFixed(2)), apiVsDirectClaimReferral: ratioOf(a.throughput, dc.throughput) });
  };
  if (!o.sections.has('updates')) return claimed();
  const apiLive: Created[] = apiCases.flatMap((c, i) => (apiRun.results[i]?.dossierId ? [{ c, dossierId: apiRun.results[i]!.dossierId! }] : []));
  const directLive: Created[] = directCases.flatMap((c, i) => (directRun.results[i]?.dossierId ? [{ c, dossierId: directRun.results[i]!.dossierId! }] : []));
  const rows: string[][] = [];
  const all: { api: PoolResult<unknown>[]; direct: PoolResult<unknown>[] } = { api: [], direct: [] };
  for (const step of ['consent', 'teamReview', 'action'] as const) {
    progress(`updates: ${step} on ${apiLive.length} cases through the API`);
    const ar = await metered(t, `${step}, API`, apiLive.length, () => runPool(apiLive, o.concurrency, (x) => apiStep(t, x.c, step, x)));
    progress(`updates: ${step} on ${directLive.length} cases through the Temporal client`);
    const dr = await metered(t, `${step}, direct`, directLive.length, () =>
      runPool(directLive, o.concurrency, async (x) => {
        const view = await updateDirect(t.client, x.c, step, x);
        return { ok: true, outcome: view.stage };
      }),
    );
    all.api.push(ar);
    all.direct.push(dr);
    const as = summarize(step, ar.samples, ar.wallMs);
    const ds = summarize(step, dr.samples, dr.wallMs);
    const path = { consent: 'consent', teamReview: 'team-reviews', action: 'actions' }[step];
    rows.push(row(as, `API \`POST …/${path}\``, limitRuns.update), row(ds, `direct \`${step}\` update`, limitRuns.update), ratioRow(as, ds));
  }
  // What the API adds around each update: it reads the case first (a getState query, answered by the worker).
  // For comparison, a describe (answered by the server alone, with the search attributes).
  progress(`updates: getState query and describe on ${directLive.length} cases (the read the API does before an update)`);
  const qr = await metered(t, 'getState query, direct', directLive.length, () =>
    runPool(directLive, o.concurrency, async (x) => {
      const view = await t.client.workflow.getHandle(workflowIdFor(x.dossierId)).query(getStateQuery);
      return { ok: !!view, outcome: 'ok' };
    }),
  );
  const dsr = await metered(t, 'describe, direct', directLive.length, () =>
    runPool(directLive, o.concurrency, async (x) => {
      const d = await t.client.workflow.getHandle(workflowIdFor(x.dossierId)).describe();
      return { ok: !!d.status, outcome: 'ok' };
    }),
  );
  rows.push(row(summarize('', qr.samples, qr.wallMs), 'direct `getState` query (the API\'s read before each update)'), row(summarize('', dsr.samples, dsr.wallMs), 'direct describe (server only, for comparison)'));
  const merge = (runs: PoolResult<unknown>[], label: string) =>
    summarize(label, runs.flatMap((r) => r.samples), runs.reduce((s, r) => s + r.wallMs, 0));
  const aAll = merge(all.api, 'all');
  const dAll = merge(all.direct, 'all');
  rows.push(row(aAll, 'API, the three together', limitRuns.update), row(dAll, 'direct, the three together', limitRuns.update), ratioRow(aAll, dAll));
  Object.assign(summary, {
    updatePerS: Number(aAll.throughput.toFixed(2)),
    updateDirectPerS: Number(dAll.throughput.toFixed(2)),
    updateVsLimit: limitRuns.update ? ratioOf(aAll.throughput, limitRuns.update.throughput) : null,
    directUpdateVsLimit: limitRuns.update ? ratioOf(dAll.throughput, limitRuns.update.throughput) : null,
    apiVsDirectUpdate: ratioOf(aAll.throughput, dAll.throughput),
    updateP50Ms: msOf(aAll.p50),
    updateP99Ms: msOf(aAll.p99),
    updateFailures: aAll.count - aAll.ok,
  });
  out.push(`## Updates (consent, team review, action on each case; ${o.concurrency} concurrent clients)`, '', table(LATENCY_HEADER, rows), '');
  await claimed();
}

async function lifecycle(t: Target, o: Options, out: string[]): Promise<void> {
  const list = gen(o, 2, o.n);
  progress(`lifecycle: ${o.n} cases from referral to closure through the API, ${o.concurrency} clients`);
  const perStep: Record<string, Array<{ ms: number; ok: boolean; outcome: string }>> = {};
  const run = await metered(t, 'lifecycle (6 requests)', o.n * LIFECYCLE.length, () => runPool(list, o.concurrency, async (c) => {
    let ids: { dossierId?: string; actionId?: string } = {};
    for (const name of LIFECYCLE) {
      const t0 = performance.now();
      const r = await apiStep(t, c, name, ids);
      (perStep[name] ??= []).push({ ms: performance.now() - t0, ok: r.ok, outcome: r.outcome });
      if (!r.ok) return { ok: false, outcome: `${name}:${r.outcome}` };
      ids = r.value!;
    }
    return { ok: true, outcome: 'CLOSED' };
  }));
  const s = summarize('lifecycle', run.samples, run.wallMs);
  const requests = Object.values(perStep).reduce((n, l) => n + l.length, 0);
  out.push(
    `## Full lifecycle (${o.n} cases, referral → consent → team review → action → action done → closure, ${o.concurrency} concurrent clients)`,
    '',
    table(
      ['cases', 'closed', 'failures', 'requests', 'wall s', 'cases/s', 'requests/s', 'requests/s ÷ limit update', 'case p50 ms', 'case p99 ms'],
      [[String(s.count), String(s.ok), failureText(s.failures), String(requests), fmt(s.wallMs / 1000), fmt(s.throughput, 2), fmt((requests * 1000) / s.wallMs, 1), limitRuns.update ? `×${((requests * 1000) / s.wallMs / limitRuns.update.throughput).toFixed(2)}` : '', fmt(s.p50), fmt(s.p99)]],
    ),
    '',
    table(
      LATENCY_HEADER,
      LIFECYCLE.filter((n) => perStep[n]).map((n) => {
        const x = summarize(n, perStep[n], run.wallMs);
        return [n, String(x.count), failureText(x.failures), '', '', '', fmt(x.p50), fmt(x.p95), fmt(x.p99), fmt(x.max)];
      }),
    ),
    '',
    'Payload sizes through the API (every answer is the whole case as it now stands):',
    '',
    table(
      ['step', 'mean request bytes', 'mean answer bytes'],
      LIFECYCLE.filter((n) => answerBytes[n]).map((n) => [n, fmt(answerBytes[n]!.request / answerBytes[n]!.count, 0), fmt(answerBytes[n]!.total / answerBytes[n]!.count, 0)]),
    ),
    '',
  );
}

async function memory(t: Target): Promise<string[][]> {
  return t.processes().map((p) => [`RSS ${p.what}`, `${fmt(rssMiB(p.pid), 0)} MiB`]);
}

async function latencyOf(count: number, fn: () => Promise<{ ok: boolean; outcome: string }>): Promise<RunSummary> {
  const r = await runPool(Array.from({ length: count }), 1, fn);
  return summarize('', r.samples, r.wallMs);
}

const lat = (s: RunSummary) => `p50 ${fmt(s.p50)} / p95 ${fmt(s.p95)} / p99 ${fmt(s.p99)} ms (n=${s.count}${s.ok < s.count ? `, failures ${failureText(s.failures)}` : ''})`;

async function scale(s: BenchSecrets, o: Options, out: string[]): Promise<void> {
  progress(`scale: starting the dev server, a worker and the API as three processes`);
  const t = await startSplit(s, o.concurrency, o.workerOptions);
  const rows: string[][] = [];
  const cpuFrom = cpuRows.length;
  try {
    rows.push(...(await memory(t)).map(([k, v]) => [`${k}, idle`, v]));
    const list = gen(o, 3, o.scaleN);
    progress(`scale: ${o.scaleN} referrals through the API, ${o.concurrency} clients`);
    const created = await metered(t, `scale: ${o.scaleN} referrals, API`, o.scaleN, () => runPool(list, o.concurrency, (c) => apiStep(t, c, 'referral', {})));
    const cs = summarize('create', created.samples, created.wallMs);
    rows.push([`create ${o.scaleN} open cases (POST /parcours, ${o.concurrency} clients)`, `${fmt(cs.wallMs / 1000)} s, ${fmt(cs.throughput)}/s${limitRuns.start ? ` (${vsLimit(cs, limitRuns.start)} the limit's update-with-start)` : ''}, ${lat(cs)}`]);
    Object.assign(summary, { scaleCreateS: msOf(cs.wallMs / 1000), scaleCreatePerS: Number(cs.throughput.toFixed(2)), scaleReferralP99Ms: msOf(cs.p99), scaleFailures: cs.count - cs.ok });
    const tenth = Math.max(1, Math.floor(o.scaleN / 10));
    const first = summarize('', created.samples.slice(0, tenth), NaN);
    const last = summarize('', created.samples.slice(-tenth), NaN);
    rows.push([`referral latency, first ${tenth} vs last ${tenth} (does it grow with the number of cases?)`, `p50 ${fmt(first.p50)} → ${fmt(last.p50)} ms, p99 ${fmt(first.p99)} → ${fmt(last.p99)} ms`]);
    const coord = await t.token('u-coord-1', 'coordinator');
    progress('scale: waiting until visibility lists every case');
    const visibleAfter = performance.now();
    await until(
      'every case visible',
      async () => (await t.client.workflow.count(`WorkflowType = 'parcoursWorkflow' AND ExecutionStatus = 'Running'`)).count >= cs.ok,
      300_000,
      1000,
    );
    rows.push(['visibility caught up after the last create', `${fmt((performance.now() - visibleAfter) / 1000)} s`]);
    await sleep(5000); // let the eligibility activities and acknowledgements of the last cases settle
    rows.push(...(await memory(t)).map(([k, v]) => [`${k}, ${cs.ok} open cases`, v]));
    summary.scaleWorkerRssMiB = msOf(rssMiB(t.worker.pid));

    const list1 = await latencyOf(30, async () => {
      const r = await t.http.get('/parcours?stage=AWAITING_CONSENT', { token: coord });
      return { ok: r.status === 200, outcome: String(r.status) };
    });
    rows.push(['`GET /parcours?stage=AWAITING_CONSENT` (coordinator, first page)', lat(list1)]);
    const list2 = await latencyOf(30, async () => {
      const r = await t.http.get('/parcours?stage=AWAITING_CONSENT&pageSize=500', { token: coord });
      return { ok: r.status === 200, outcome: String(r.status) };
    });
    rows.push(['`GET /parcours?stage=AWAITING_CONSENT&pageSize=500`', lat(list2)]);
    const refToken = await t.token('u-ref-1', 'referent');
    const own = await latencyOf(30, async () => {
      const r = await t.http.get('/parcours', { token: refToken });
      return { ok: r.status === 200, outcome: String(r.status) };
    });
    rows.push([`\`GET /parcours\` (a référent's own, ~${Math.round(o.scaleN / 20)} cases)`, lat(own)]);
    // the API process's first reading of a référent's tasks reads their whole list and marks its head; the next
    // ones read the head alone while it holds the page (earliestParcoursDeadlines): the first is its own row
    const tasksRefFirst = await latencyOf(1, async () => {
      const r = await t.http.get('/me/tasks', { token: refToken });
      return { ok: r.status === 200, outcome: String(r.status) };
    });
    rows.push(["`GET /me/tasks` (référent, the process's first reading: whole list)", lat(tasksRefFirst)]);
    const tasksRef = await latencyOf(30, async () => {
      const r = await t.http.get('/me/tasks', { token: refToken });
      return { ok: r.status === 200, outcome: String(r.status) };
    });
    rows.push(['`GET /me/tasks` (référent, next readings)', lat(tasksRef)]);
    const tasksCoord = await latencyOf(30, async () => {
      const r = await t.http.get('/me/tasks', { token: coord });
      return { ok: r.status === 200, outcome: String(r.status) };
    });
    rows.push(['`GET /me/tasks` (coordinator)', lat(tasksCoord)]);
    Object.assign(summary, {
      scaleListP99Ms: msOf(Math.max(list1.p99, list2.p99, own.p99)),
      scaleTasksReferentP99Ms: msOf(tasksRef.p99),
      scaleTasksReferentFirstMs: msOf(tasksRefFirst.p50),
      scaleTasksCoordinatorP99Ms: msOf(tasksCoord.p99),
    });

    // worker restart
    progress('scale: stopping the worker (SIGTERM)');
    const probe = { c: list[0], dossierId: created.results[0]?.dossierId };
    const stopped = performance.now();
    await t.worker.stop(60_000);
    rows.push(['worker drain on SIGTERM', `${fmt((performance.now() - stopped) / 1000)} s`]);
    if (o.readyStale) {
      progress('scale: waiting for /health/ready to notice that no worker polls');
      try {
        await waitForHttp(`${t.api}/health/ready`, 503, 240_000, 1000);
        rows.push(['`/health/ready` answers 503 after the worker stopped', `${fmt((performance.now() - stopped) / 1000)} s`]);
      } catch {
        rows.push(['`/health/ready` answers 503 after the worker stopped', 'not within 240 s']);
      }
    }
    progress('scale: starting a new worker');
    const restarted = performance.now();
    const readyWatch = waitForHttp(`${t.api}/health/ready`, 200, 240_000, 100).then(() => performance.now() - restarted);
    t.worker = await t.startWorker();
    const polling = performance.now() - restarted;
    const ready = await readyWatch;
    let firstAnswer = NaN;
    if (probe.dossierId) {
      const r = await t.http.get(`/parcours/${probe.dossierId}`, { token: coord });
      firstAnswer = performance.now() - restarted;
      if (r.status !== 200) rows.push(['first `GET /parcours/{id}` after restart', `status ${r.status}`]);
    }
    rows.push(['worker restart → process polling', `${fmt(polling / 1000, 2)} s`]);
    rows.push(['worker restart → `/health/ready` 200', `${fmt(ready / 1000, 2)} s${o.readyStale ? '' : ' (readiness had not yet noticed the stop: see --no-ready-stale)'}`]);
    rows.push(['worker restart → first case read (query on a non-cached workflow)', `${fmt(firstAnswer / 1000, 2)} s`]);
    // updates on cases the new worker has never seen: each needs a replay
    const warm = created.results.flatMap((r, i) => (r?.dossierId ? [{ c: list[i], dossierId: r.dossierId }] : [])).slice(0, Math.min(1000, o.n));
    progress(`scale: consent on ${warm.length} cases the new worker has not cached`);
    const cold = await metered(t, 'scale: consent after worker restart, API', warm.length, () => runPool(warm, o.concurrency, (x) => apiStep(t, x.c, 'consent', x)));
    const cold1 = summarize('', cold.samples, cold.wallMs);
    rows.push([`consent on ${warm.length} of the open cases after the restart (replay on first touch)`, `${fmt(cold1.throughput)}/s, ${lat(cold1)}`]);
    rows.push(...(await memory(t)).map(([k, v]) => [`${k}, after the restart and ${warm.length} updates`, v]));
  } finally {
    out.push(`## Scale (${o.scaleN} open cases waiting on timers; dev server, worker and API as three processes${o.workerOptions ? `; worker options ${o.workerOptions}` : ''})`, '', table(['figure', 'value'], rows), '');
    out.push('CPU per operation, by process:', '', cpuTable(cpuFrom), '');
    await t.close();
  }
}

// ---------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  for (const f of [ENTRY.api, ENTRY.worker, ENTRY.embedded]) if (!existsSync(f)) throw new Error(`${f} is missing: run npm run build`);
  const cli = temporalBinaries().cli;
  const started = new Date();
  const out: string[] = [
    `# Benchmark ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC — ${o.label}`,
    '',
    ...machine(cli).map((l) => `${l}  `),
    `Run: \`${['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' ')}\` — N=${o.n}, C=${o.concurrency}, scale N=${o.scaleN}, seed ${o.seed}, base date ${o.today}, sections ${[...o.sections].join(',')}${o.workerOptions ? `, BENCH_WORKER_OPTIONS=${o.workerOptions}` : ''}${process.env.BENCH_TARGET_ENV ? `, BENCH_TARGET_ENV=${process.env.BENCH_TARGET_ENV}` : ''}${WORKER_NODE_ARGS.length ? `, split worker started with \`${WORKER_NODE_ARGS.join(" ")}\`` : ""}  `,
    '',
  ];
  const folders: string[] = [];
  const fresh = () => {
    const s = secrets();
    folders.push(s.dataDir);
    return s;
  };
  try {
    if (o.sections.has('limit') || o.sections.has('engine') || o.sections.has('referrals') || o.sections.has('updates') || o.sections.has('lifecycle')) {
      const s = fresh();
      const t0 = performance.now();
      let t: Target;
      if (o.topology === 'embedded') {
        progress('starting the embedded default (node dist/src/dev.js)');
        t = await startEmbedded(s, o.concurrency);
        out.push(`Embedded default ready in ${fmt((performance.now() - t0) / 1000)} s (dev server + worker + API, one \`node dist/src/dev.js\` as \`npm start\` runs it).`, '');
      } else {
        progress('starting the dev server, a worker and the API as three processes');
        t = await startSplit(s, o.concurrency, o.workerOptions);
        out.push(`Dev server, worker${o.workerOptions ? ` (options ${o.workerOptions})` : ''} and API as three processes, ready in ${fmt((performance.now() - t0) / 1000)} s.`, '');
      }
      const cpuFrom = cpuRows.length;
      try {
        // the EPS meetings the team reviews name
        for (const m of meetingRequests(o.today)) await t.http.request(m.method, m.path, { token: await t.token(m.as.sub, m.as.role), body: m.body });
        if (o.sections.has('limit')) await limit(t, o, out);
        if (o.sections.has('engine')) await engineCosts(t, o, out);
        if (o.sections.has('referrals') || o.sections.has('updates')) await referralsAndUpdates(t, o, out);
        if (o.sections.has('lifecycle')) await lifecycle(t, o, out);
        out.push('Memory after these sections:', '', table(['process', 'RSS'], (await memory(t)).map(([k, v]) => [k.replace(/^RSS /, ''), v])), '');
        out.push('CPU per operation, by process (where the time goes):', '', cpuTable(cpuFrom), '');
      } finally {
        await t.close();
      }
    }
    if (o.sections.has('scale')) await scale(fresh(), o, out);
  } finally {
    out.push(`Total bench time ${fmt((Date.now() - started.getTime()) / 60_000)} min.`, '');
    const summaryLine = `BENCH_SUMMARY ${JSON.stringify({ n: o.n, concurrency: o.concurrency, scaleN: o.sections.has('scale') ? o.scaleN : null, sections: [...o.sections].join(','), ...summary })}`;
    out.push('`' + summaryLine + '`', '');
    const text = out.join('\n');
    process.stdout.write(`\n${text}\n`);
    if (o.out !== '-') {
      mkdirSync(join(o.out, '..'), { recursive: true });
      if (existsSync(o.out)) appendFileSync(o.out, `\n${text}`);
      else writeFileSync(o.out, text);
      progress(`written to ${o.out}`);
    }
    if (process.env.BENCH_KEEP_DATA === '1') progress(`data kept (BENCH_KEEP_DATA=1): ${folders.join(', ')}`);
    else for (const d of folders) rmSync(d, { recursive: true, force: true });
    // the last line printed, for scripts: the ratios to the limit and the p99s through the API
    process.stdout.write(`${summaryLine}\n`);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
