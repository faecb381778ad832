/**
 * Publishing the yearly indicators: which cells are hidden, audited against everything published before
 * (DOMAIN.md §4, issue 16).
 *
 * The chain of periods. Every report that can be asked for is part of one chain, in the order the periods end: the
 * school year N (ends 31 August N), then the civil year N (ends 31 December N), then the school year N+1, …, from the
 * first year with a referral. A report is published with every earlier report of the chain in view: its hidden cells
 * are chosen (src/reports/suppression.ts#protectedPattern) so that no hidden cell of it, nor of an earlier report, can
 * be narrowed to fewer than 5 values from all of them together. An earlier report's pattern is never changed by a
 * later one: the later report hides more instead. Re-publishing a past period recomputes the same chain up to it: its
 * figures are those "as at the end of the period", so it comes out the same, pattern included, and stays consistent
 * with the later reports that were computed with it in view.
 *
 * What an outsider knows (the relations of the audit, over cells `<period>|<code>|<cellKey>`):
 * - in each report, for every count: total = Σ by QPV = Σ by age band = Σ by sex; and, cell by cell, received =
 *   eligible + ineligible, eligible = Σ outcomes, exits = Σ by reason, actions = Σ by type;
 * - the months the periods share: January–August N (`A<N>`) and September–December N (`B<N>`) are unpublished
 *   sub-periods; every additive flow (referrals received, eligible, ineligible; entries; exits and by reason;
 *   actions and by type) of the civil year N is A<N> + B<N>, of the school year N is B<N-1> + A<N>, and each
 *   sub-period's flows add up by QPV, age band, sex and family like a report's;
 * - the stock-and-flow identity between consecutive snapshots: active on 31 August N = active on 31 December N-1 +
 *   entries − exits of A<N>; active on 31 December N = active on 31 August N + entries − exits of B<N> (hence, between
 *   two civil years, active at the start + entries − exits = active at the end); by age band, with the unpublished
 *   number of children who moved up from each band meanwhile (every figure counts a child in the band of its date);
 * - before the first referral nothing exists: the stock on 31 December before the first year and the flows of its
 *   September–December are 0.
 * Medians are not linear (hidden under 5 cases); meetings and amounts are not about children.
 *
 * The pattern of each period of the chain is kept in memory, keyed by the figures of the chain up to it: the audit
 * runs once per period and state of the data, and a repeated request only counts.
 */
import { createHash } from 'node:crypto';
import type { CaseFigures } from '../../workflows/parcours/parcours.figures';
import type { IsoDate } from '../../workflows/shared/calendar';
import { type Relation } from './audit';
import {
  allCellKeys,
  cellKey,
  DIMENSION_KEYS,
  DIMENSIONS,
  FIGURE_FAMILIES,
  FIGURES,
  isCountable,
  periodOf,
  rawCells,
  renderReport,
  tally,
  type FundingFigures,
  type IndicatorsReport,
  type Period,
  type Tally,
} from './indicators';
import { protectedPattern, type RawCell, type SuppressionReason } from './suppression';

/** The counts of a report (additive, broken down, audited). */
export const COUNT_CODES: readonly string[] = FIGURES.filter((f) => f.kind === 'count').map((f) => f.code);

/** Counts that add up over sub-periods (a flow counted on an event's date, whatever happens later). */
export const FLOW_CODES: readonly string[] = COUNT_CODES.filter(
  (c) => c === 'referrals.received' || c === 'referrals.eligible' || c === 'referrals.ineligible' || c === 'entries' || c === 'exits' || c.startsWith('exits.') || c.startsWith('actions.'),
);

/** The families that hold within a sub-period (eligible = Σ outcomes does not: an outcome is taken at a period's end). */
const FLOW_FAMILIES = FIGURE_FAMILIES.filter((f) => f.total !== 'referrals.eligible');

/** `civil-2025`, `school-2025`. */
export function periodKey(p: Pick<Period, 'kind' | 'year'>): string {
  return `${p.kind}-${p.year}`;
}

/** The periods of the chain from the first year with data up to `p` (just `p` when no data precedes it). */
export function chainOf(p: Period, firstYear: number | undefined): Period[] {
  if (firstYear === undefined || firstYear > p.year) return [p];
  const out: Period[] = [];
  for (let y = firstYear; y <= p.year; y += 1) {
    out.push(periodOf(y, 'school'));
    if (y < p.year || p.kind === 'civil') out.push(periodOf(y, 'civil'));
  }
  return out;
}

/** The chain of `p` over these cases (from the year of the first referral). */
export function chainFor(cases: readonly CaseFigures[], p: Period): Period[] {
  let first: number | undefined;
  for (const c of cases) if (isCountable(c)) first = Math.min(first ?? Infinity, Number(c.referredOn.slice(0, 4)));
  return chainOf(p, first);
}

