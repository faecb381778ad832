/**
 * `npm run bench:visibility`: what the deadline look-ups of `GET /me/tasks` cost at 10 000 open cases, on each
 * visibility store the project runs on — the dev server's SQLite (`npm start`) and PostgreSQL (docker-compose's
 * production layout, the cluster of `npm run test:cluster`: scripts/cluster-tools.sh builds it, cached in .tools/).
 *
 * Each store gets N visibility records shaped as the parcours' (type `parcoursWorkflow`, the ten search attributes a
 * case publishes, a memo the size of its figures), spread over R référents; they are started with a start delay on a
 * task queue no worker polls, so that the store holds exactly the records and nothing else runs. Then each look-up
 * `GET /me/tasks` makes (activities/deadline-search.ts, the same functions) runs 30 times, one at a time:
 * a référent's own cases with a deadline (N ÷ R records), the first page of them (the head a whole reading marked), the
 * coordinator's overdue cases, cases awaiting the EPS —
 * one second apart, under the server's default visibility rate limit (10 list calls/s per namespace: a look-up of up
 * to 500 records is one call, each further 500 one more).
 * Prints a table and the line `VISIBILITY_SUMMARY {json}`.
 *
 * Knobs: --n (10000), --referents (20), --stores (sqlite,postgresql), --out (results file; "-" prints only).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { awaitingReview, coordinationCases, earliestParcoursDeadlines, headMarksOf, parcoursDeadlines } from '../activities/deadline-search';
import { addDays, parisDateOf } from '../workflows/shared/calendar';
import { freePort, startDevServer, temporalBinaries } from '../src/dev/dev-server';
import { clusterTools, createSchema, removeBase, sharedEnv, startNode, startPostgres, startTemporal, tempBase } from '../test/cluster/cluster';
import { PARCOURS_WORKFLOW_TYPE } from '../workflows/parcours/parcours.contract';
import {
  PRE_AGE_BAND,
  PRE_CHILD_KEY,
  PRE_NEXT_DEADLINE,
  PRE_NEXT_DEADLINE_KIND,
  PRE_OVERDUE,
  PRE_QPV,
  PRE_REFERENT_ID,
  PRE_REFERRED_ON,
  PRE_STAGE,
} from '../workflows/shared/search-attributes';
import { runPool, sleep, until } from './lib/load';
import { fmt, percentile, table } from './lib/stats';

type Store = 'sqlite' | 'postgresql';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const N = Number(flag('n') ?? 10_000);
const REFERENTS = Number(flag('referents') ?? 20);
const STORES = (flag('stores') ?? 'sqlite,postgresql').split(',') as Store[];
const OUT = flag('out') ?? join(__dirname, '..', '..', 'bench', 'results', `${new Date().toISOString().slice(0, 10)}-visibility.md`);
const TASK_QUEUE = 'bench-visibility';
const STAGES = ['AWAITING_CONSENT', 'AWAITING_TEAM_REVIEW', 'ACTIVE'];

function progress(msg: string): void {
  process.stderr.write(`[visibility ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** Today (Paris) at midnight UTC, as the cases' dates are published. */
const TODAY = parisDateOf(Date.now());

/**
 * Case i's search attributes: référent i mod R, one case in 20 overdue, each référent's next deadlines spread over the
 * next six months, about three a day for 500 cases (a case's next deadline is at most its next reassessment, every
 * six months).
 */
function attributesOf(i: number): SearchAttributePair[] {
  const day = (d: number) => new Date(`${addDays(TODAY, d)}T00:00:00Z`);
  return [
    { key: PRE_STAGE, value: STAGES[i % STAGES.length] },
    { key: PRE_QPV, value: i % 2 ? 'GRESILLES' : 'FONTAINE_D_OUCHE' },
    { key: PRE_REFERENT_ID, value: `u-ref-${i % REFERENTS}` },
    { key: PRE_NEXT_DEADLINE, value: day(Math.floor(i / REFERENTS) % 180) }, // each référent's cases over the 180 days (i % 180 put them on 9 days)
    { key: PRE_NEXT_DEADLINE_KIND, value: 'CONSENT_REMINDER' },
    { key: PRE_OVERDUE, value: i % 20 === 0 },
    { key: PRE_AGE_BAND, value: '6-10' },
    { key: PRE_CHILD_KEY, value: randomBytes(32).toString('hex') },
    { key: PRE_REFERRED_ON, value: day(-(i % 30)) },
  ] as SearchAttributePair[];
}

