/**
 * The worker's workflow cache from its memory budget (issue 17). Measured on the bench (bench/results/
 * 2026-12-07-issue17.md, scale section): a worker process holds ≈ 200 MiB with nothing cached and ≈ 0.47 MiB more per
 * cached parcours (192 → 659 MiB for 1 000 cases; 0.4–0.6 MiB on 2026-11-27). The SDK's own default (≈ 2 300 from a
 * 4 GiB heap) lets 10 000 open cases grow the worker past 1 GiB; a workflow evicted from the cache is replayed from
 * its history on its next task (a few ms of CPU), never lost. Since 2026-12-08 a child's registry workflow takes no
 * cache slot while its case is open (started with a start delay, it runs no workflow task until its release), so
 * the cached workflows are parcours and conventions: 10 000 open cases are 10 000 cacheable workflows, not 20 000.
 *
 * Re-measured at 10 000 open cases (bench/results/2026-12-08-issue17.md, "scale 10 000"): with the cache full
 * (1 536 at 0.5 MiB each) and evicting all the time, the worker reached 1 375 MiB — (1 375 − 194) ÷ 1 536 ≈ 0.77 MiB
 * per cached workflow once the cache churns (evicted workflows' garbage and the core's per-run state), against 0.48
 * while it only fills (1 000 cases: 671 MiB). The estimate is now 0.75 MiB: 1 024 cached workflows for 1 GiB.
 * Measured with 1 000 cached at 10 000 open cases: 1 181 MiB — smaller, still over 1 GiB: past a full cache the RSS
 * holds a part that grows with the eviction churn (V8 keeps its garbage while its heap limit, ≈ 4 GiB by default,
 * allows), which the cache size alone does not bound.
 *
 * Measured on 2026-12-07 (bench/results/2026-12-07-issue17-3.md; a referral now also starts a notification workflow,
 * which the worker caches too): without a heap cap the worker's RSS swings between 1.0 and 1.5 GiB while cases are
 * created — garbage V8 keeps because its heap limit (≈ 4 GiB by default) lets it; with the old space capped at half
 * the budget (`--max-old-space-size=512`, how `npm run start:worker` and docker-compose start the worker) and 640
 * cached workflows it stayed flat: 850 MiB at 10 000 open cases, 859 MiB at most (sampled every 5 s). Hence 1.2 MiB
 * per cached workflow and the cap at half the budget: `workerHeapMiBFor`.
 */

/** RSS of a worker with nothing cached (MiB), with room for activities and in-flight tasks. */
export const WORKER_BASE_MIB = 256;
/** RSS per cached workflow (a parcours, the largest), MiB. */
export const CACHED_WORKFLOW_MIB = 1.2;

/** The V8 old-space cap (`--max-old-space-size`, MiB) a worker within `budgetMiB` is started with: half the budget. */
export function workerHeapMiBFor(budgetMiB: number): number {
  return Math.floor(budgetMiB / 2);
}

/** How many workflows the worker may keep cached within `budgetMiB` of RSS (at least 100). */
export function maxCachedWorkflowsFor(budgetMiB: number): number {
  return Math.max(100, Math.floor((budgetMiB - WORKER_BASE_MIB) / CACHED_WORKFLOW_MIB));
}
