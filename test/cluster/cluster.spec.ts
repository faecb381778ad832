/**
 * `npm run test:cluster` (issue 18): the production topology run for real — PostgreSQL, the Temporal server 1.32.2
 * on it (config/temporal/cluster.yaml), the namespace and search attributes through the operator API, two API
 * processes and two worker processes (test/cluster/cluster.ts). What it proves is written in each test's name.
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection, Client, QueryNotRegisteredError } from '@temporalio/client';
import { loadEnv } from '../../src/config/env';
import { childKeyOf } from '../../src/parcours/child-key';
import { dataConverter } from '../../src/temporal/data-converter';
import { workflowIdFor } from '../../workflows/parcours/parcours.contract';
import { SEARCH_ATTRIBUTES, VISIBILITY_STORE_LIMITS, searchAttributeCliArgs } from '../../workflows/shared/search-attributes';
import { ACTION, CONSENT, REFERRAL, TEAM_MEETING, TEAM_REVIEW } from '../support/api-examples';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { BUILD_B_PATCH, BUILD_B_QUERY, type BuildAnswer } from './build-b/build-b.contract';
import { bundleBuildB } from './build-b/bundle';
import {
  BUILD_A,
  DEPLOYMENT,
  STAFF,
  clusterTools,
  createSchema,
  hasConnectionTo,
  removeBase,
  sharedEnv,
  startNode,
  startPostgres,
  startTemporal,
  stopAll,
  tempBase,
  tokenFor,
  versionedWorkers,
  type NodeProcess,
  type Postgres,
  type TemporalServer,
} from './cluster';
import { buildRuns, caseHistory } from './upgrade';

jest.setTimeout(600_000);

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

async function call(base: string, method: string, path: string, token: string, body?: unknown, key?: string): Promise<Answer> {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (key) headers['Idempotency-Key'] = key;
  try {
    const res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers };
  } catch (e) {
    return { status: 0, body: { error: (e as Error).message }, headers: new Headers() };
  }
}

function child(firstName: string) {
  return { ...REFERRAL, child: { ...REFERRAL.child, firstName } };
}

/** Today in Paris, as the API's dates are. */
function today(): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Paris' }).format(new Date());
}