interface Measured {
  what: string;
  records: number;
  p50: number;
  p95: number;
  p99: number;
}

async function lookUp(what: string, fn: () => Promise<unknown[]>): Promise<Measured> {
  await fn(); // warm-up
  const ms: number[] = [];
  let records = 0;
  for (let k = 0; k < 30; k++) {
    // paced: the server's default visibility rate limit (frontend.namespaceRPS.visibility, 10 calls/s per namespace)
    // would otherwise hold back every few calls for 1.5-2 s (ResourceExhausted, retried by the client)
    await sleep(1000);
    const t = performance.now();
    records = (await fn()).length;
    ms.push(performance.now() - t);
  }
  if (process.env.VISIBILITY_DEBUG) progress(`${what}: ${ms.map((m) => m.toFixed(0)).join(' ')}`);
  ms.sort((a, b) => a - b);
  return { what, records, p50: percentile(ms, 50), p95: percentile(ms, 95), p99: percentile(ms, 99) };
}

async function measure(store: Store, address: string): Promise<{ createS: number; rows: Measured[] }> {
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });
  try {
    progress(`${store}: ${N} records, ${REFERENTS} référents`);
    const t0 = performance.now();
    const ids = Array.from({ length: N }, (_, i) => i);
    const figures = randomBytes(600).toString('base64'); // a memo the size of a case's encrypted figures
    const created = await runPool(ids, 20, async (i) => {
      // a fresh cluster may refuse the first starts for a few seconds (its namespace cache): retried, the same id
      for (let attempt = 1; ; attempt++) {
        try {
          await client.workflow.start(PARCOURS_WORKFLOW_TYPE, {
            workflowId: `parcours-D-BENCHVIS${String(i).padStart(6, '0')}`,
            taskQueue: TASK_QUEUE,
            startDelay: '3650d',
            typedSearchAttributes: attributesOf(i),
            memo: { figures },
          });
          return { ok: true, outcome: 'started' };
        } catch (e) {
          if ((e as Error).name === 'WorkflowExecutionAlreadyStartedError') return { ok: true, outcome: 'started' };
          if (attempt >= 20) return { ok: false, outcome: (e as Error).message };
          await sleep(1000);
        }
      }
    });
    const failed = created.samples.filter((s) => !s.ok);
    if (failed.length > 0) throw new Error(`${store}: ${failed.length} starts failed, e.g. ${failed[0].outcome}`);
    await until(`${store}: visibility to list ${N} records`, async () => (await client.workflow.count(`WorkflowType = '${PARCOURS_WORKFLOW_TYPE}'`)).count >= N, 300_000, 500);
    const createS = (performance.now() - t0) / 1000;
    progress(`${store}: created in ${fmt(createS)} s; look-ups`);
    const marks = headMarksOf(await parcoursDeadlines(client, { referentId: 'u-ref-1', taskQueue: TASK_QUEUE }), 50);
    const rows = [
      await lookUp(`a référent's cases with a deadline (GET /me/tasks, référent)`, () => parcoursDeadlines(client, { referentId: 'u-ref-1', taskQueue: TASK_QUEUE })),
      // as after a first, whole reading: its marks say which date holds the first page with room to spare
      await lookUp(`a référent's first page: the head their last whole reading marked (GET /me/tasks, référent, since issue 17's sixth pass)`, async () => (await earliestParcoursDeadlines(client, { referentId: 'u-ref-1', taskQueue: TASK_QUEUE }, 50, marks)).items),
      await lookUp('overdue cases (GET /me/tasks, coordinator)', () => parcoursDeadlines(client, { overdueOnly: true, taskQueue: TASK_QUEUE })),
      await lookUp('cases awaiting the EPS (GET /me/tasks, coordinator)', () => awaitingReview(client, TASK_QUEUE)),
      await lookUp("the coordinator's three look-ups, one call each (GET /me/tasks before issue 17's fifth pass)", async () => [
        ...(await awaitingReview(client, TASK_QUEUE)),
        ...(await parcoursDeadlines(client, { overdueOnly: true, taskQueue: TASK_QUEUE })),
        ...(await parcoursDeadlines(client, { stage: 'ACTIVE', unassigned: true, withoutDeadline: true, taskQueue: TASK_QUEUE })),
      ]),
      await lookUp("the coordinator's three look-ups in one call (GET /me/tasks, coordinator, since the fifth pass)", async () => {
        const c = await coordinationCases(client, TASK_QUEUE);
        return [...c.awaitingReview, ...c.overdue, ...c.unassigned];
      }),
    ];
    return { createS, rows };
  } finally {
    await connection.close();
  }
}

