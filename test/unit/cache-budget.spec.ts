/**
 * The worker's workflow cache sized from its memory budget (issue 17, src/worker/cache-budget.ts): 10 000 open cases
 * no longer grow the worker past its budget, the SDK's own default (≈ 2 300 from a 4 GiB heap) would.
 */
import { CACHED_WORKFLOW_MIB, maxCachedWorkflowsFor, WORKER_BASE_MIB, workerHeapMiBFor } from '../../src/worker/cache-budget';
import { loadEnv } from '../../src/config/env';

describe('worker cache from the memory budget', () => {
  it('keeps as many workflows as the budget holds over the base process (640 for the default 1 GiB), at least 100, with the heap capped at half the budget', () => {
    expect(maxCachedWorkflowsFor(1024)).toBe(640);
    expect(WORKER_BASE_MIB + maxCachedWorkflowsFor(1024) * CACHED_WORKFLOW_MIB).toBeLessThanOrEqual(1024);
    expect(maxCachedWorkflowsFor(2048)).toBe(1493);
    expect(maxCachedWorkflowsFor(256)).toBe(100);
    expect(workerHeapMiBFor(1024)).toBe(512);
  });

  it('defaults WORKER_MEMORY_BUDGET_MIB to 1024 and leaves an explicit WORKER_MAX_CACHED_WORKFLOWS alone', () => {
    const base = { NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(40) };
    expect(loadEnv(base).WORKER_MEMORY_BUDGET_MIB).toBe(1024);
    expect(loadEnv({ ...base, WORKER_MAX_CACHED_WORKFLOWS: '300' }).WORKER_MAX_CACHED_WORKFLOWS).toBe(300);
    // a worker without a cache would hold the workflow tasks of a workflow whose notification is being recorded
    expect(() => loadEnv({ ...base, WORKER_MAX_CACHED_WORKFLOWS: '0' })).toThrow(/WORKER_MAX_CACHED_WORKFLOWS/);
    expect(() => loadEnv({ ...base, WORKER_MEMORY_BUDGET_MIB: '100' })).toThrow(/WORKER_MEMORY_BUDGET_MIB/);
  });
});
