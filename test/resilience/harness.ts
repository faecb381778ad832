/**
 * Fault-injection harness: the worker and the API as separate OS processes (the compiled `dist/src/*.js`, so that
 * SIGKILL kills exactly one of them), clients that drive cases through the API and retry with the same
 * Idempotency-Key, and the checks every fault must pass (each accepted request applied exactly once, no case
 * stuck, no notification twice).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import type { NotificationRecord } from '../../activities/notifications.types';
import { NOTIFICATION_MEMO, NOTIFICATION_WORKFLOW_TYPE } from '../../workflows/notifications/notification.contract';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HttpClient, HttpAnswer } from '../../bench/lib/http';
import { generateCase, todayUtc, type GeneratedCase } from '../../bench/lib/inputs';
import { sleep } from '../../bench/lib/load';
import { ENTRY, spawnNode, waitForHttp, type NodeProcess } from '../../bench/lib/processes';
import { idsFrom, LIFECYCLE, meetingRequests, stepRequest, type StepName, type StepRequest } from '../../bench/lib/steps';
import { signDevToken } from '../../src/auth/dev-token';
import { loadEnv, type AppConfig } from '../../src/config/env';
import { TEST_CODEC_KEYS } from '../support/temporal';
import { TEST_RATE_LIMITS } from '../support/rate-limits';

/** Short form in `npm test`; `RESILIENCE_LONG=1` (npm run resilience) for the long one. */
export const LONG = process.env.RESILIENCE_LONG === '1' || process.env.RESILIENCE_LONG === 'true';

/** A temporary folder under the test run's own. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(process.env.PRE_TEST_TMP ?? tmpdir(), prefix));
}

/** What the API, the worker and the test share: Temporal address, task queue, data folder, secrets. */
export interface Deployment {
  address: string;
  taskQueue: string;
  dataDir: string;
  jwtSecret: string;
  /** Extra variables for every process (short durations, timeouts). */
  env?: Record<string, string>;
}

export function deployment(address: string, taskQueue: string, env: Record<string, string> = {}): Deployment {
  return { address, taskQueue, dataDir: tempDir('resilience-'), jwtSecret: randomBytes(32).toString('base64url'), env };
}

/** The environment of a service process of this deployment. */
export function serviceEnv(d: Deployment, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'development',
    TEMPORAL_ADDRESS: d.address,
    TEMPORAL_TASK_QUEUE: d.taskQueue,
    PRE_DATA_DIR: d.dataDir,
    JWT_SECRET: d.jwtSecret,
    PRE_CODEC_KEYS: TEST_CODEC_KEYS,
    PRE_CHILD_KEY_SECRET: `child-key-${d.jwtSecret}`,
    WORKER_METRICS_PORT: '0',
    LOG_LEVEL: 'warn',
    ...TEST_RATE_LIMITS,
    ...d.env,
    ...extra,
  };
}

/** The test's own view of the configuration (to sign tokens and build a client like the API's). */
export function configOf(d: Deployment, extra: Record<string, string> = {}): AppConfig {
  return loadEnv({ ...serviceEnv(d, extra), NODE_ENV: 'test' });
}

/** Starts a worker process and resolves once it polls. */
export async function startWorkerProcess(d: Deployment, name = 'worker'): Promise<NodeProcess> {
  // a data folder of its own: workers share nothing on disk with the API or each other (issue 18)
  const p = spawnNode(name, ENTRY.worker, serviceEnv(d, { PRE_DATA_DIR: tempDir('resilience-worker-') }));
  await p.waitForOutput(/worker polling/, 60_000);
  return p;
}

/** Starts an API process on `port` and resolves once it answers /health/live. */
export async function startApiProcess(d: Deployment, port: number, name = 'api'): Promise<NodeProcess> {
  const p = spawnNode(name, ENTRY.api, serviceEnv(d, { PORT: String(port), HOST: '127.0.0.1' }));
  try {
    await Promise.race([
      waitForHttp(`http://127.0.0.1:${port}/health/live`, 200, 60_000),
      p.exited.then(({ code }) => Promise.reject(new Error(`the API exited (${code}) during start:\n${p.output()}`))),
    ]);
  } catch (e) {
    await p.kill();
    throw e;
  }
  return p;
}

/** Tokens of the deployment's secret, cached per caller. */
export function tokens(config: AppConfig): (as: { sub: string; role: 'referent' | 'coordinator' | 'supervisor' }) => Promise<string> {
  const cache = new Map<string, Promise<string>>();
  return (as) => {
    const k = `${as.sub}/${as.role}`;
    if (!cache.has(k)) cache.set(k, signDevToken(config, as.sub, [as.role]));
    return cache.get(k)!;
  };
}

/** Cases of a test: deterministic (seed), spread over a few référents, referred a few days ago. */
export function cases(n: number, seed: number, series = 5): GeneratedCase[] {
  return Array.from({ length: n }, (_, i) => generateCase({ seed, today: todayUtc(), referents: 5, series }, i));
}