async function onSqlite(): Promise<{ createS: number; rows: Measured[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'pre-visibility-sqlite-'));
  const port = await freePort();
  const server = await startDevServer({ cli: temporalBinaries().cli, port, dbFile: join(dir, 'temporal.sqlite'), output: 'ignore', logLevel: 'error' });
  try {
    return await measure('sqlite', server.address);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function onPostgres(): Promise<{ createS: number; rows: Measured[] }> {
  const tools = clusterTools();
  const base = tempBase(); // readable by the postgres user
  const pg = await startPostgres(base);
  try {
    createSchema(tools, pg.port);
    const server = await startTemporal(tools, pg.port);
    try {
      const register = await startNode('register', 'register', base, sharedEnv(server.address));
      const done = await register.exited;
      if (done.code !== 0) throw new Error(`registration failed: ${register.output()}`);
      return await measure('postgresql', server.address);
    } finally {
      await server.stop();
    }
  } finally {
    pg.stop();
    removeBase(base);
  }
}

async function main(): Promise<void> {
  const out: string[] = [
    `# Visibility look-ups at ${N} open cases — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `Run: \`npm run bench:visibility -- ${process.argv.slice(2).join(' ')}\` — ${N} records over ${REFERENTS} référents (${Math.ceil(N / REFERENTS)} each), each look-up 30 times one at a time after one warm-up.`,
    '',
  ];
  const summary: Record<string, number> = {};
  const rows: string[][] = [];
  for (const store of STORES) {
    const r = store === 'sqlite' ? await onSqlite() : await onPostgres();
    summary[`${store}CreateS`] = Number(r.createS.toFixed(1));
    for (const [k, m] of r.rows.entries()) {
      rows.push([store, m.what, String(m.records), fmt(m.p50), fmt(m.p95), fmt(m.p99)]);
      summary[`${store}${['Referent', 'ReferentFirstPage', 'Overdue', 'AwaitingReview', 'CoordinatorThreeCalls', 'CoordinatorOneCall'][k]}P99Ms`] = Number(m.p99.toFixed(1));
    }
    rows.push([store, `(${N} records created, 20 clients)`, '', '', '', `${fmt(r.createS)} s`]);
  }
  out.push(table(['store', 'look-up', 'records', 'p50 ms', 'p95 ms', 'p99 ms'], rows), '');
  const line = `VISIBILITY_SUMMARY ${JSON.stringify({ n: N, referents: REFERENTS, ...summary })}`;
  out.push('`' + line + '`', '');
  const text = out.join('\n');
  process.stdout.write(`${text}\n`);
  if (OUT !== '-') {
    if (existsSync(OUT)) appendFileSync(OUT, `\n${text}`);
    else writeFileSync(OUT, text);
  }
  process.stdout.write(`${line}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`visibility bench failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