/** Sub-period `A<N>` (January–August N) or `B<N>` (September–December N), as a period to count over. */
function segment(name: 'A' | 'B', year: number): Period {
  const [from, to] = name === 'A' ? [`${year}-01-01`, `${year}-08-31`] : [`${year}-09-01`, `${year}-12-31`];
  return { year, kind: 'civil', from, to, snapshotOn: to, label: `${name}${year}` };
}

/** The sub-periods a report's flows add up from. */
function segmentsOf(p: Period): Array<['A' | 'B', number]> {
  return p.kind === 'civil' ? [['A', p.year], ['B', p.year]] : [['B', p.year - 1], ['A', p.year]];
}

const id = (prefix: string, code: string, key: string) => `${prefix}|${code}|${key}`;

/** Total = Σ by each breakdown for `codes`, and the `families`, cell by cell, over cells named `<prefix>|…`. */
function tableRelations(prefix: string, codes: readonly string[], families: typeof FIGURE_FAMILIES): Relation[] {
  const out: Relation[] = [];
  for (const code of codes) {
    for (const d of DIMENSION_KEYS) out.push([[id(prefix, code, 'total'), 1], ...DIMENSIONS[d].map((m): [string, number] => [id(prefix, code, cellKey(d, m)), -1])]);
  }
  for (const fam of families) {
    for (const key of allCellKeys()) out.push([[id(prefix, fam.total, key), 1], ...fam.parts.map((c): [string, number] => [id(prefix, c, key), -1])]);
  }
  return out;
}

/** The relations a report adds to what an outsider knows (see the header), given the chain before it. */
export function reportRelations(p: Period, previous: Period | undefined): Relation[] {
  const me = periodKey(p);
  const out = tableRelations(me, COUNT_CODES, FIGURE_FAMILIES);
  const segs = segmentsOf(p).map(([n, y]) => `${n}${y}`);
  for (const code of FLOW_CODES) {
    for (const key of allCellKeys()) out.push([[id(me, code, key), 1], ...segs.map((s): [string, number] => [id(s, code, key), -1])]);
  }
  // the sub-period this report opens (school N: A<N>, and B<N-1> at the start of the chain; civil N: B<N>)
  const opened = p.kind === 'civil' ? [`B${p.year}`] : previous ? [`A${p.year}`] : [`B${p.year - 1}`, `A${p.year}`];
  for (const s of opened) out.push(...tableRelations(s, FLOW_CODES, FLOW_FAMILIES));
  // stock and flow: active at this snapshot = active at the previous one + entries − exits of the last sub-period
  // by age band, children also move up a band while active: unpublished counts ≥ 0 (`ageing|ageBand:<b>`: from b to
  // the next band between the two snapshots) enter each band's identity
  const before = previous ? periodKey(previous) : `civil-${p.year - 1}`;
  const last = segs[segs.length - 1];
  const bands = DIMENSIONS.ageBand;
  for (const key of allCellKeys()) {
    const k = bands.findIndex((b) => cellKey('ageBand', b) === key);
    const ageing: Array<[string, number]> = [];
    if (k > 0) ageing.push([id(me, 'ageing', cellKey('ageBand', bands[k - 1])), -1]);
    if (k >= 0 && k < bands.length - 1) ageing.push([id(me, 'ageing', key), 1]);
    out.push([
      [id(me, 'active.onSnapshot', key), 1],
      [id(before, 'active.onSnapshot', key), -1],
      [id(last, 'entries', key), -1],
      [id(last, 'exits', key), 1],
      ...ageing,
    ]);
  }
  return out;
}

/**
 * The true numbers of children who moved up from each age band between the previous snapshot and `p`'s, from the
 * stock-and-flow identity of each band (the first band receives no one): the audit's first feasible point.
 */
function ageingTruth(truth: Map<string, number>, published: ReadonlyMap<string, number>, p: Period, previous: Period | undefined): void {
  const me = periodKey(p);
  const before = previous ? periodKey(previous) : `civil-${p.year - 1}`;
  const segs = segmentsOf(p);
  const last = `${segs[segs.length - 1][0]}${segs[segs.length - 1][1]}`;
  const v = (cid: string) => truth.get(cid) ?? published.get(cid) ?? 0;
  const bands = DIMENSIONS.ageBand;
  let inflow = 0;
  for (const b of bands.slice(0, -1)) {
    const key = cellKey('ageBand', b);
    const out = v(id(before, 'active.onSnapshot', key)) + v(id(last, 'entries', key)) - v(id(last, 'exits', key)) + inflow - v(id(me, 'active.onSnapshot', key));
    truth.set(id(me, 'ageing', key), out);
    inflow = out;
  }
}