/** One request as the client saw it: every attempt, the final answer. */
export interface Attempt {
  status: number | string;
  retryAfter?: string;
  ms: number;
}

export interface StepOutcome {
  step: StepName;
  idempotencyKey: string;
  attempts: Attempt[];
  /** The final answer (2xx or a 4xx that ended the step); undefined when the deadline passed. */
  final?: HttpAnswer;
  /** The 2xx answers received (a retry of an accepted request answers again). */
  accepted: HttpAnswer[];
}

export interface CaseRun {
  case: GeneratedCase;
  dossierId?: string;
  outcomes: StepOutcome[];
  /** The step it stopped at without success, if any. */
  stuckAt?: StepName;
}

/** Transient answers a client retries with the same Idempotency-Key. */
export function retryable(status: number | string): boolean {
  return typeof status === 'string' || status === 502 || status === 503 || status === 504 || status === 500;
}

export interface DriveOptions {
  /** Steps to run (default: referral to closure). */
  steps?: StepName[];
  concurrency: number;
  /** Per-step deadline across retries. */
  stepDeadlineMs: number;
  /** Called after each answer (to inject a fault at a given progress). */
  onAnswer?: (answered: number) => void;
  /** A per-request socket timeout (the client gives up and retries). */
  requestTimeoutMs?: number;
}

/**
 * Drives every case through its steps with `concurrency` clients. Each request is retried with the SAME
 * Idempotency-Key on a transient answer (5xx or a broken connection) until it succeeds, fails with a 4xx, or
 * its deadline passes. Returns what each client saw.
 */
export async function drive(http: () => HttpClient, token: ReturnType<typeof tokens>, list: GeneratedCase[], opts: DriveOptions): Promise<CaseRun[]> {
  const steps = opts.steps ?? LIFECYCLE;
  if (steps.includes('teamReview')) await recordMeetings(http, token);
  const runs: CaseRun[] = list.map((c) => ({ case: c, outcomes: [] }));
  let answered = 0;
  let next = 0;
  const client = async () => {
    for (;;) {
      const i = next++;
      if (i >= runs.length) return;
      const run = runs[i];
      let ids: { dossierId?: string; actionId?: string } = {};
      for (const name of steps) {
        const req = stepRequest(run.case, name, ids);
        const outcome = await send(http, token, req, opts, () => opts.onAnswer?.(++answered));
        run.outcomes.push(outcome);
        const ok = outcome.final && outcome.final.status === req.expected;
        if (!ok) {
          run.stuckAt = name;
          break;
        }
        ids = idsFrom(name, outcome.final!.body, ids);
        if (name === 'referral') run.dossierId = ids.dossierId;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, runs.length) }, client));
  return runs;
}

/**
 * Records the EPS meetings the generated team reviews name (a day already recorded answers 409), retrying a
 * transient answer, before any case is driven.
 */
