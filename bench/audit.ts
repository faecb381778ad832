/**
 * Times the publication of the yearly indicators with their suppression audit (src/reports/publication.ts), for
 * 1 000 and 10 000 cases (a script, not a test; no Temporal server: the figures are generated).
 *
 *   npx tsc -p bench/tsconfig.json && node dist/bench/audit.js
 *
 * The population is the e2e test's generator (test/support/indicators-population.ts), 2024 and 2025, scaled. For each
 * size it prints: the first request of the civil year 2025 (the whole chain of periods audited: school 2024, civil
 * 2024, school 2025, civil 2025), the same request again (patterns from the cache: counting only), and an independent
 * audit of the published reports (exact intervals of every hidden cell of the chain, from the published values only),
 * with how many cells are hidden. Knobs: BENCH_SIZES (`1000,10000`), BENCH_SEED (42).
 */
import { cpus, loadavg } from 'node:os';
import { AUDIT_STATS, integerSpan, loadSolver, PROTECTION_SPAN } from '../src/reports/audit';
import { periodOf, type FundingFigures } from '../src/reports/indicators';
import { buildReport, chainOf, PatternCache } from '../src/reports/publication';
import { populationFigures } from '../test/support/expected-figures';
import { auditPublished } from '../test/support/published-audit';

const NO_FUNDING: FundingFigures = { conventions: [], grantedCents: 0, receivedCents: 0, spentCents: null };

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_SIZES ?? '1000,10000').split(',').map(Number);
  const seed = Number(process.env.BENCH_SEED ?? 42);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`Suppression audit bench: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const t0 = performance.now();
  await loadSolver();
  out(`HiGHS (WebAssembly) loaded in ${(performance.now() - t0).toFixed(0)} ms`);
  out('');
  out('| cases | first request civil 2025: build + audit of the chain of 4 (programmes solved) | again: build, pattern from the cache | independent audit (exact, all hidden cells of the chain) | hidden cells civil 2025: small / protection | narrowest interval |');
  out('| --- | --- | --- | --- | --- | --- |');
  for (const n of sizes) {
    const cases = populationFigures(n, seed);
    const cache = new PatternCache();
    const p = periodOf(2025, 'civil');
    Object.assign(AUDIT_STATS, { solves: 0, models: 0 });
    const a = performance.now();
    const report = await buildReport(cases, p, NO_FUNDING, cache);
    const first = performance.now() - a;
    const programmes = AUDIT_STATS.solves;
    const b = performance.now();
    await buildReport(cases, p, NO_FUNDING, cache);
    const again = performance.now() - b;

    const chain = chainOf(p, 2024);
    const reports = [];
    for (const period of chain) reports.push(await buildReport(cases, period, NO_FUNDING, cache));
    const c = performance.now();
    const intervals = await auditPublished(chain, reports);
    const audit = performance.now() - c;
    const narrowest = Math.min(...[...intervals.values()].map(integerSpan));
    if (narrowest < PROTECTION_SPAN) throw new Error(`a hidden cell spans only ${narrowest} values`);
    const small = report.figures.find((f) => f.code === 'secrecy.smallCells')?.total;
    const protection = report.figures.find((f) => f.code === 'secrecy.protectionCells')?.total;
    out(`| ${cases.length} | ${first.toFixed(0)} ms (${programmes}) | ${again.toFixed(0)} ms | ${audit.toFixed(0)} ms (${intervals.size} cells, 2 programmes each) | ${small} / ${protection} | ${narrowest === Infinity ? 'unbounded' : `${narrowest} values`} |`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