/** What an outsider knows to be zero at the start of the chain: the stock before it and the flows of its first B. */
function startZeros(first: Period): Map<string, number> {
  const zeros = new Map<string, number>();
  for (const key of allCellKeys()) zeros.set(id(`civil-${first.year - 1}`, 'active.onSnapshot', key), 0);
  if (first.kind === 'school') for (const code of FLOW_CODES) for (const key of allCellKeys()) zeros.set(id(`B${first.year - 1}`, code, key), 0);
  return zeros;
}

/** A sub-period figure (`A2025|…`, `B2024|…`): never published, an unknown of every audit. */
const isSubPeriod = (v: string) => /^[AB]\d{4}\|/.test(v);

/**
 * What the outsider deduces at once, written down so that the audit's programmes stay small: a relation whose terms
 * are all known is dropped; one whose only unknowns are sub-period figures gives them when there is one (its value)
 * or when they share a sign and nothing is left for them (all 0). Hidden cells are never deduced (the audit has
 * just shown none can be). The system that remains has exactly the same solutions.
 */
function settle(relations: Relation[], known: Map<string, number>): void {
  for (let changed = true; changed; ) {
    changed = false;
    let kept = 0;
    for (const rel of relations) {
      let rest = 0;
      const unknown: Array<readonly [string, number]> = [];
      let cell = false;
      for (const term of rel) {
        const v = known.get(term[0]);
        if (v === undefined) {
          unknown.push(term);
          if (!isSubPeriod(term[0])) cell = true;
        } else rest += term[1] * v;
      }
      if (unknown.length === 0) continue;
      if (!cell && unknown.length === 1) {
        known.set(unknown[0][0], -rest / unknown[0][1]);
        changed = true;
        continue;
      }
      if (!cell && Math.abs(rest) < 1e-9 && unknown.every(([, c]) => Math.sign(c) === Math.sign(unknown[0][1]))) {
        for (const [v] of unknown) known.set(v, 0);
        changed = true;
        continue;
      }
      relations[kept++] = rel;
    }
    relations.length = kept;
  }
}

/** Kept patterns (period + figures of the chain up to it → hidden cells), in insertion order. */
export class PatternCache {
  private readonly entries = new Map<string, Map<string, SuppressionReason>>();

  constructor(private readonly capacity = 500) {}

  get(key: string): Map<string, SuppressionReason> | undefined {
    return this.entries.get(key);
  }