export async function recordMeetings(http: () => HttpClient, token: ReturnType<typeof tokens>, deadlineMs = 60_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (const m of meetingRequests(todayUtc())) {
    for (;;) {
      const status = await http()
        .request(m.method, m.path, { token: await token(m.as), body: m.body, headers: { 'idempotency-key': `meeting-${String(m.body.meetingDate)}` } })
        .then((r) => r.status)
        .catch(() => 0);
      if (status === 201 || status === 409) break;
      if (Date.now() > until || (status >= 400 && status < 500)) throw new Error(`POST /team-meetings ${String(m.body.meetingDate)}: ${status}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Sends one step, retrying transient failures with the same key. */
export async function send(http: () => HttpClient, token: ReturnType<typeof tokens>, req: StepRequest, opts: Pick<DriveOptions, 'stepDeadlineMs' | 'requestTimeoutMs'>, answered?: () => void): Promise<StepOutcome> {
  const outcome: StepOutcome = { step: req.name, idempotencyKey: req.idempotencyKey, attempts: [], accepted: [] };
  const deadline = Date.now() + opts.stepDeadlineMs;
  let backoff = 200;
  for (;;) {
    const t0 = Date.now();
    let res: HttpAnswer | undefined;
    let status: number | string;
    try {
      res = await http().request(req.method, req.path, {
        token: await token(req.as),
        body: req.body,
        headers: { 'idempotency-key': req.idempotencyKey },
        timeoutMs: opts.requestTimeoutMs ?? 60_000,
      });
      status = res.status;
    } catch (e) {
      status = (e as { code?: string }).code ?? (e as Error).message;
    }
    const retryAfter = res?.headers['retry-after'];
    outcome.attempts.push({ status, ms: Date.now() - t0, ...(retryAfter ? { retryAfter: String(retryAfter) } : {}) });
    answered?.();
    if (res && res.status >= 200 && res.status < 300) outcome.accepted.push(res);
    if (!retryable(status)) {
      outcome.final = res;
      return outcome;
    }
    if (Date.now() > deadline) return outcome;
    await sleep(backoff);
    backoff = Math.min(2000, backoff * 1.5);
  }
}

/** A timeline entry as the API returns it (GET /parcours/{id}/timeline). */
export interface TimelineItem {
  seq: number;
  type: string;
  idempotencyKey?: string;
  actor?: { sub: string; role: string };
}

/** The case's timeline through the API (`{ items }`). */
export async function timelineOf(http: HttpClient, token: string, dossierId: string): Promise<TimelineItem[]> {
  const res = await http.get(`/parcours/${dossierId}/timeline`, { token });
  if (res.status !== 200) throw new Error(`timeline of ${dossierId}: ${res.status} ${res.text.slice(0, 300)}`);
  const body = res.body as TimelineItem[] | { items: TimelineItem[] };
  return Array.isArray(body) ? body : body.items;
}

/**
 * Exactly-once, compared with what the client saw: every step answered 2xx left exactly one timeline entry of
 * its type tagged with its key, no entry of a staff step exists twice, and no entry carries a key the case never
 * sent. Returns the problems found (empty when the case is right).
 */
export function exactlyOnceProblems(run: CaseRun, timeline: TimelineItem[]): string[] {
  const problems: string[] = [];
  const id = run.dossierId ?? `case #${run.case.index}`;
  const sentKeys = new Set(run.outcomes.map((o) => o.idempotencyKey));
  for (const o of run.outcomes) {
    if (o.accepted.length === 0 || o.step === 'referral') continue;
    const req = stepRequest(run.case, o.step);
    const tagged = timeline.filter((e) => e.idempotencyKey === o.idempotencyKey && e.type === req.timelineType);
    if (tagged.length !== 1) problems.push(`${id}: ${o.step} (key ${o.idempotencyKey}) answered ${o.accepted.map((a) => a.status).join('/')} but left ${tagged.length} ${req.timelineType} entries`);
  }
  for (const step of LIFECYCLE.filter((s) => s !== 'referral')) {
    const type = stepRequest(run.case, step).timelineType;
    const staff = timeline.filter((e) => e.type === type && e.actor?.role !== 'system');
    if (staff.length > 1) problems.push(`${id}: ${staff.length} ${type} entries (keys ${staff.map((e) => e.idempotencyKey).join(', ')})`);
  }
  const referrals = timeline.filter((e) => e.type === 'REFERRAL_RECEIVED');
  if (run.dossierId && referrals.length !== 1) problems.push(`${id}: ${referrals.length} REFERRAL_RECEIVED entries`);
  for (const e of timeline) if (e.idempotencyKey && !sentKeys.has(e.idempotencyKey)) problems.push(`${id}: entry ${e.type} carries a key never sent (${e.idempotencyKey})`);
  return problems;
}

/**
 * Every answer a client got for the same key is the same answer (the retry of an accepted request replays the
 * first one). Returns the keys whose answers differ.
 */
export function replayProblems(run: CaseRun): string[] {
  const problems: string[] = [];
  for (const o of run.outcomes) {
    if (o.accepted.length < 2) continue;
    const first = JSON.stringify(o.accepted[0].body);
    for (const a of o.accepted.slice(1)) if (JSON.stringify(a.body) !== first) problems.push(`${run.dossierId}: ${o.step} (key ${o.idempotencyKey}) answered differently on retry`);
  }
  return problems;
}

/**
 * The notification records of a deployment (its notification workflows, every status), read through visibility
 * with the memo decoded: one workflow per key by construction (its id is the key's hash); this checks that no key
 * has two records (two ids) all the same. Returns the count of keys, the duplicated ones and the records.
 */
export async function duplicateNotifications(client: Client, taskQueue: string): Promise<{ keys: number; duplicates: string[]; records: NotificationRecord[] }> {
  const ids = new Map<string, Set<string>>();
  const records: NotificationRecord[] = [];
  for await (const info of client.workflow.list({ query: `WorkflowType = '${NOTIFICATION_WORKFLOW_TYPE}' AND TaskQueue = '${taskQueue}' AND ExecutionStatus != 'ContinuedAsNew'` })) {
    const rec = info.memo?.[NOTIFICATION_MEMO] as NotificationRecord | undefined;
    if (!rec?.key) continue;
    records.push(rec);
    if (!ids.has(rec.key)) ids.set(rec.key, new Set());
    ids.get(rec.key)!.add(rec.id);
  }
  return { keys: ids.size, duplicates: [...ids.entries()].filter(([, s]) => s.size > 1).map(([k]) => k), records };
}

/** A short account of what the clients saw (statuses of every attempt), for the test log. */
export function statusTally(runs: CaseRun[]): Record<string, number> {
  const tally: Record<string, number> = {};
  for (const r of runs) for (const o of r.outcomes) for (const a of o.attempts) tally[String(a.status)] = (tally[String(a.status)] ?? 0) + 1;
  return tally;
}