describe('test:cluster — the production topology on PostgreSQL (issue 18)', () => {
  let tools: Record<string, string>;
  let base: string;
  let pg: Postgres;
  let server: TemporalServer;
  let env: Record<string, string>;
  let apis: NodeProcess[] = [];
  let workers: NodeProcess[] = [];
  let client: Client;
  let connection: Connection;
  let ref: string;
  let coord: string;
  let smtp: TestSmtpServer;
  /** Cases created so far (201 to POST /parcours): each sends one REFERRAL_ACK to its référent. */
  let referred = 0;
  const timings: Record<string, number> = {};
  const stopped: NodeProcess[] = [];

  const allProcs = () => [...apis, ...workers, ...stopped, server?.run];

  beforeAll(async () => {
    let t = Date.now();
    tools = clusterTools();
    timings.tools = Date.now() - t;
    t = Date.now();
    base = tempBase();
    pg = await startPostgres(base);
    createSchema(tools, pg.port);
    timings.postgresAndSchema = Date.now() - t;
    t = Date.now();
    server = await startTemporal(tools, pg.port);
    timings.temporalServer = Date.now() - t;
    smtp = await startSmtpServer();
    env = { ...sharedEnv(server.address, smtp.url), ...versionedWorkers(BUILD_A) };
    t = Date.now();
    const register = await startNode('register', 'register', base, env);
    const done = await register.exited;
    if (done.code !== 0) throw new Error(`registration failed: ${register.output()}`);
    expect(register.output()).toContain('namespace "default" created');
    expect(register.output()).toContain(`registered ${SEARCH_ATTRIBUTES.map((k) => k.name).join(', ')}`);
    timings.register = Date.now() - t;
    t = Date.now();
    workers = await Promise.all([startNode('worker-1', 'worker', base, env), startNode('worker-2', 'worker', base, env)]);
    // the first deployment of a versioned worker: its build is made current (until then new workflows wait for an
    // unversioned worker), with the operator's command once its workers poll
    const promote = await startNode('promote-a', 'promote', base, env, ['--build-id', BUILD_A]);
    expect({ exit: await promote.exited, output: promote.output() }).toEqual({
      exit: { code: 0, signal: null },
      output: expect.stringContaining(`build ${BUILD_A} of "${DEPLOYMENT}" is now current (was unversioned workers)`),
    });
    apis = await Promise.all([startNode('api-1', 'main', base, env), startNode('api-2', 'main', base, env)]);
    connection = await Connection.connect({ address: server.address });
    // the project's codec: the test reads query answers as the API does
    client = new Client({ connection, namespace: 'default', dataConverter: dataConverter(loadEnv({ ...env, PRE_DATA_DIR: tmpdir() })) });
    const token = tokenFor(env);
    ref = await token('u-ref-1', 'referent');
    coord = await token('u-coord-1', 'coordinator');
    for (const api of apis) {
      const started = Date.now();
      let res = await fetch(`${api.url}/health/ready`);
      while (res.status !== 200 && Date.now() - started < 90_000) {
        await new Promise((r) => setTimeout(r, 500));
        res = await fetch(`${api.url}/health/ready`);
      }
      if (res.status !== 200) throw new Error(`${api.name} not ready: ${await res.text()}\n${api.output().slice(-2000)}`);
    }
    timings.processesReady = Date.now() - t;
  });

  afterAll(async () => {
    process.stdout.write(`test:cluster timings (ms): ${JSON.stringify(timings)}\n`);
    await connection?.close().catch(() => undefined);
    stopAll(allProcs());
    await smtp?.close();
    pg?.stop();
    if (base) removeBase(base);
  });

  it('the project\'s search attributes fit the SQL visibility schemas the server ships (PostgreSQL, MySQL, SQLite): the budget of item 3', () => {
    const schemas = {
      postgres12: join(tools.TEMPORAL_SCHEMA_DIR, 'postgresql', 'v12', 'visibility', 'schema.sql'),
      mysql8: join(tools.TEMPORAL_SCHEMA_DIR, 'mysql', 'v8', 'visibility', 'schema.sql'),
      sqlite: join(tools.TEMPORAL_SCHEMA_DIR, 'sqlite', 'v3', 'visibility', 'schema.sql'),
    } as const;
    for (const [store, file] of Object.entries(schemas)) {
      const sql = readFileSync(file, 'utf8');
      const perType = VISIBILITY_STORE_LIMITS[store as keyof typeof schemas].perType!;
      // column definitions only ("  Keyword01  VARCHAR(255) GENERATED …"), not the names repeated in indexes and triggers
      const prefixes = { KEYWORD: 'Keyword', DATETIME: 'Datetime', BOOL: 'Bool', INT: 'Int', DOUBLE: 'Double', TEXT: 'Text', KEYWORD_LIST: 'KeywordList' };
      const counted = Object.fromEntries(Object.entries(prefixes).map(([type, prefix]) => [type, sql.match(new RegExp(`^[ \\t]+${prefix}\\d\\d[ \\t]+[A-Z]`, 'gm'))?.length ?? 0]));
      expect({ store, counted }).toEqual({ store, counted: perType });
    }
  });

  it('registration through the operator API is idempotent: run again, it registers nothing and exits 0', async () => {
    const again = await startNode('register-again', 'register', base, env);
    expect(await again.exited).toEqual({ code: 0, signal: null });
    expect(again.output()).toContain('all already registered');
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    for (const pair of searchAttributeCliArgs()) expect(customAttributes).toHaveProperty(pair.split('=')[0]);
  });

  it('both APIs are ready against the cluster: Temporal up, every prerequisite there, the workers polling', async () => {
    for (const api of apis) {
      const res = await fetch(`${api.url}/health/ready`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'ready', temporal: 'up', taskQueue: 'pre-orchestrator', workers: expect.any(Number) });
    }
  });

  it('records the EPS meeting the team reviews name, once across both APIs (201, then 409 on the other)', async () => {
    // a team review names a recorded meeting (issue 14): the cases below are reviewed at this one
    const first = await call(apis[0].url!, 'POST', '/team-meetings', coord, TEAM_MEETING);
    const second = await call(apis[1].url!, 'POST', '/team-meetings', coord, TEAM_MEETING);
    expect([first.status, second.status]).toEqual([201, 409]);
  });

  it('referrals and updates through both APIs: a case referred on one is consented and reviewed on the other, and each reads the same case', async () => {
    for (let i = 0; i < 4; i++) {
      const [a, b] = [apis[i % 2].url!, apis[(i + 1) % 2].url!];
      const created = await call(a, 'POST', '/parcours', ref, child(`Both${i}`));
      expect(created.status).toBe(201);
      referred += 1;
      const id = created.body.dossierId as string;
      const consent = await call(b, 'POST', `/parcours/${id}/consent`, ref, CONSENT);
      expect({ status: consent.status, stage: consent.body.stage }).toEqual({ status: 200, stage: 'AWAITING_TEAM_REVIEW' });
      const review = await call(a, 'POST', `/parcours/${id}/team-reviews`, coord, TEAM_REVIEW);
      expect({ status: review.status, stage: review.body.stage }).toEqual({ status: 200, stage: 'ACTIVE' });
      const [fromA, fromB] = await Promise.all([call(a, 'GET', `/parcours/${id}`, ref), call(b, 'GET', `/parcours/${id}`, ref)]);
      expect(fromA.body).toEqual(fromB.body);
      expect(fromB.body).toMatchObject({ dossierId: id, stage: 'ACTIVE', referentId: 'u-ref-1' });
    }
  });

  it('the same child referred on both APIs at once → exactly one case (the other answer 409 duplicate), five times over', async () => {
    for (let round = 0; round < 5; round++) {
      const body = child(`Twin${round}`);
      const answers = await Promise.all(apis.map((api) => call(api.url!, 'POST', '/parcours', ref, body)));
      const statuses = answers.map((a) => a.status).sort();
      const key = childKeyOf(env.PRE_CHILD_KEY_SECRET, body.child);
      const cases = await countUntilStable(`WorkflowType = 'parcoursWorkflow' AND PreChildKey = '${key}'`);
      expect({ round, statuses, cases }).toEqual({ round, statuses: [201, 409], cases: 1 });
      referred += 1;
      const conflict = answers.find((a) => a.status === 409)!;
      expect(conflict.body).toMatchObject({ type: 'urn:pre-orchestrator:problem:duplicate', dossierId: answers.find((a) => a.status === 201)!.body.dossierId });
    }
  });

  it('notifications kept in Temporal (PostgreSQL visibility): both APIs, each with its own data folder, list what the workers recorded — the same records, newest first, filtered, paged', async () => {
    type Listed = { items: Array<{ key: string; kind: string; createdAt: string; dossierId?: string; deliveries: Array<{ recipient: string }> }>; nextPageToken?: string };
    const list = async (api: NodeProcess, query: string, token = coord) => (await call(api.url!, 'GET', `/notifications${query}`, token)).body as unknown as Listed;
    // the four cases above were referred by u-ref-1: each has its acknowledgement, and the duplicates their notices
    const acks = await (async () => {
      const started = Date.now();
      for (;;) {
        const page = await list(apis[0], '?kind=REFERRAL_ACK&pageSize=100');
        if (page.items.length >= 4 || Date.now() - started > 60_000) return page.items;
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    expect(acks.length).toBeGreaterThanOrEqual(4);
    // newest first (by the start of each record's workflow; its createdAt is taken a moment before, hence the second of slack)
    expect(acks.slice(1).filter((n, i) => Date.parse(n.createdAt) > Date.parse(acks[i].createdAt) + 1000)).toEqual([]);
    expect((await list(apis[1], '?kind=REFERRAL_ACK&pageSize=100')).items).toEqual(acks);
    const one = acks[0].dossierId!;
    expect((await list(apis[1], `?dossierId=${one}&kind=REFERRAL_ACK`)).items.map((n) => n.key)).toEqual([acks[0].key]);
    // a référent sees their own copies only; the coordinator pages through the same list with either API's token
    expect((await list(apis[1], '?pageSize=100', ref)).items.every((n) => n.deliveries.every((d) => d.recipient === 'u-ref-1'))).toBe(true);
    const first = await list(apis[0], '?kind=REFERRAL_ACK&pageSize=2');
    const second = await list(apis[0], `?kind=REFERRAL_ACK&pageSize=2&pageToken=${first.nextPageToken}`);
    expect([...first.items, ...second.items].map((n) => n.key)).toEqual(acks.slice(0, 4).map((n) => n.key));
  });

  it('a worker SIGKILLed under load: every request answered 2xx (retried with its Idempotency-Key) is applied exactly once, no case stuck, no e-mail twice (real SMTP server)', async () => {
    // 8 active cases, 5 actions and a safeguarding concern each (the concern e-mails the coordinator and the référent),
    // 6 requests in flight, spread over both APIs; one worker killed after the 8th answer
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const api = apis[i % 2].url!;
      const created = await call(api, 'POST', '/parcours', ref, child(`Load${i}`));
      expect(created.status).toBe(201);
      referred += 1;
      const id = created.body.dossierId as string;
      expect((await call(api, 'POST', `/parcours/${id}/consent`, ref, CONSENT)).status).toBe(200);
      expect((await call(api, 'POST', `/parcours/${id}/team-reviews`, coord, TEAM_REVIEW)).status).toBe(200);
      ids.push(id);
    }
    const occurredOn = today();
    type Job = { id: string; key: string; api: string; path: string; body: unknown; expected: number };
    const jobs: Job[] = ids.flatMap((id, c) => [
      ...Array.from({ length: 5 }, (_, n) => {
        const key = `load-${c}-${n}-${Date.now()}`;
        return { id, key, api: apis[(c + n) % 2].url!, path: `/parcours/${id}/actions`, body: { ...ACTION, provider: `Provider ${key}` }, expected: 201 };
      }),
      { id, key: `concern-${c}-${Date.now()}`, api: apis[(c + 1) % 2].url!, path: `/parcours/${id}/events`, body: { type: 'SAFEGUARDING_CONCERN', occurredOn }, expected: 200 },
    ]);
    const actionJobs = jobs.filter((j) => j.key.startsWith('load-'));
    const outcomes: Array<{ id: string; key: string; tries: number; statuses: number[]; expected: number }> = [];
    let answered = 0;
    let killed = false;
    let killedInSmtpTransaction = false;
    let victim = 0;
    // case by case, each concern after its actions; the mail server takes 1.5 s to accept an escalation, so that the
    // kill lands while the worker is in its SMTP transaction
    const queue = [...jobs];
    const killAt = 8;
    smtp.behaviour = (m) => (m.headers['x-pre-notification-kind'] === 'SAFEGUARDING_ESCALATION' ? { delayMs: 1500 } : {});
    const run = async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        const statuses: number[] = [];
        for (let attempt = 0; attempt < 20; attempt++) {
          const res = await call(job.api, 'POST', job.path, ref, job.body, job.key);
          statuses.push(res.status);
          if (res.status >= 200 && res.status < 300) break;
          expect([0, 500, 502, 503, 504]).toContain(res.status); // transient only: never a 4xx for a valid request
          await new Promise((r) => setTimeout(r, 500));
        }
        outcomes.push({ id: job.id, key: job.key, tries: statuses.length, statuses, expected: job.expected });
        answered += 1;
      }
    };
    // the kill: after the 8th answer, as soon as a worker is connected to the mail server (in an SMTP transaction);
    // either worker may be the one sending (Temporal gives the activity to whichever polls): the one connected dies
    const killer = async () => {
      while (answered < killAt) await new Promise((r) => setTimeout(r, 20));
      const until = Date.now() + 20_000;
      const connected = (i: number) => hasConnectionTo(workers[i].child.pid!, smtp.port);
      // connected for 300 ms: past the greeting and envelope (milliseconds), in the 1.5 s the server takes after DATA
      const inTransaction = async () => {
        const i = workers.findIndex((_, n) => connected(n));
        if (i < 0) return false;
        await new Promise((r) => setTimeout(r, 300));
        if (!connected(i)) return false;
        victim = i;
        return true;
      };
      while (!(await inTransaction()) && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
      killedInSmtpTransaction = connected(victim);
      killed = true;
      workers[victim].child.kill('SIGKILL');
    };
    const started = Date.now();
    await Promise.all([killer(), ...Array.from({ length: 6 }, run)]);
    timings.loadWithKill = Date.now() - started;
    expect({ killed, killedInSmtpTransaction }).toEqual({ killed: true, killedInSmtpTransaction: true });
    expect(await workers[victim].exited).toEqual({ code: null, signal: 'SIGKILL' });
    // every request ended with its 2xx
    for (const o of outcomes) expect({ key: o.key, last: o.statuses[o.statuses.length - 1] }).toEqual({ key: o.key, last: o.expected });
    // each case holds exactly its five actions and its one concern, each action key once in its timeline
    for (const id of ids) {
      const view = await call(apis[0].url!, 'GET', `/parcours/${id}`, ref);
      expect(view.status).toBe(200);
      const providers = (view.body.actions as Array<{ provider: string }>).map((a) => a.provider).sort();
      const expected = actionJobs.filter((j) => j.id === id).map((j) => `Provider ${j.key}`).sort();
      expect({ id, providers }).toEqual({ id, providers: expected });
      expect({ id, concerns: (view.body.lifeEvents as Array<{ type: string }>).filter((e) => e.type === 'SAFEGUARDING_CONCERN').length }).toEqual({ id, concerns: 1 });
      const timeline = await call(apis[1].url!, 'GET', `/parcours/${id}/timeline`, ref);
      const keys = (timeline.body.items as Array<{ idempotencyKey?: string }>).map((e) => e.idempotencyKey).filter((k) => k?.startsWith('load-'));
      expect(keys.sort()).toEqual(actionJobs.filter((j) => j.id === id).map((j) => j.key).sort());
    }
    // the e-mails, as the SMTP server accepted them: each escalation to both recipients and each referral's
    // acknowledgement arrive (a killed worker's notification is retried by another), none twice
    const kindOf = (m: { headers: Record<string, string> }) => m.headers['x-pre-notification-kind'];
    const tally = () => ({
      escalationsToCoordinator: smtp.mails.filter((m) => kindOf(m) === 'SAFEGUARDING_ESCALATION' && m.to.includes(STAFF['u-coord-1'])).length,
      escalationsToReferent: smtp.mails.filter((m) => kindOf(m) === 'SAFEGUARDING_ESCALATION' && m.to.includes(STAFF['u-ref-1'])).length,
      referralAcks: smtp.mails.filter((m) => kindOf(m) === 'REFERRAL_ACK').length,
    });
    const want = { escalationsToCoordinator: ids.length, escalationsToReferent: ids.length, referralAcks: referred };
    const waitStarted = Date.now();
    while (JSON.stringify(tally()) !== JSON.stringify(want) && Date.now() - waitStarted < 180_000) await new Promise((r) => setTimeout(r, 1000));
    timings.mailsSettled = Date.now() - waitStarted;
    await new Promise((r) => setTimeout(r, 3000)); // a late duplicate would arrive now
    smtp.behaviour = () => ({});
    expect(tally()).toEqual(want);
    const perMessageId = new Map<string, number>();
    for (const m of smtp.mails) perMessageId.set(m.messageId, (perMessageId.get(m.messageId) ?? 0) + 1);
    expect([...perMessageId].filter(([, n]) => n > 1)).toEqual([]);
    // the message the kill cut after its DATA was never accepted, and another worker sent it again: accepted once
    expect(smtp.dropped.length).toBeGreaterThan(0);
    for (const cut of smtp.dropped) expect({ cut: cut.messageId, accepted: perMessageId.get(cut.messageId) }).toEqual({ cut: cut.messageId, accepted: 1 });
    expect(smtp.mails.every((m) => m.to.length === 1 && Object.values(STAFF).includes(m.to[0] as never))).toBe(true);
    process.stdout.write(
      `SIGKILL under load: ${outcomes.length} requests, ${outcomes.filter((o) => o.tries > 1).length} retried, statuses seen ${JSON.stringify([...new Set(outcomes.flatMap((o) => o.statuses))])}; ` +
        `${smtp.mails.length} e-mails accepted by the SMTP server (${JSON.stringify(tally())}), each Message-ID once; ` +
        `killed in an SMTP transaction: ${killedInSmtpTransaction}, messages cut after DATA (never accepted, sent again): ${smtp.dropped.length}\n`,
    );
  });

  it('the Temporal server restarted under load: 503 with Retry-After meanwhile, then every request (retried with its key) applied exactly once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const api = apis[i % 2].url!;
      const created = await call(api, 'POST', '/parcours', ref, child(`Restart${i}`));
      expect(created.status).toBe(201);
      referred += 1;
      const id = created.body.dossierId as string;
      expect((await call(api, 'POST', `/parcours/${id}/consent`, ref, CONSENT)).status).toBe(200);
      expect((await call(api, 'POST', `/parcours/${id}/team-reviews`, coord, TEAM_REVIEW)).status).toBe(200);
      ids.push(id);
    }
    const jobs = ids.flatMap((id, c) => Array.from({ length: 5 }, (_, n) => ({ id, key: `restart-${c}-${n}-${Date.now()}`, api: apis[(c + n) % 2].url! })));
    const queue = [...jobs];
    const seen: Array<{ status: number; retryAfter: string | null; type?: unknown }> = [];
    let answered = 0;
    let down = false;
    const run = async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        for (let attempt = 0; attempt < 240; attempt++) {
          const res = await call(job.api, 'POST', `/parcours/${job.id}/actions`, ref, { ...ACTION, provider: `Provider ${job.key}` }, job.key);
          seen.push({ status: res.status, retryAfter: res.headers.get('retry-after'), type: res.body.type });
          if (res.status === 201) break;
          expect({ status: res.status, body: res.body }).toEqual({ status: res.status === 504 ? 504 : 503, body: res.body }); // transient only
          await new Promise((r) => setTimeout(r, 500));
        }
        answered += 1;
        // slow the load while the server is down: the point is the answers, not their number
        if (down) await new Promise((r) => setTimeout(r, 200));
      }
    };
    const operator = async () => {
      while (answered < 4) await new Promise((r) => setTimeout(r, 50));
      down = true;
      const stopped = Date.now();
      await server.stop('SIGTERM');
      timings.serverStop = Date.now() - stopped;
      // meanwhile: readiness and a write answer 503 with Retry-After on both APIs
      for (const api of apis) {
        const ready = await fetch(`${api.url}/health/ready`);
        expect({ status: ready.status, retryAfter: ready.headers.get('retry-after'), type: ((await ready.json()) as { type: string }).type }).toEqual({
          status: 503,
          retryAfter: '5',
          type: 'urn:pre-orchestrator:problem:temporal-unavailable',
        });
        const write = await call(api.url!, 'POST', `/parcours/${ids[0]}/actions`, ref, { ...ACTION, provider: 'while down' }, `down-${Date.now()}-${api.name}`);
        expect({ status: write.status, retryAfter: write.headers.get('retry-after') !== null }).toEqual({ status: 503, retryAfter: true });
      }
      await new Promise((r) => setTimeout(r, 2000));
      const restarted = Date.now();
      await server.restart();
      timings.serverRestart = Date.now() - restarted;
      down = false;
    };
    const started = Date.now();
    await Promise.all([operator(), ...Array.from({ length: 4 }, run)]);
    timings.loadWithRestart = Date.now() - started;
    // every answer that was not a 201 was a 503 with Retry-After, or a 504 (the deadline passed while it was down)
    for (const a of seen.filter((x) => x.status !== 201)) {
      if (a.status === 503) expect(a.retryAfter).not.toBeNull();
      else expect(a.status).toBe(504);
    }
    expect(seen.filter((x) => x.status === 503).length).toBeGreaterThan(0);
    for (const id of ids) {
      const view = await call(apis[1].url!, 'GET', `/parcours/${id}`, ref);
      expect(view.status).toBe(200);
      const providers = (view.body.actions as Array<{ provider: string }>).map((a) => a.provider).filter((p) => p !== 'while down').sort();
      expect({ id, providers }).toEqual({ id, providers: jobs.filter((j) => j.id === id).map((j) => `Provider ${j.key}`).sort() });
    }
    // and both APIs are ready again (the workers reconnected by themselves)
    for (const api of apis) {
      const startedWait = Date.now();
      let res = await fetch(`${api.url}/health/ready`);
      while (res.status !== 200 && Date.now() - startedWait < 60_000) {
        await new Promise((r) => setTimeout(r, 500));
        res = await fetch(`${api.url}/health/ready`);
      }
      expect(res.status).toBe(200);
    }
    process.stdout.write(`server restart under load: ${jobs.length} requests, answers seen ${JSON.stringify(Object.fromEntries([...new Set(seen.map((x) => x.status))].map((st) => [st, seen.filter((x) => x.status === st).length])))}\n`);
  });

  it('a rolling upgrade with Worker Versioning: build B (changed workflow code) takes over the running cases of build A, auto-upgrade, without a replay error', async () => {
    const BUILD_B = 'build-b';
    const t0 = Date.now();
    // cases at three stages on build A, across both APIs, each waiting on its deadline timers
    const stages = ['AWAITING_CONSENT', 'AWAITING_TEAM_REVIEW', 'ACTIVE'] as const;
    const cases: Array<{ id: string; stage: (typeof stages)[number] }> = [];
    for (let i = 0; i < 6; i++) {
      const api = apis[i % 2].url!;
      const other = apis[(i + 1) % 2].url!;
      const created = await call(api, 'POST', '/parcours', ref, child(`Upgrade${i}`));
      expect(created.status).toBe(201);
      referred += 1;
      const id = created.body.dossierId as string;
      const stage = stages[i % 3];
      if (stage !== 'AWAITING_CONSENT') expect((await call(other, 'POST', `/parcours/${id}/consent`, ref, CONSENT)).status).toBe(200);
      if (stage === 'ACTIVE') {
        expect((await call(api, 'POST', `/parcours/${id}/team-reviews`, coord, TEAM_REVIEW)).status).toBe(200);
        expect((await call(other, 'POST', `/parcours/${id}/actions`, ref, { ...ACTION, provider: `Before upgrade ${i}` }, `upgrade-a-${i}-${Date.now()}`)).status).toBe(201);
      }
      expect((await call(other, 'GET', `/parcours/${id}`, ref)).body.stage).toBe(stage);
      cases.push({ id, stage });
    }
    // each waits on a deadline timer (consent, team review, reassessment) across the upgrade
    for (const c of cases) expect({ id: c.id, waitingOnTimers: (await caseHistory(client, c.id)).pendingTimers > 0 }).toEqual({ id: c.id, waitingOnTimers: true });
    // build A does not have build B's code: the query B adds is unknown to it (its message is encrypted by the codec)
    const buildQuery = (id: string) => client.workflow.getHandle(workflowIdFor(id)).query<BuildAnswer>(BUILD_B_QUERY);
    await expect(buildQuery(cases[0].id)).rejects.toBeInstanceOf(QueryNotRegisteredError);

    // deploy build B next to A: its own workflow bundle (test/cluster/build-b), two workers of the same deployment
    const bundle = await bundleBuildB(base);
    const envB = { ...env, ...versionedWorkers(BUILD_B), WORKFLOW_BUNDLE_PATH: bundle };
    const workersB = await Promise.all([startNode('worker-b-1', 'worker', base, envB), startNode('worker-b-2', 'worker', base, envB)]);
    // the operator's commands: ramp B first (a share of the new workflows), then make it current
    const ramp = await startNode('ramp-b', 'promote', base, env, ['--build-id', BUILD_B, '--ramp', '25']);
    expect({ exit: await ramp.exited, output: ramp.output() }).toEqual({
      exit: { code: 0, signal: null },
      output: expect.stringContaining(`current ${BUILD_A}, ramping ${BUILD_B} at 25 %`),
    });
    const promote = await startNode('promote-b', 'promote', base, env, ['--build-id', BUILD_B]);
    expect({ exit: await promote.exited, output: promote.output() }).toEqual({
      exit: { code: 0, signal: null },
      output: expect.stringContaining(`build ${BUILD_B} of "${DEPLOYMENT}" is now current (was ${BUILD_A})`),
    });
    timings.upgradePromoted = Date.now() - t0;
    // drain A: its workers stop (SIGTERM, in-flight tasks finish); nothing is pinned to it
    const workersA = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
    for (const w of workersA) w.child.kill('SIGTERM');
    for (const w of workersA) {
      const exit = await Promise.race([w.exited, new Promise((r) => setTimeout(() => r('still running after 60 s'), 60_000))]);
      expect({ worker: w.name, exit }).toEqual({ worker: w.name, exit: { code: 0, signal: null } });
    }
    stopped.push(...workers);
    workers = workersB;

    // every case continues on B, advanced through both APIs: consent, review, an action — whatever its stage lacks
    for (const [i, c] of cases.entries()) {
      const [a, b] = [apis[i % 2].url!, apis[(i + 1) % 2].url!];
      if (c.stage === 'AWAITING_CONSENT') expect((await call(b, 'POST', `/parcours/${c.id}/consent`, ref, CONSENT)).status).toBe(200);
      if (c.stage !== 'ACTIVE') expect((await call(a, 'POST', `/parcours/${c.id}/team-reviews`, coord, TEAM_REVIEW)).status).toBe(200);
      const action = await call(b, 'POST', `/parcours/${c.id}/actions`, ref, { ...ACTION, provider: `After upgrade ${i}` }, `upgrade-b-${i}-${Date.now()}`);
      expect({ id: c.id, status: action.status }).toEqual({ id: c.id, status: 201 });
      const [fromA, fromB] = await Promise.all([call(a, 'GET', `/parcours/${c.id}`, ref), call(b, 'GET', `/parcours/${c.id}`, ref)]);
      expect(fromA.body).toEqual(fromB.body);
      expect(fromA.body).toMatchObject({ stage: 'ACTIVE' });
      expect((fromA.body.actions as Array<{ provider: string }>).map((x) => x.provider)).toContain(`After upgrade ${i}`);
    }
    // and a case referred after the upgrade starts on B
    const fresh = await call(apis[1].url!, 'POST', '/parcours', ref, child('UpgradeFresh'));
    expect(fresh.status).toBe(201);
    referred += 1;
    const freshId = fresh.body.dossierId as string;
    expect((await call(apis[0].url!, 'POST', `/parcours/${freshId}/consent`, ref, CONSENT)).status).toBe(200);

    // the histories: no failed workflow task; A's tasks, then B's; B's code answers (the old cases replayed without its marker)
    const summary: Record<string, string> = {};
    for (const c of cases) {
      const h = await caseHistory(client, c.id);
      expect({ id: c.id, failedTasks: h.failedTasks }).toEqual({ id: c.id, failedTasks: [] });
      const firstB = h.builds.indexOf(BUILD_B);
      expect({ id: c.id, first: h.builds[0], last: h.builds[h.builds.length - 1], aAfterB: firstB >= 0 && h.builds.slice(firstB).includes(BUILD_A) }).toEqual({
        id: c.id,
        first: BUILD_A,
        last: BUILD_B,
        aAfterB: false,
      });
      expect({ buildBPatch: h.patches.includes(BUILD_B_PATCH), behaviours: h.behaviours, waitingOnTimers: h.pendingTimers > 0 }).toEqual({
        buildBPatch: false,
        behaviours: ['VERSIONING_BEHAVIOR_AUTO_UPGRADE'],
        waitingOnTimers: true,
      });
      expect(await buildQuery(c.id)).toEqual({ build: 'B', startedOnB: false });
      summary[`${c.stage} ${c.id}`] = `${buildRuns(h.builds)}, ${h.pendingTimers} timer(s) pending`;
    }
    const freshHistory = await caseHistory(client, freshId);
    expect({ failedTasks: freshHistory.failedTasks, builds: [...new Set(freshHistory.builds)], buildBPatch: freshHistory.patches.filter((p) => p === BUILD_B_PATCH).length }).toEqual({
      failedTasks: [],
      builds: [BUILD_B],
      buildBPatch: 1,
    });
    expect(await buildQuery(freshId)).toEqual({ build: 'B', startedOnB: true });
    summary[`new case ${freshId}`] = `${buildRuns(freshHistory.builds)}, patches ${freshHistory.patches.join(', ')}`;
    // the deployment as the operator sees it (npm run worker:promote -- --status)
    const status = await startNode('status', 'promote', base, env, ['--status']);
    expect(await status.exited).toEqual({ code: 0, signal: null });
    expect(status.output()).toContain(`worker deployment "${DEPLOYMENT}" (namespace "default"): current ${BUILD_B}\n`);
    expect(status.output()).toMatch(new RegExp(`build ${BUILD_A}: (DRAINING|DRAINED|INACTIVE)`));
    expect(status.output()).toContain(`build ${BUILD_B}: CURRENT`);
    timings.upgrade = Date.now() - t0;
    process.stdout.write(`rolling upgrade ${BUILD_A} → ${BUILD_B}: workflow tasks completed per case, in order: ${JSON.stringify(summary, null, 1)}\n${status.output()}`);
  });

  /** Visibility is eventually consistent: count until two reads a second apart agree. */
  async function countUntilStable(query: string): Promise<number> {
    let last = -1;
    for (let i = 0; i < 20; i++) {
      const { count } = await client.workflow.count(query);
      if (count === last && count > 0) return count;
      last = count;
      await new Promise((r) => setTimeout(r, 1000));
    }
    return last;
  }
});
