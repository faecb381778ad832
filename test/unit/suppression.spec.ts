/**
 * The suppression audit (src/reports/audit.ts) and the pattern it enforces (src/reports/suppression.ts,
 * src/reports/publication.ts): the three attacks of issue 16 recover a hidden cell from a pattern that passed the
 * old per-group rule, and recover nothing from the published pattern; random populations always publish a chain of
 * reports that passes the audit, read from their JSON alone.
 */
import { indicatorsCsv, parseCsv } from '../../src/reports/csv';
import { auditIntervals, integerSpan, PROTECTION_SPAN, type Relation } from '../../src/reports/audit';
import { periodOf, tally, type FundingFigures, type IndicatorsReport } from '../../src/reports/indicators';
import { buildReport, chainFor, PatternCache, protectPeriod } from '../../src/reports/publication';
import { protectedPattern, type RawCell } from '../../src/reports/suppression';
import { CASE_FIGURES_VERSION, type CaseFigures } from '../../workflows/parcours/parcours.figures';
import { populationFigures } from '../support/expected-figures';
import { auditPublished, narrowed, publishedCells } from '../support/published-audit';
import { prng } from '../../bench/lib/inputs';

const NO_FUNDING: FundingFigures = { conventions: [], grantedCents: 0, receivedCents: 0, spentCents: null };

/** Cells with as many children as their value. */
const cells = (entries: Record<string, number>) => new Map<string, RawCell>(Object.entries(entries).map(([k, v]) => [k, { value: v, children: v }]));
/** total = Σ parts. */
const group = (total: string, ...parts: string[]): Relation => [[total, 1], ...parts.map((p): [string, number] => [p, -1])];

/** The published values of `all` once `hidden` is hidden. */
function visible(all: ReadonlyMap<string, RawCell>, hidden: Iterable<string>): Map<string, number> {
  const h = new Set(hidden);
  return new Map([...all].filter(([id]) => !h.has(id)).map(([id, c]) => [id, c.value]));
}

/** Protects `all` under `relations` alone and returns every hidden cell's interval from the published values. */
async function protectAndAudit(all: ReadonlyMap<string, RawCell>, relations: Relation[]) {
  const hidden = await protectedPattern({ cells: all, published: new Map(), earlierHidden: [], relations });
  const intervals = await auditIntervals({ known: visible(all, hidden.keys()), relations }, [...hidden.keys()]);
  return { hidden, intervals };
}

describe('the audit of a suppression pattern', () => {
  it('gives the interval an outsider narrows a hidden cell to, and finds nothing to narrow in a free one', async () => {
    const relations = [group('t', 'a', 'b', 'c')];
    const iv = await auditIntervals({ known: new Map([['t', 30], ['c', 10]]), relations }, ['a', 'b']);
    expect(Object.fromEntries(iv)).toEqual({ a: { min: 0, max: 20 }, b: { min: 0, max: 20 } });
    const free = await auditIntervals({ known: new Map([['c', 10]]), relations }, ['a', 't']);
    expect(free.get('a')).toEqual({ min: 0, max: Infinity });
    expect(integerSpan({ min: 0, max: 4 })).toBe(PROTECTION_SPAN);
    expect(integerSpan({ min: 0.5, max: 4.5 })).toBe(4);
  });
});

describe('attack 1: two hidden cells in one group', () => {
  // active at 31 December = 12, Fontaine d'Ouche 10, Grésilles <5, OTHER <5
  const all = cells({ total: 12, FONTAINE_D_OUCHE: 10, GRESILLES: 1, OTHER: 1 });
  const relations = [group('total', 'FONTAINE_D_OUCHE', 'GRESILLES', 'OTHER')];

  it('recovers both hidden cells from the pattern of the old rule (two hidden cells: nothing more hidden)', async () => {
    const iv = await auditIntervals({ known: visible(all, ['GRESILLES', 'OTHER']), relations }, ['GRESILLES', 'OTHER']);
    expect(Object.fromEntries(iv)).toEqual({ GRESILLES: { min: 0, max: 2 }, OTHER: { min: 0, max: 2 } });
  });

  it('recovers nothing from the published pattern: every hidden cell keeps at least 5 values', async () => {
    const { hidden, intervals } = await protectAndAudit(all, relations);
    expect(Object.fromEntries(hidden)).toEqual({ FONTAINE_D_OUCHE: 'secondary', GRESILLES: 'primary', OTHER: 'primary' });
    expect(Object.fromEntries(intervals)).toEqual({ FONTAINE_D_OUCHE: { min: 0, max: 12 }, GRESILLES: { min: 0, max: 12 }, OTHER: { min: 0, max: 12 } });
  });
});

