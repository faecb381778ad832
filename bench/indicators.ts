/**
 * Times `GET /reports/indicators` for a year of 1 000 cases and prints the figures (a script, not a test).
 *
 *   npx tsc -p bench/tsconfig.json && node dist/bench/indicators.js
 *
 * Creates the cases through the real parcours workflow (test/support/indicators-population.ts: the e2e test's
 * generator, one civil year, every fate) on the dev server given by TEMPORAL_ADDRESS, or on one it starts itself
 * (in memory), with a worker and the API in this process on a task queue of their own. Then it asks the API for the
 * report of that year, JSON and CSV, several times, and says where the figures came from (memos read from one
 * visibility listing, or a `getState` query per case whose memo has no figures).
 *
 * Knobs: TEMPORAL_ADDRESS (default: start a dev server), BENCH_CASES (1000), BENCH_CONCURRENCY (10), BENCH_RUNS (5),
 * BENCH_SEED (42), BENCH_WORKFLOWS (the workflows/index.ts to bundle; default the project's).
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { benchSecrets } from './lib/secrets';
import { benchTemporal, startInProcess } from './lib/in-process';
import { signDevToken } from '../src/auth/dev-token';
import { projectRoot } from '../src/config/project-root';
import { ReportsService, type IndicatorsSourceStats } from '../src/reports/reports.service';
import { BUNDLE_CONVERTERS } from '../src/temporal/data-converter';
import { workflowBundleTracing } from '../src/telemetry/temporal-tracing';
import { TemporalService } from '../src/temporal/temporal.service';
import { buildPopulation, E2E_MIX, planPopulation, type Fate } from '../test/support/indicators-population';

const YEAR = 2025;

function num(name: string, fallback: number): number {
  const v = process.env[name];
  const n = v === undefined || v === '' ? fallback : Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number ≥ 1 (got ${v})`);
  return n;
}

/** The e2e mix of one year, scaled to `n` cases (every fate kept; the open active parcours absorb the rounding). */
function mixOf(n: number): Record<number, Partial<Record<Fate, number>>> {
  const base = E2E_MIX[YEAR];
  const total = Object.values(base).reduce((a, b) => a + (b ?? 0), 0);
  const scaled: Partial<Record<Fate, number>> = {};
  for (const [fate, count] of Object.entries(base) as Array<[Fate, number]>) scaled[fate] = Math.max(1, Math.round((count * n) / total));
  const sum = Object.values(scaled).reduce((a, b) => a + (b ?? 0), 0);
  scaled['active-open'] = (scaled['active-open'] ?? 0) + (n - sum);
  return { [YEAR]: scaled };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main(): Promise<void> {
  const cases = num('BENCH_CASES', 1000);
  const concurrency = num('BENCH_CONCURRENCY', 10);
  const runs = num('BENCH_RUNS', 5);
  const seed = num('BENCH_SEED', 42);
  const root = projectRoot();
  const out = (line: string) => process.stdout.write(`${line}\n`);

  const temporal = await benchTemporal();
  const secrets = benchSecrets('indicators');
  const workflowsPath = process.env.BENCH_WORKFLOWS ?? join(root, 'workflows', 'index.ts');
  const { code } = await bundleWorkflowCode({ workflowsPath, ...BUNDLE_CONVERTERS, ...workflowBundleTracing(), logger: new DefaultLogger('WARN') });
  const bundle = join(secrets.dataDir, 'workflow-bundle.js');
  writeFileSync(bundle, code);
  const { config, app, url, stop } = await startInProcess('indicators', temporal.address, secrets, { WORKFLOW_BUNDLE_PATH: bundle });
  const client = app.get(TemporalService).client;
  try {
    out(`Indicators bench: ${cases} cases referred in ${YEAR}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    out(`Temporal ${temporal.started ? `dev server started by the bench (${temporal.address}, in memory)` : `at ${temporal.address}`}; workflows from ${workflowsPath}`);

    const plan = planPopulation(mixOf(cases), seed);
    const buildMs = await buildPopulation(client, config.TEMPORAL_TASK_QUEUE, plan, concurrency);
    out(`Population built through the workflow: ${plan.length} cases in ${(buildMs / 1000).toFixed(1)} s (concurrency ${concurrency})`);
    const base = `WorkflowType = 'parcoursWorkflow' AND TaskQueue = '${config.TEMPORAL_TASK_QUEUE}' AND ExecutionStatus != 'ContinuedAsNew'`;
    // a closed case is held for its retention (or already purged, closed long ago): both are CLOSED
    const closed = plan.filter((c) => c.expected.closure).length;
    for (const started = Date.now(); ; ) {
      const [all, done] = await Promise.all([client.workflow.count(base), client.workflow.count(`${base} AND PreStage = 'CLOSED'`)]);
      if (all.count === plan.length && done.count === closed) break;
      if (Date.now() - started > 120_000) throw new Error(`visibility shows ${all.count}/${plan.length} cases, ${done.count}/${closed} closed after 2 minutes`);
      await new Promise((r) => setTimeout(r, 500));
    }

    const token = await signDevToken(config, 'u-bench', ['coordinator']);
    const time = async (accept: string): Promise<{ ms: number; bytes: number }> => {
      const started = performance.now();
      const res = await fetch(`${url}/reports/indicators?year=${YEAR}&period=civil`, { headers: { Authorization: `Bearer ${token}`, Accept: accept } });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`GET /reports/indicators answered ${res.status}: ${body.slice(0, 300)}`);
      return { ms: performance.now() - started, bytes: Buffer.byteLength(body) };
    };
    const json: number[] = [];
    const csv: number[] = [];
    let sizes = { json: 0, csv: 0 };
    for (let i = 0; i < runs; i += 1) {
      const j = await time('application/json');
      const c = await time('text/csv');
      json.push(j.ms);
      csv.push(c.ms);
      sizes = { json: j.bytes, csv: c.bytes };
    }
    const stats: Partial<IndicatorsSourceStats> = {};
    await app.get(ReportsService).indicators(YEAR, 'civil', stats);
    out(`Cases read: ${stats.executions} (${stats.fromMemo} from their memo, ${stats.fromQuery} through a getState query), funding years: ${stats.fundingYears}`);
    out('');
    out('| request | first | median | min | max | size |');
    out('| --- | --- | --- | --- | --- | --- |');
    for (const [name, list, size] of [['JSON', json, sizes.json], ['CSV', csv, sizes.csv]] as const) {
      out(`| GET /reports/indicators?year=${YEAR} (${name}) | ${list[0].toFixed(0)} ms | ${median(list).toFixed(0)} ms | ${Math.min(...list).toFixed(0)} ms | ${Math.max(...list).toFixed(0)} ms | ${(size / 1024).toFixed(1)} KiB |`);
    }
  } finally {
    await stop();
    await temporal.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
