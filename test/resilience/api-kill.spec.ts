/**
 * Fault: the API process is killed (SIGKILL) in the middle of requests. A client that retries with the same
 * Idempotency-Key gets the original answer and no change is applied twice: for a request caught in flight
 * (the worker held back so the request is surely inside the API when it dies) and under load. Short form:
 * 20 cases under load; RESILIENCE_LONG=1: 100.
 */
import { HttpClient, type HttpAnswer } from '../../bench/lib/http';
import { sleep } from '../../bench/lib/load';
import { ensureBuild, type NodeProcess } from '../../bench/lib/processes';
import { idsFrom, stepRequest, type StepName } from '../../bench/lib/steps';
import { freePort } from '../../src/dev/dev-server';
import { devServerAddress, uniqueTaskQueue } from '../support/temporal';
import {
  cases,
  configOf,
  deployment,
  drive,
  exactlyOnceProblems,
  LONG,
  recordMeetings,
  replayProblems,
  send,
  startApiProcess,
  startWorkerProcess,
  statusTally,
  timelineOf,
  tokens,
  type Deployment,
} from './harness';

const CASES = LONG ? 100 : 20;

describe('resilience: the API process is killed mid-request', () => {
  jest.setTimeout(LONG ? 600_000 : 170_000);

  let d: Deployment;
  let port: number;
  let api: NodeProcess | undefined;
  let worker: NodeProcess | undefined;
  let http: HttpClient;
  let token: ReturnType<typeof tokens>;

  beforeAll(async () => {
    ensureBuild();
    d = deployment(devServerAddress(), uniqueTaskQueue('kill-api'), { UPDATE_TIMEOUT_SECONDS: '20' });
    port = await freePort();
    token = tokens(configOf(d));
    [worker, api] = await Promise.all([startWorkerProcess(d), startApiProcess(d, port)]);
    http = new HttpClient(`http://127.0.0.1:${port}`, 64);
    // the EPS meetings the generated team reviews name
    await recordMeetings(() => http, token);
  });

  afterAll(async () => {
    http?.close();
    await api?.kill();
    await worker?.kill();
  });

  const restartApi = async () => {
    await api!.kill();
    api = await startApiProcess(d, port, 'api (restarted)');
  };

  /** Sends a step while no worker runs, kills the API once the request is inside it, restarts everything, retries. */
  async function killedInFlight(caseIndex: number, step: StepName, ids: { dossierId?: string; actionId?: string }) {
    const c = cases(caseIndex + 1, 8303)[caseIndex];
    const req = stepRequest(c, step, ids);
    await worker!.stop(); // held back: the update cannot finish, the request waits inside the API
    const inFlight = http
      .request(req.method, req.path, { token: await token(req.as), body: req.body, headers: { 'idempotency-key': req.idempotencyKey }, timeoutMs: 60_000 })
      .then((r) => `answered ${r.status}`)
      .catch((e: { code?: string; message: string }) => e.code ?? e.message);
    await sleep(1500);
    await api!.kill();
    const firstAttempt = await inFlight;
    worker = await startWorkerProcess(d, 'worker (restarted)');
    await restartApi();
    const retry1 = await send(() => http, token, req, { stepDeadlineMs: 60_000 });
    const retry2 = await send(() => http, token, req, { stepDeadlineMs: 60_000 });
    return { c, req, firstAttempt, retry1: retry1.final, retry2: retry2.final };
  }

  it('a referral caught in flight: the retry answers the case it started, and only one case exists', async () => {
    const r = await killedInFlight(0, 'referral', {});
    expect(r.firstAttempt).not.toMatch(/^answered 2/); // the first attempt never got an answer
    expect(r.retry1?.status).toBe(201);
    expect(r.retry2?.status).toBe(201);
    expect(r.retry2!.body).toEqual(r.retry1!.body);
    const dossierId = (r.retry1!.body as { dossierId: string }).dossierId;
    const timeline = await timelineOf(http, await token({ sub: 'u-coord-1', role: 'coordinator' }), dossierId);
    expect(timeline.filter((e) => e.type === 'REFERRAL_RECEIVED')).toHaveLength(1);
  });

  it('a staff update caught in flight (consent, then closure): applied once, the retry gets the answer of that one application', async () => {
    // a case taken to ACTIVE with the API and worker up
    const c = cases(2, 8303)[1];
    let ids: { dossierId?: string; actionId?: string } = {};
    for (const step of ['referral'] as const) {
      const o = await send(() => http, token, stepRequest(c, step, ids), { stepDeadlineMs: 60_000 });
      expect(o.final?.status).toBe(201);
      ids = idsFrom(step, o.final!.body, ids);
    }
    const consent = await killedInFlight(1, 'consent', ids);
    expect(consent.firstAttempt).not.toMatch(/^answered 2/);
    expect(consent.retry1?.status).toBe(200);
    expect(consent.retry2?.status).toBe(200);
    expect(consent.retry2!.body).toEqual(consent.retry1!.body);
    expect((consent.retry1!.body as { stage: string }).stage).toBe('AWAITING_TEAM_REVIEW');

    const review = await send(() => http, token, stepRequest(c, 'teamReview', ids), { stepDeadlineMs: 60_000 });
    expect(review.final?.status).toBe(200);
    // the closing update completes the workflow: a retry must still get the closing answer, not 409
    const closure = await killedInFlight(1, 'closure', ids);
    expect(closure.firstAttempt).not.toMatch(/^answered 2/);
    expect({ status: closure.retry1?.status, body: closure.retry1?.body?.stage ?? closure.retry1?.body }).toEqual({ status: 200, body: 'CLOSED' });
    expect(closure.retry2!.body).toEqual(closure.retry1!.body);

    const timeline = await timelineOf(http, await token({ sub: 'u-coord-1', role: 'coordinator' }), ids.dossierId!);
    expect(timeline.filter((e) => e.type === 'CONSENT_RECORDED')).toHaveLength(1);
    expect(timeline.filter((e) => e.type === 'CLOSED')).toHaveLength(1);
  });

  it('under load: every request retried after the kill is applied once and replays its original answer', async () => {
    const list = cases(CASES + 2, 8303).slice(2);
    const steps: StepName[] = ['referral', 'consent', 'teamReview', 'action', 'actionDone'];
    let killed: Promise<void> | undefined;
    const onAnswer = (answered: number) => {
      if (killed || answered < (CASES * steps.length) / 3) return;
      killed = (async () => {
        await api!.kill();
        await sleep(1000);
        api = await startApiProcess(d, port, 'api (restarted under load)');
      })();
    };
    const runs = await drive(() => http, token, list, { steps, concurrency: Math.min(CASES, 20), stepDeadlineMs: 120_000, onAnswer, requestTimeoutMs: 30_000 });
    await killed;
    expect(killed).toBeDefined();
    const tally = statusTally(runs);
    process.stdout.write(`api-kill: statuses of every attempt ${JSON.stringify(tally)}\n`);
    expect(Object.keys(tally).some((s) => !/^\d+$/.test(s))).toBe(true); // some requests did die with the API
    expect(runs.filter((r) => r.stuckAt).map((r) => `${r.dossierId ?? r.case.index} stuck at ${r.stuckAt}: ${JSON.stringify(r.outcomes.at(-1)?.attempts.slice(-3))}`)).toEqual([]);

    // every accepted request, sent again with its key, answers exactly what it answered the first time
    const replays: string[] = [];
    for (const run of runs) {
      let ids: { dossierId?: string; actionId?: string } = {};
      for (const o of run.outcomes) {
        const original: HttpAnswer = o.accepted[0];
        const req = stepRequest(run.case, o.step, ids);
        const again = await http.request(req.method, req.path, { token: await token(req.as), body: req.body, headers: { 'idempotency-key': req.idempotencyKey } });
        if (again.status !== original.status || JSON.stringify(again.body) !== JSON.stringify(original.body)) {
          replays.push(`${run.dossierId} ${o.step}: first ${original.status}, again ${again.status} ${again.status === original.status ? '(different body)' : again.text.slice(0, 200)}`);
        }
        ids = idsFrom(o.step, original.body, ids);
      }
    }
    expect(replays).toEqual([]);

    const reader = await token({ sub: 'u-coord-1', role: 'coordinator' });
    const problems: string[] = [];
    for (const run of runs) problems.push(...exactlyOnceProblems(run, await timelineOf(http, reader, run.dossierId!)), ...replayProblems(run));
    expect(problems).toEqual([]);
  });
});