describe('attack 3: five published groups, each with two hidden cells', () => {
  // x1 (2 children) is hidden; each group holds exactly two hidden cells, which the old rule accepted. The five groups
  // close a cycle of odd length, so a chain of subtractions gives x1 exactly:
  // x1 = [(17 − 9) − (22 − 9) + (26 − 9) − (26 − 9) + (18 − 9)] / 2 = (8 − 13 + 17 − 17 + 9) / 2 = 2
  const all = cells({ x1: 2, x2: 6, x3: 7, x4: 10, x5: 7, v1: 9, v2: 9, v3: 9, v4: 9, v5: 9, t1: 17, t2: 22, t3: 26, t4: 26, t5: 18 });
  const relations = [group('t1', 'x1', 'x2', 'v1'), group('t2', 'x2', 'x3', 'v2'), group('t3', 'x3', 'x4', 'v3'), group('t4', 'x4', 'x5', 'v4'), group('t5', 'x5', 'x1', 'v5')];
  const oldPattern = ['x1', 'x2', 'x3', 'x4', 'x5'];

  it('recovers the small cell exactly from the pattern of the old rule', async () => {
    const iv = await auditIntervals({ known: visible(all, oldPattern), relations }, oldPattern);
    expect(iv.get('x1')).toEqual({ min: 2, max: 2 });
    expect(Object.values(Object.fromEntries(iv)).every((i) => integerSpan(i) === 1)).toBe(true);
  });

  it('recovers nothing from the published pattern', async () => {
    const { hidden, intervals } = await protectAndAudit(all, relations);
    expect(hidden.get('x1')).toBe('primary');
    expect(narrowed(intervals)).toEqual({});
    expect(integerSpan(intervals.get('x1')!)).toBeGreaterThanOrEqual(PROTECTION_SPAN);
  });
});

/** A case of `qpv` validated on `activeOn`, closed on `closedOn` if given. */
function active(qpv: string, referredOn: string, activeOn: string, closedOn?: string, sex: 'F' | 'M' = 'F'): CaseFigures {
  return {
    v: CASE_FIGURES_VERSION,
    qpv,
    ageBand: '6-10',
    sex,
    referredOn,
    orienteurType: 'SCHOOL',
    reasons: ['SCHOOL_RESULTS'],
    eligibility: 'ELIGIBLE',
    derogations: [],
    consent: { decision: 'GRANTED', on: referredOn },
    reviews: [{ on: activeOn, decision: 'VALIDATED' }],
    renewals: [],
    activeOn,
    actions: [],
    stage: closedOn ? 'CLOSED' : 'ACTIVE',
    closure: closedOn ? { reason: 'OBJECTIVES_MET', on: closedOn } : null,
  };
}

describe('attack 2: the stock-and-flow identity across two years', () => {
  // OTHER: 10 active on 31/12/2024; in 2025, 6 entries and 3 exits; 13 active on 31/12/2025 → exits = 10 + 6 − 13 = 3
  const cases: CaseFigures[] = [
    ...Array.from({ length: 10 }, (_, i) => active('OTHER', '2024-02-01', '2024-03-12', i < 3 ? '2025-06-30' : undefined, i % 2 ? 'F' : 'M')),
    ...Array.from({ length: 6 }, (_, i) => active('OTHER', '2025-02-01', '2025-03-11', undefined, i % 2 ? 'F' : 'M')),
    ...Array.from({ length: 30 }, (_, i) => active('GRESILLES', '2024-02-01', '2024-03-12', i < 12 ? '2025-06-30' : undefined, i % 2 ? 'F' : 'M')),
    ...Array.from({ length: 25 }, (_, i) => active('FONTAINE_D_OUCHE', '2025-02-01', '2025-03-11', i < 9 ? '2025-10-31' : undefined, i % 2 ? 'F' : 'M')),
  ];
  const civil2025 = periodOf(2025, 'civil');

  it('the identity holds in the data: 10 + 6 − 3 = 13', () => {
    const count = (p: ReturnType<typeof periodOf>, code: string) => tally(cases, p).counts.get(code)?.get('qpv:OTHER')?.value ?? 0;
    expect([count(periodOf(2024, 'civil'), 'active.onSnapshot'), count(civil2025, 'entries'), count(civil2025, 'exits'), count(civil2025, 'active.onSnapshot')]).toEqual([10, 6, 3, 13]);
  });

  it('recovers the exits from the previous year when only the exits are hidden (what the old rule allowed)', async () => {
    const relations: Relation[] = [[['active2025', 1], ['active2024', -1], ['entries2025', -1], ['exits2025', 1]]];
    const iv = await auditIntervals({ known: new Map([['active2024', 10], ['entries2025', 6], ['active2025', 13]]), relations }, ['exits2025']);
    expect(iv.get('exits2025')).toEqual({ min: 3, max: 3 });
  });

  it('recovers nothing from the published reports of the chain (2024 and 2025, civil and school, read from their JSON)', async () => {
    const chain = chainFor(cases, civil2025);
    expect(chain.map((p) => `${p.kind}-${p.year}`)).toEqual(['school-2024', 'civil-2024', 'school-2025', 'civil-2025']);
    const reports = await Promise.all(chain.map((p) => buildReport(cases, p, NO_FUNDING)));
    const exits = reports[3].figures.find((f) => f.code === 'exits')!;
    expect(exits.byQpv?.OTHER).toBe('<5');
    const intervals = await auditPublished(chain, reports);
    expect(integerSpan(intervals.get('civil-2025|exits|qpv:OTHER')!)).toBeGreaterThanOrEqual(PROTECTION_SPAN);
    expect(narrowed(intervals)).toEqual({});
  });
});

