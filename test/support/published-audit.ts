/**
 * The suppression audit of published reports, from their JSON alone: the values an outsider reads (a hidden cell
 * is `<5`) and the relations an outsider knows (src/reports/publication.ts#outsiderSystem), then the exact interval
 * of every hidden cell (src/reports/audit.ts#auditIntervals). For the tests and bench/audit.ts.
 */
import { auditIntervals, integerSpan, type Interval } from '../../src/reports/audit';
import { cellsOf, type IndicatorsReport, type Period } from '../../src/reports/indicators';
import { outsiderSystem, periodKey } from '../../src/reports/publication';

/** The published count cells of a report (`<code>|<cellKey>` → value) and its hidden ones. */
export function publishedCells(r: Pick<IndicatorsReport, 'figures'>): { values: Map<string, number>; hidden: string[] } {
  const values = new Map<string, number>();
  const hidden: string[] = [];
  for (const f of r.figures) {
    if (f.unit !== 'children' && f.unit !== 'actions') continue;
    for (const c of cellsOf(f)) {
      const key = c.dimension === 'total' ? 'total' : `${c.dimension}:${c.modality}`;
      if (c.value === '<5') hidden.push(`${f.code}|${key}`);
      else if (typeof c.value === 'number') values.set(`${f.code}|${key}`, c.value);
    }
  }
  return { values, hidden };
}

/** Every hidden cell of the published chain (`<period>|<code>|<cellKey>`) with the interval an outsider narrows it to. */
export async function auditPublished(chain: readonly Period[], reports: ReadonlyArray<Pick<IndicatorsReport, 'figures'>>): Promise<Map<string, Interval>> {
  const published = new Map<string, Map<string, number>>();
  const hidden: string[] = [];
  chain.forEach((period, i) => {
    const cells = publishedCells(reports[i]);
    published.set(periodKey(period), cells.values);
    hidden.push(...cells.hidden.map((h) => `${periodKey(period)}|${h}`));
  });
  return auditIntervals(outsiderSystem(chain, published), hidden);
}

/** The hidden cells an outsider narrows to fewer than `span` values, with their interval (empty: the audit passes). */
export function narrowed(intervals: ReadonlyMap<string, Interval>, span = 5): Record<string, [number, number]> {
  return Object.fromEntries([...intervals].filter(([, iv]) => integerSpan(iv) < span).map(([id, iv]) => [id, [iv.min, iv.max]]));
}
