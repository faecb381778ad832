/** A fixed number of concurrent clients working through a list, each operation timed. */
import type { Sample } from './stats';

export interface PoolResult<R> {
  samples: Sample[];
  results: Array<R | undefined>;
  wallMs: number;
}

/** What one operation reports: success, an outcome label (status or error) and an optional value. */
export interface Outcome<R> {
  ok: boolean;
  outcome: string;
  value?: R;
}

/**
 * Runs `op` on every item with `concurrency` workers (like C clients each sending its next request as soon as
 * the previous one answered). Timing covers the operation only; an exception counts as a failure named after it.
 */
export async function runPool<T, R>(items: T[], concurrency: number, op: (item: T, index: number) => Promise<Outcome<R>>): Promise<PoolResult<R>> {
  const samples: Sample[] = new Array(items.length);
  const results: Array<R | undefined> = new Array(items.length);
  let next = 0;
  const started = performance.now();
  const client = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      const t0 = performance.now();
      try {
        const r = await op(items[i], i);
        samples[i] = { ms: performance.now() - t0, ok: r.ok, outcome: r.outcome };
        results[i] = r.value;
      } catch (e) {
        samples[i] = { ms: performance.now() - t0, ok: false, outcome: (e as { code?: string }).code ?? (e as Error).name ?? 'error' };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, client));
  return { samples, results, wallMs: performance.now() - started };
}

/** Sleeps `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes (then throws with the last error). */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false | null>, timeoutMs: number, everyMs = 200): Promise<T> {
  const started = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (${(last as Error).message})` : ''}`);
    await sleep(everyMs);
  }
}