describe('the chain of publications', () => {
  const cases = populationFigures(300, 7);

  it('publishes a past year the same after a later one, from a cold cache, and the CSV and JSON hide the same cells', async () => {
    const before = await buildReport(cases, periodOf(2024, 'civil'), NO_FUNDING, new PatternCache());
    const cache = new PatternCache();
    await buildReport(cases, periodOf(2025, 'civil'), NO_FUNDING, cache);
    const again = await buildReport(cases, periodOf(2024, 'civil'), NO_FUNDING, cache);
    expect(again).toEqual(before);
    // the CSV shows <5 exactly where the JSON does
    const csvHidden = parseCsv(indicatorsCsv(again)).filter((row) => row[5] === '<5').length;
    const jsonHidden = again.figures.flatMap((f) => [f.total, ...Object.values(f.byQpv ?? {}), ...Object.values(f.byAgeBand ?? {}), ...Object.values(f.bySex ?? {})]).filter((v) => v === '<5').length;
    expect(csvHidden).toBe(jsonHidden);
    expect(jsonHidden).toBeGreaterThan(0);
    const { audited } = await protectPeriod(cases, periodOf(2024, 'civil'), cache);
    expect(audited).toBe(0);
  });

  it('keeps every visible figure exact and hides more than the small cells', async () => {
    const p = periodOf(2025, 'civil');
    const r = await buildReport(cases, p, NO_FUNDING);
    const raw = tally(cases, p).counts;
    const { values, hidden } = publishedCells(r);
    for (const [id, v] of values) {
      const [code, key] = id.split('|');
      expect({ id, v }).toEqual({ id, v: raw.get(code)?.get(key)?.value ?? 0 });
    }
    const protection = r.figures.find((f) => f.code === 'secrecy.protectionCells')!.total as number;
    const small = r.figures.find((f) => f.code === 'secrecy.smallCells')!.total as number;
    expect(protection).toBeGreaterThan(0);
    const medians = r.figures.filter((f) => f.unit === 'days').flatMap((f) => [f.total, ...Object.values(f.byQpv ?? {}), ...Object.values(f.byAgeBand ?? {}), ...Object.values(f.bySex ?? {})]);
    expect(hidden.length + medians.filter((v) => v === '<5').length).toBe(protection + small);
  });
});

describe('property: every published chain passes the audit', () => {
  const rnd = prng(16);
  const samples = Array.from({ length: 5 }, () => ({ n: 20 + Math.floor(rnd() * 381), seed: Math.floor(rnd() * 1e6), kind: rnd() < 0.5 ? ('civil' as const) : ('school' as const) }));

  it.each(samples)('$n cases (seed $seed), $kind 2025 and the chain before it: no hidden cell narrowed below 5 values', async ({ n, seed, kind }) => {
    const cases = populationFigures(n, seed);
    const chain = chainFor(cases, periodOf(2025, kind));
    const cache = new PatternCache();
    const reports: IndicatorsReport[] = [];
    for (const p of chain) reports.push(await buildReport(cases, p, NO_FUNDING, cache));
    expect(narrowed(await auditPublished(chain, reports))).toEqual({});
  });
});