  set(key: string, pattern: Map<string, SuppressionReason>): void {
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, pattern);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** The process's patterns (one per API instance). */
export const PATTERNS = new PatternCache();

/** What publishing a period found: its tally, its hidden cells (`<code>|<cellKey>`), and what the audit did. */
export interface ProtectedPeriod {
  tally: Tally;
  hidden: Map<string, SuppressionReason>;
  /** Reports of the chain audited for this request (0: every pattern came from the cache). */
  audited: number;
  chain: Period[];
}

/** The cells of a report, `<period>|<code>|<cellKey>` → value and children, in publication order. */
function reportCells(prefix: string, t: Tally): Map<string, RawCell> {
  const raw = rawCells(t);
  const out = new Map<string, RawCell>();
  for (const code of COUNT_CODES) for (const key of allCellKeys()) out.set(id(prefix, code, key), raw.get(`${code}|${key}`) ?? { value: 0, children: 0 });
  return out;
}

/**
 * The last business date any figure counts (referral, EPS decision or renewal, validation, closure, action start).
 * A period that starts after it has no flow and the same stock as the one before; when the one before also starts
 * after it, the two reports are equal, cell for cell, and the later one is published with the same pattern: it adds
 * only "stock = the previous stock" and zero flows over months already known to be empty, which narrows nothing.
 * So a report far in the future costs no audit.
 */
export function lastEventOn(cases: readonly CaseFigures[]): string {
  let last = '';
  const see = (d: string | null | undefined) => {
    if (d && d > last) last = d;
  };
  for (const c of cases) {
    see(c.referredOn);
    see(c.activeOn);
    see(c.closure?.on);
    for (const r of c.reviews) see(r.on);
    for (const r of c.renewals) see(r.on);
    for (const a of c.actions) see(a.startsOn);
  }
  return last;
}

/** The hidden cells of `p`, computed along the chain (each earlier period from the cache when its figures are the same). */
export async function protectPeriod(cases: readonly CaseFigures[], p: Period, cache: PatternCache = PATTERNS, recordedMeetings?: ReadonlySet<IsoDate>): Promise<ProtectedPeriod> {
  const chain = chainFor(cases, p);
  const relations: Relation[] = [];
  const published = startZeros(chain[0]);
  const truth = new Map<string, number>();
  const earlierHidden: string[] = [];
  const segmentsDone = new Set<string>();
  const pendingSegments: Array<['A' | 'B', number]> = [];
  const hash = createHash('sha256');
  let audited = 0;
  let last: { tally: Tally; hidden: Map<string, SuppressionReason> } | undefined;
  const horizon = lastEventOn(cases);
  for (let i = 0; i < chain.length; i += 1) {
    const period = chain[i];
    const prefix = periodKey(period);
    if (last && i > 0 && chain[i - 1].from > horizon) {
      // nothing happens after the last event: this report is the previous one again (same stock, no flow), and so
      // is its pattern — which tells an outsider nothing new (see `lastEventOn`)
      const before = `${periodKey(chain[i - 1])}|`;
      last = { tally: last.tally, hidden: new Map([...last.hidden].map(([k, r]) => [`${prefix}|${k.slice(before.length)}`, r])) };
      continue;
    }
    const t = tally(cases, period, recordedMeetings);
    const cells = reportCells(prefix, t);
    const freshFrom = relations.length;
    relations.push(...reportRelations(period, chain[i - 1]));
    for (const [n, y] of segmentsOf(period)) {
      const s = `${n}${y}`;
      if (segmentsDone.has(s) || published.has(id(s, FLOW_CODES[0], 'total'))) continue;
      segmentsDone.add(s);
      pendingSegments.push([n, y]);
    }
    for (const [cid, c] of cells) truth.set(cid, c.value);
    hash.update(`${prefix}:${[...cells.values()].map((c) => `${c.value}/${c.children}`).join(',')};`);
    const key = `${prefix}#${hash.copy().digest('base64')}`;
    let hidden = cache.get(key);
    if (!hidden) {
      // the true sub-period figures only speed the audit up: counted when an audit is needed
      for (const [n, y] of pendingSegments.splice(0)) {
        const st = rawCells(tally(cases, segment(n, y), recordedMeetings));
        for (const code of FLOW_CODES) for (const key of allCellKeys()) truth.set(id(`${n}${y}`, code, key), st.get(`${code}|${key}`)?.value ?? 0);
      }
      ageingTruth(truth, published, period, chain[i - 1]);
      hidden = await protectedPattern({ cells, published, earlierHidden, relations, freshFrom, truth });
      cache.set(key, hidden);
      audited += 1;
    }
    for (const [cid, c] of cells) if (!hidden.has(cid)) published.set(cid, c.value);
    earlierHidden.push(...hidden.keys());
    settle(relations, published);
    last = { tally: t, hidden };
  }
  const strip = `${periodKey(p)}|`;
  return { tally: last!.tally, hidden: new Map([...last!.hidden].map(([k, r]) => [k.slice(strip.length), r])), audited, chain };
}

/**
 * The published report of `p`: counts with the audited pattern of hidden cells, medians, meetings, the funding year.
 * `recordedMeetings`: the dates of the recorded EPS meetings (see `tally`).
 */
export async function buildReport(
  cases: readonly CaseFigures[],
  p: Period,
  funding: FundingFigures,
  cache: PatternCache = PATTERNS,
  recordedMeetings?: ReadonlySet<IsoDate>,
): Promise<IndicatorsReport> {
  const { tally: t, hidden } = await protectPeriod(cases, p, cache, recordedMeetings);
  // the period's own meetings, also when its tally is an earlier one's (no case event since: see `protectPeriod`)
  const meetings = recordedMeetings ? new Set([...recordedMeetings].filter((d) => d >= p.from && d <= p.to)) : t.meetings;
  return renderReport({ ...t, meetings }, p, funding, hidden);
}

/**
 * Everything an outsider knows once the chain up to `p` is published, for an audit from the published reports
 * alone (tests, checks): the relations, and the published values of the chain's reports. `reports` maps each
 * period of the chain to its published cells (`<code>|<cellKey>` → a number, or absent when hidden).
 */
export function outsiderSystem(chain: readonly Period[], reports: ReadonlyMap<string, ReadonlyMap<string, number>>): { known: Map<string, number>; relations: Relation[] } {
  const known = startZeros(chain[0]);
  const relations: Relation[] = [];
  chain.forEach((period, i) => {
    relations.push(...reportRelations(period, chain[i - 1]));
    for (const [k, v] of reports.get(periodKey(period)) ?? []) known.set(`${periodKey(period)}|${k}`, v);
  });
  return { known, relations };
}
