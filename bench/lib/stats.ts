/** Latency and throughput figures of one measured run, and the Markdown table they are printed in. */

/** The p-th percentile (nearest rank) of ascending-sorted values; NaN when empty. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** What one measured run of requests gives: counts, throughput and latency percentiles (ms). */
export interface RunSummary {
  label: string;
  count: number;
  ok: number;
  /** Non-2xx answers and errors, by status (or error name). */
  failures: Record<string, number>;
  wallMs: number;
  /** Successful operations per second over the wall time. */
  throughput: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** One timed operation. */
export interface Sample {
  ms: number;
  ok: boolean;
  /** HTTP status or error name, for the failure tally. */
  outcome: string;
}

export function summarize(label: string, samples: Sample[], wallMs: number): RunSummary {
  const ok = samples.filter((s) => s.ok);
  const sorted = ok.map((s) => s.ms).sort((a, b) => a - b);
  const failures: Record<string, number> = {};
  for (const s of samples) if (!s.ok) failures[s.outcome] = (failures[s.outcome] ?? 0) + 1;
  return {
    label,
    count: samples.length,
    ok: ok.length,
    failures,
    wallMs,
    throughput: wallMs > 0 ? (ok.length * 1000) / wallMs : 0,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
    mean: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : NaN,
  };
}

/** A number with a fixed number of decimals, `–` when not a number. */
export function fmt(n: number | undefined, decimals = 1): string {
  return n === undefined || Number.isNaN(n) ? '–' : n.toFixed(decimals);
}

/** A Markdown table: every cell is padded so the plain-text print reads as a table too. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** `{ '504': 3, ECONNRESET: 1 }` → `504×3, ECONNRESET×1`. */
export function failureText(failures: Record<string, number>): string {
  const parts = Object.entries(failures).map(([k, v]) => `${k}×${v}`);
  return parts.length ? parts.join(', ') : '0';
}
