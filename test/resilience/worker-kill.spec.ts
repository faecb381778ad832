/**
 * Fault: the worker process is killed (SIGKILL) while cases are being advanced through the API, then restarted.
 * Every request the API accepted (2xx) is applied exactly once, every case reaches closure, no notification is
 * recorded twice and no e-mail is sent twice (a real SMTP test server receives each copy's Message-ID once). The
 * worker processes have data folders of their own (nothing shared on disk). Short form: 30 cases;
 * RESILIENCE_LONG=1: 200 cases and two kills.
 */
import { HttpClient } from '../../bench/lib/http';
import { sleep } from '../../bench/lib/load';
import { ensureBuild, type NodeProcess } from '../../bench/lib/processes';
import { eventually, startTestApp, type TestApp } from '../support/app';
import { devServerAddress, uniqueTaskQueue } from '../support/temporal';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
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
  timelineOf,
  tokens,
  type Deployment,
} from './harness';

const CASES = LONG ? 200 : 30;
const KILLS = LONG ? 2 : 1;

describe('resilience: the worker is killed while cases advance', () => {
  jest.setTimeout(LONG ? 900_000 : 170_000);

  let d: Deployment;
  let t: TestApp;
  let http: HttpClient;
  let worker: NodeProcess | undefined;
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    ensureBuild();
    smtp = await startSmtpServer();
    // a short update timeout: while no worker answers, the API says 504 quickly and the client retries; e-mail to
    // every référent and the coordinator, with a short SMTP timeout (an attempt lost with a killed worker times out
    // after 2 × 2 + 5 s, then its copy is sent again)
    const staff = ['u-coord-1=coordination@ccas.test', ...Array.from({ length: 5 }, (_, i) => `u-ref-${i + 1}=referent${i + 1}@ccas.test`)].join(',');
    d = deployment(devServerAddress(), uniqueTaskQueue('kill-worker'), { UPDATE_TIMEOUT_SECONDS: '4', SMTP_URL: smtp.url, SMTP_TIMEOUT_SECONDS: '2', STAFF_DIRECTORY: staff });
    t = await startTestApp({ worker: false, env: { PRE_DATA_DIR: d.dataDir, TEMPORAL_TASK_QUEUE: d.taskQueue, JWT_SECRET: d.jwtSecret, PRE_CHILD_KEY_SECRET: `child-key-${d.jwtSecret}`, UPDATE_TIMEOUT_SECONDS: '4' } });
    http = new HttpClient(await t.app.getUrl(), 64); // the test app listens on a free port of 127.0.0.1
    worker = await startWorkerProcess(d);
  });

  afterAll(async () => {
    http?.close();
    await worker?.kill();
    await t?.close();
    await smtp?.close();
  });

  it('applies every accepted request exactly once, leaves no case stuck, records no notification twice and sends no e-mail twice but in the RFC 1047 window of a kill', async () => {
    const token = tokens(t.config);
    const list = cases(CASES, 8101);
    const totalSteps = CASES * 6;
    // kill points spread over the run: a third of the way, then two thirds
    const killAt = Array.from({ length: KILLS }, (_, i) => Math.floor((totalSteps * (i + 1)) / (KILLS + 2)));
    const kills: Array<Promise<void>> = [];
    const killedAt: number[] = [];
    const arrivals: Array<{ messageId: string; at: number }> = [];
    smtp.behaviour = (mail) => {
      arrivals.push({ messageId: mail.messageId, at: Date.now() });
      return {};
    };
    let killing = false;
    const onAnswer = (answered: number) => {
      if (killing || killAt.length === 0 || answered < killAt[0]) return;
      killAt.shift();
      killing = true;
      kills.push(
        (async () => {
          killedAt.push(Date.now());
          await worker!.kill();
          await sleep(1500); // the requests in flight meet a dead worker
          worker = await startWorkerProcess(d, 'worker (restarted)');
          killing = false;
        })(),
      );
    };
    const runs = await drive(() => http, token, list, { concurrency: Math.min(CASES, 30), stepDeadlineMs: 150_000, onAnswer, requestTimeoutMs: 30_000 });
    await Promise.all(kills);
    expect(kills).toHaveLength(KILLS);

    const tally = statusTally(runs);
    process.stdout.write(`worker-kill: statuses of every attempt ${JSON.stringify(tally)}\n`);
    // no case stuck: every case reached closure (each step ended 2xx after retries)
    expect(runs.filter((r) => r.stuckAt).map((r) => `${r.dossierId ?? r.case.index} stuck at ${r.stuckAt}: ${JSON.stringify(r.outcomes.at(-1)?.attempts.slice(-3))} ${r.outcomes.at(-1)?.final?.text?.slice(0, 200) ?? ''}`)).toEqual([]);
    // never a 500: a dead worker is a 503/504 the client may retry
    expect(Object.keys(tally).filter((s) => s === '500')).toEqual([]);

    const reader = await token({ sub: 'u-coord-1', role: 'coordinator' });
    const problems: string[] = [];
    for (const run of runs) {
      problems.push(...exactlyOnceProblems(run, await timelineOf(http, reader, run.dossierId!)), ...replayProblems(run));
    }
    expect(problems).toEqual([]);

    // exactly one workflow per case (a retried POST /parcours never started a second one)
    await eventually(async () => (await t.client.workflow.count(`TaskQueue = '${d.taskQueue}' AND WorkflowType = 'parcoursWorkflow'`)).count >= CASES, 20_000);
    expect((await t.client.workflow.count(`TaskQueue = '${d.taskQueue}' AND WorkflowType = 'parcoursWorkflow'`)).count).toBe(CASES);

    // every case settles: closed, its last notification recorded, then held for its retention (PreRetention = HELD);
    // each notification once
    const deadline = Date.now() + 100_000;
    let held = 0;
    while (Date.now() < deadline) {
      held = (await t.client.workflow.count(`TaskQueue = '${d.taskQueue}' AND ExecutionStatus = 'Running' AND PreRetention = 'HELD'`)).count;
      if (held === CASES) break;
      await sleep(1000);
    }
    expect(held).toBe(CASES);
    const { keys, duplicates } = await duplicateNotifications(t.client, d.taskQueue);
    expect(duplicates).toEqual([]);
    expect(keys).toBeGreaterThanOrEqual(CASES); // at least each case's acknowledgement to the orienteur
    // every copy with an address reaches the mail server, each Message-ID once: no e-mail twice
    const settled = await eventually(async () => {
      const { records } = await duplicateNotifications(t.client, d.taskQueue);
      const copies = records.flatMap((r) => r.deliveries.filter((c) => c.address));
      return copies.length > 0 && copies.every((c) => c.status === 'SENT') ? copies : undefined;
    }, 90_000, 1000);
    const byMessageId = new Map<string, number>();
    for (const m of smtp.mails) byMessageId.set(m.messageId, (byMessageId.get(m.messageId) ?? 0) + 1);
    const twice = [...byMessageId.entries()].filter(([, n]) => n > 1).map(([id]) => id);
    if (twice.length > 0) {
      // what happened to each copy sent twice: its record, and when each copy reached the server relative to the kills
      const copies = settled.filter((c) => twice.includes(c.messageId!));
      process.stdout.write(`worker-kill: sent twice ${JSON.stringify({ copies, arrivals: arrivals.filter((a) => twice.includes(a.messageId)), killedAt })}\n`);
    }
    // The one duplicate SMTP leaves possible (RFC 1047, docs/domain.md): the server accepted the copy and the worker
    // was killed before Temporal heard of it — the first copy reached the server just before a kill (2 s of slack on
    // these busy cores), and the second carries the same Message-ID (a mail server or client drops it). Any other
    // second e-mail fails the test.
    const inTheWindow = (id: string) => {
      const first = arrivals.find((a) => a.messageId === id)?.at ?? Number.NaN;
      // the kill came at most 2 s after the first copy was accepted, or the copy, written before the kill, reached the
      // server just after it (the killed process's last bytes still in flight: CI saw an arrival 9 ms after the kill)
      return killedAt.some((k) => k - first >= -1000 && k - first <= 2000);
    };
    expect(twice.filter((id) => !inTheWindow(id))).toEqual([]);
    // a kill can cut several SMTP transactions at once (the worker sends copies concurrently: CI saw two copies to
    // one référent accepted 7 ms before and 20 ms after a kill, both sent again): each such copy is sent twice, never more
    expect([...byMessageId.values()].filter((n) => n > 2)).toEqual([]);
    expect(new Set(settled.map((c) => c.messageId))).toEqual(new Set(byMessageId.keys()));
    process.stdout.write(`worker-kill: ${keys} notifications, ${settled.length} copies SENT, ${smtp.mails.length} e-mails received (${twice.length} twice in the RFC 1047 window), ${smtp.dropped.length} cut off by a kill before "250" and sent again\n`);
  });
});
