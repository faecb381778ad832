/**
 * The yearly indicators (DOMAIN.md §4) computed from the anonymised figures of every case (`CaseFigures`, kept by
 * each parcours workflow in its memo) and the funding year's amounts. Pure: same input, same report.
 *
 * Definitions (each count is a number of cases, i.e. of children; every date is a business date):
 * - Period: `civil` year N = 1 January N → 31 December N; `school` year N = 1 September N-1 → 31 August N (the
 *   school year that ENDS in N: `year=2025&period=school` is 2024-2025). Snapshot date: the period's last day.
 * - Everything is "as at the end of the period": an event dated after it does not count, so the report of a past
 *   period does not change when later events are recorded.
 * - Referrals: cases referred in the period. Outcome at the end of the period: `ineligible` (closed at the
 *   eligibility check) or `eligible` (eligible, or admitted by a coordinator's derogation); an eligible referral is
 *   then exactly one of: `validated` / `redirected` / `refused` (the EPS's first decision other than MORE_INFO),
 *   `noConsent` (closed NO_CONSENT: refusal or no agreement in time), `closedBeforeDecision` (closed for another
 *   reason before any EPS decision), `pending` (still awaiting consent or the EPS).
 * - Active on the snapshot date: validated on or before it and not closed on or before it (a case closed on
 *   31 December is no longer active on that day); a suspended parcours is still active.
 * - Entries: parcours validated (entering ACTIVE) in the period. Exits: parcours that had been active and closed
 *   in the period, in total and by closure reason. Hence active(previous snapshot) + entries − exits = active(snapshot).
 * - Median delay referral → EPS decision: over cases whose first EPS decision other than MORE_INFO falls in the
 *   period. Median length of closed parcours: validation → closure, over the period's exits. In days; the median of
 *   an even number of cases is the mean of the two middle ones. Hidden (`<5`) under 5 cases, null with none.
 * - Actions by type: actions that start in the period, except cancelled ones and ones stopped (consent withdrawn,
 *   case closed) before they started. A cell is hidden when fewer than 5 children stand behind it.
 * - EPS: meetings held = the EPS meetings recorded (`POST /team-meetings`, src/team-meetings/) whose date is in the
 *   period, whether or not a case was decided at them (a number of meetings, not of children: total only, never
 *   hidden); cases examined = cases with at least one EPS decision or renewal in the period dated on a recorded
 *   meeting. Without meeting records (a pure caller: benches, tests), the distinct dates of the decisions and
 *   renewals stand for the meetings.
 * - Subsidy of the funding (civil) year `year`, whatever the period: granted, received, reported spent (integer
 *   cents; spent is null until a financial report is submitted). Amounts about the CCAS, not children: total only.
 * - Breakdowns: QPV of residence at the referral, age band on the referral date (0–1 is kept for referrals of
 *   children under 2, so that every breakdown adds up to its total), sex.
 * - Secrecy: `secrecy.smallCells` = cells hidden because 1 to 4 children stand behind them (medians under 5 cases
 *   included); `secrecy.protectionCells` = cells hidden on top so that no hidden cell can be narrowed to fewer than
 *   5 values (src/reports/publication.ts). Numbers of cells, total only, never hidden.
 */
import { ACTION_TYPES, CLOSURE_REASONS, QPV_CODES, SEXES, type QpvCode, type Sex } from '../../workflows/parcours/parcours.contract';
import type { CaseFigures } from '../../workflows/parcours/parcours.figures';
import { ACTION_TYPE_LABELS, CLOSURE_LABELS } from '../../workflows/parcours/parcours.labels';
import { AGE_BANDS, type AgeBand } from '../../workflows/parcours/parcours.rules';
import { daysBetween, frDate, type IsoDate } from '../../workflows/shared/calendar';
import { SMALL_CELL_THRESHOLD, SUPPRESSED, type RawCell, type SuppressionReason } from './suppression';

export { SMALL_CELL_THRESHOLD, SUPPRESSED } from './suppression';

/** The two periods of the report. */
export const PERIOD_KINDS = ['civil', 'school'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

/** Supported years (the programme's data starts after 2020; beyond 2100 is a typing error). */
export const MIN_REPORT_YEAR = 2020;
export const MAX_REPORT_YEAR = 2100;

/** A report period: its first and last day and the snapshot date of the "active" figure. */
export interface Period {
  year: number;
  kind: PeriodKind;
  from: IsoDate;
  to: IsoDate;
  snapshotOn: IsoDate;
  /** French, e.g. "année civile 2025", "année scolaire 2024-2025". */
  label: string;
}

/** The period of `year`: civil = January → December; school = September of year-1 → August of year. */
export function periodOf(year: number, kind: PeriodKind): Period {
  if (kind === 'school') {
    return { year, kind, from: `${year - 1}-09-01`, to: `${year}-08-31`, snapshotOn: `${year}-08-31`, label: `année scolaire ${year - 1}-${year}` };
  }
  return { year, kind, from: `${year}-01-01`, to: `${year}-12-31`, snapshotOn: `${year}-12-31`, label: `année civile ${year}` };
}

// ---------------------------------------------------------------------------------------------------------
// Breakdowns and figures
// ---------------------------------------------------------------------------------------------------------

/** The three breakdowns, with their modalities in publication order. */
export const DIMENSIONS = {
  qpv: QPV_CODES,
  ageBand: AGE_BANDS,
  sex: SEXES,
} as const;
export type Dimension = keyof typeof DIMENSIONS;
export const DIMENSION_KEYS: readonly Dimension[] = ['qpv', 'ageBand', 'sex'];

/** Units of the figures. */
export type FigureUnit = 'children' | 'actions' | 'days' | 'meetings' | 'cents' | 'cells';

/** How a figure is computed and shown. */
export interface FigureDef {
  code: string;
  /** French label (may depend on the period, e.g. the snapshot date). */
  label: (p: Period) => string;
  unit: FigureUnit;
  /** count: additive, suppressed; median: hidden under 5 cases; amount: total only, never hidden. */
  kind: 'count' | 'median' | 'amount';
  /** Broken down by QPV, age band and sex. */
  breakdown: boolean;
}

const fixed = (s: string) => () => s;

/** Referral outcomes of an eligible referral (they add up to `referrals.eligible`). */
export const ELIGIBLE_OUTCOMES = ['noConsent', 'validated', 'redirected', 'refused', 'closedBeforeDecision', 'pending'] as const;
export type EligibleOutcome = (typeof ELIGIBLE_OUTCOMES)[number];

const OUTCOME_LABELS: Record<EligibleOutcome, string> = {
  noConsent: 'Orientations éligibles closes sans consentement de la famille',
  validated: "Orientations validées par l'EPS",
  redirected: "Orientations réorientées vers le droit commun par l'EPS",
  refused: "Orientations refusées par l'EPS",
  closedBeforeDecision: "Orientations éligibles closes avant décision de l'EPS (autre motif)",
  pending: "Orientations en attente (consentement ou EPS) en fin de période",
};

/** Every figure of the report, in publication order. */
export const FIGURES: readonly FigureDef[] = [
  { code: 'referrals.received', label: fixed('Orientations reçues'), unit: 'children', kind: 'count', breakdown: true },
  { code: 'referrals.ineligible', label: fixed('Orientations non éligibles'), unit: 'children', kind: 'count', breakdown: true },
  { code: 'referrals.eligible', label: fixed('Orientations éligibles (dont dérogations)'), unit: 'children', kind: 'count', breakdown: true },
  ...ELIGIBLE_OUTCOMES.map((o): FigureDef => ({ code: `referrals.${o}`, label: fixed(OUTCOME_LABELS[o]), unit: 'children', kind: 'count', breakdown: true })),
  { code: 'active.onSnapshot', label: (p) => `Enfants en parcours actif au ${frDate(p.snapshotOn)}`, unit: 'children', kind: 'count', breakdown: true },
  { code: 'entries', label: fixed('Entrées en parcours actif'), unit: 'children', kind: 'count', breakdown: true },
  { code: 'exits', label: fixed('Sorties de parcours actif'), unit: 'children', kind: 'count', breakdown: true },
  ...CLOSURE_REASONS.map((r): FigureDef => ({ code: `exits.${r}`, label: fixed(`Sorties : ${CLOSURE_LABELS[r].exit}`), unit: 'children', kind: 'count', breakdown: true })),
  { code: 'median.referralToDecisionDays', label: fixed("Délai médian entre l'orientation et la décision de l'EPS (jours)"), unit: 'days', kind: 'median', breakdown: true },
  { code: 'median.closedParcoursDays', label: fixed('Durée médiane des parcours clos (jours)'), unit: 'days', kind: 'median', breakdown: true },
  { code: 'actions.total', label: fixed('Actions engagées'), unit: 'actions', kind: 'count', breakdown: true },
  ...ACTION_TYPES.map((t): FigureDef => ({ code: `actions.${t}`, label: fixed(`Actions : ${ACTION_TYPE_LABELS[t]}`), unit: 'actions', kind: 'count', breakdown: true })),
  { code: 'eps.meetings', label: fixed("Réunions de l'EPS tenues"), unit: 'meetings', kind: 'amount', breakdown: false },
  { code: 'eps.casesExamined', label: fixed("Dossiers examinés en EPS"), unit: 'children', kind: 'count', breakdown: true },
  { code: 'subsidy.grantedCents', label: (p) => `Subvention accordée (année de convention ${p.year})`, unit: 'cents', kind: 'amount', breakdown: false },
  { code: 'subsidy.receivedCents', label: (p) => `Subvention reçue (année de convention ${p.year})`, unit: 'cents', kind: 'amount', breakdown: false },
  { code: 'subsidy.spentCents', label: (p) => `Dépenses déclarées au compte rendu financier (année de convention ${p.year})`, unit: 'cents', kind: 'amount', breakdown: false },
  { code: 'secrecy.smallCells', label: fixed('Cellules masquées (moins de 5 enfants)'), unit: 'cells', kind: 'amount', breakdown: false },
  { code: 'secrecy.protectionCells', label: fixed('Cellules masquées en plus pour protéger les précédentes'), unit: 'cells', kind: 'amount', breakdown: false },
];

/** Additive relations between figures, applied cell by cell (total and every modality). */
export const FIGURE_FAMILIES: ReadonlyArray<{ total: string; parts: string[] }> = [
  { total: 'referrals.received', parts: ['referrals.eligible', 'referrals.ineligible'] },
  { total: 'referrals.eligible', parts: ELIGIBLE_OUTCOMES.map((o) => `referrals.${o}`) },
  { total: 'exits', parts: CLOSURE_REASONS.map((r) => `exits.${r}`) },
  { total: 'actions.total', parts: ACTION_TYPES.map((t) => `actions.${t}`) },
];

// ---------------------------------------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------------------------------------

/** A published value: a number, `<5` (hidden), or null (a median without any case, an amount not reported yet). */
export type CellValue = number | typeof SUPPRESSED | null;

/** One figure with its total and, when broken down, its cells by QPV, age band and sex. */
export interface FigureReport {
  code: string;
  label: string;
  unit: FigureUnit;
  total: CellValue;
  byQpv?: Record<QpvCode, CellValue>;
  byAgeBand?: Record<AgeBand, CellValue>;
  bySex?: Record<Sex, CellValue>;
}

/** The funding year's amounts (integer cents), summed over the conventions that fund that year. */
export interface FundingFigures {
  conventions: string[];
  grantedCents: number;
  receivedCents: number;
  /** Null until a financial report is submitted for the year. */
  spentCents: number | null;
}

/** `GET /reports/indicators`. */
export interface IndicatorsReport {
  year: number;
  period: PeriodKind;
  periodLabel: string;
  from: IsoDate;
  to: IsoDate;
  snapshotOn: IsoDate;
  /** The funding (civil) year of the subsidy figures. */
  fundingYear: number;
  /** References of the conventions funding that year. */
  conventions: string[];
  smallCellThreshold: number;
  suppressedMarker: typeof SUPPRESSED;
  figures: FigureReport[];
}

/** The cell key of a modality (`total`, `qpv:GRESILLES`, `ageBand:6-10`, `sex:F`). */
export function cellKey(dim: Dimension | 'total', modality?: string): string {
  return dim === 'total' ? 'total' : `${dim}:${modality}`;
}

const BREAKDOWN_FIELDS: Record<Dimension, 'byQpv' | 'byAgeBand' | 'bySex'> = { qpv: 'byQpv', ageBand: 'byAgeBand', sex: 'bySex' };

/** True when a case can be counted in every breakdown (a memo is data from the past: check it). */
export function isCountable(f: CaseFigures): boolean {
  const bands = AGE_BANDS as readonly string[];
  return bands.includes(f.ageBand) && (f.ageBands ?? []).every((c) => bands.includes(c.band)) && (SEXES as readonly string[]).includes(f.sex);
}

/**
 * The case's age band on `date`: the referral's band, then each later band from the month its birthday falls in
 * (`workflows/parcours/parcours.figures.ts#ageBandChanges`). Every figure counts a child in the band of the date it is
 * about: the referral, the entry, the exit, the snapshot, the action's start, the EPS meeting.
 */
export function ageBandOn(f: CaseFigures, date: IsoDate): AgeBand {
  let band = f.ageBand;
  for (const c of f.ageBands ?? []) if (c.from <= date) band = c.band;
  return band;
}

function qpvOf(f: CaseFigures): QpvCode {
  return (QPV_CODES as readonly string[]).includes(f.qpv) ? (f.qpv as QpvCode) : 'OTHER';
}

/** The cell keys a case counts in on `date`: the total and one modality of each breakdown (the age band of that day). */
function keysOf(f: CaseFigures, date: IsoDate): string[] {
  return ['total', cellKey('qpv', qpvOf(f)), cellKey('ageBand', date === f.referredOn ? f.ageBand : ageBandOn(f, date)), cellKey('sex', f.sex)];
}

/** What the first decision of the EPS other than MORE_INFO is, if taken on or before `end`. */
function finalDecision(f: CaseFigures, end: IsoDate): { on: IsoDate; decision: string } | null {
  const d = f.reviews.find((r) => r.decision !== 'MORE_INFO');
  return d && d.on <= end ? d : null;
}

/** The outcome at `end` of an eligible referral. */
export function eligibleOutcome(f: CaseFigures, end: IsoDate): EligibleOutcome {
  const decision = finalDecision(f, end);
  if (decision) return decision.decision === 'VALIDATED' ? 'validated' : decision.decision === 'REDIRECTED' ? 'redirected' : 'refused';
  if (f.closure && f.closure.on <= end) return f.closure.reason === 'NO_CONSENT' ? 'noConsent' : 'closedBeforeDecision';
  return 'pending';
}

/** Counts per figure and cell, with the children behind each cell, plus the medians' samples. */
export interface Tally {
  counts: Map<string, Map<string, { value: number; children: Set<number> }>>;
  samples: Map<string, Map<string, number[]>>;
  meetings: Set<IsoDate>;
}

/**
 * Counts every figure of the period over the cases (no suppression). Cases that are not countable are skipped.
 * `recordedMeetings`: the dates of the EPS meetings recorded (any period); absent, the cases' EPS dates stand for them.
 */
export function tally(cases: readonly CaseFigures[], p: Period, recordedMeetings?: ReadonlySet<IsoDate>): Tally {
  const t: Tally = { counts: new Map(), samples: new Map(), meetings: new Set() };
  const inPeriod = (d: IsoDate | undefined | null): d is IsoDate => !!d && d >= p.from && d <= p.to;
  for (const d of recordedMeetings ?? []) if (inPeriod(d)) t.meetings.add(d);
  const atMeeting = (d: IsoDate): boolean => !recordedMeetings || recordedMeetings.has(d);
  cases.forEach((f, i) => {
    if (!isCountable(f)) return;
    const count = (code: string, on: IsoDate, n = 1) => {
      const keys = keysOf(f, on);
      let byCell = t.counts.get(code);
      if (!byCell) t.counts.set(code, (byCell = new Map()));
      for (const k of keys) {
        let c = byCell.get(k);
        if (!c) byCell.set(k, (c = { value: 0, children: new Set() }));
        c.value += n;
        c.children.add(i);
      }
    };
    const sample = (code: string, on: IsoDate, days: number) => {
      const keys = keysOf(f, on);
      let byCell = t.samples.get(code);
      if (!byCell) t.samples.set(code, (byCell = new Map()));
      for (const k of keys) {
        const list = byCell.get(k) ?? [];
        list.push(days);
        byCell.set(k, list);
      }
    };

    if (inPeriod(f.referredOn)) {
      count('referrals.received', f.referredOn);
      if (f.eligibility === 'INELIGIBLE') count('referrals.ineligible', f.referredOn);
      else {
        count('referrals.eligible', f.referredOn);
        count(`referrals.${eligibleOutcome(f, p.to)}`, f.referredOn);
      }
    }
    if (f.activeOn && f.activeOn <= p.snapshotOn && !(f.closure && f.closure.on <= p.snapshotOn)) count('active.onSnapshot', p.snapshotOn);
    if (inPeriod(f.activeOn)) count('entries', f.activeOn);
    if (f.activeOn && f.closure && inPeriod(f.closure.on)) {
      count('exits', f.closure.on);
      count(`exits.${f.closure.reason}`, f.closure.on);
      sample('median.closedParcoursDays', f.closure.on, daysBetween(f.activeOn, f.closure.on));
    }
    const decision = f.reviews.find((r) => r.decision !== 'MORE_INFO');
    if (decision && inPeriod(decision.on)) sample('median.referralToDecisionDays', decision.on, daysBetween(f.referredOn, decision.on));
    for (const a of f.actions) {
      if (!inPeriod(a.startsOn) || a.status === 'CANCELLED') continue;
      if (a.status === 'STOPPED' && a.statusOn && a.statusOn < a.startsOn) continue;
      count('actions.total', a.startsOn);
      count(`actions.${a.type}`, a.startsOn);
    }
    const epsDates = [...f.reviews.map((r) => r.on), ...f.renewals.map((r) => r.on)].filter(inPeriod).filter(atMeeting);
    if (!recordedMeetings) for (const d of epsDates) t.meetings.add(d);
    // a case examined several times in the period counts once, in its band on the first meeting of the period
    if (epsDates.length > 0) count('eps.casesExamined', epsDates.reduce((a, b) => (a < b ? a : b)));
  });
  return t;
}

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Every cell key of a broken-down figure, in publication order. */
export function allCellKeys(): string[] {
  return ['total', ...DIMENSION_KEYS.flatMap((d) => DIMENSIONS[d].map((m) => cellKey(d, m)))];
}

/** The raw cells of a tally (id `<code>|<cellKey>`), before any suppression. */
export function rawCells(t: Tally): Map<string, RawCell> {
  const raw = new Map<string, RawCell>();
  for (const [code, byCell] of t.counts) for (const [key, c] of byCell) raw.set(`${code}|${key}`, { value: c.value, children: c.children.size });
  return raw;
}

/**
 * The published report of a tally, given the hidden count cells (`<code>|<cellKey>` → why; computed and audited by
 * src/reports/publication.ts#buildReport): counts, medians (hidden under 5 cases), EPS meetings, the funding year, and
 * how many cells are hidden, small or for protection.
 */
export function renderReport(t: Tally, p: Period, funding: FundingFigures, hidden: ReadonlyMap<string, SuppressionReason>): IndicatorsReport {
  const raw = rawCells(t);
  let smallMedians = 0;
  for (const def of FIGURES) {
    if (def.kind !== 'median') continue;
    for (const list of t.samples.get(def.code)?.values() ?? []) if (list.length > 0 && list.length < SMALL_CELL_THRESHOLD) smallMedians += 1;
  }
  const reasons = [...hidden.values()];

  const countCell = (code: string, key: string): CellValue => {
    const id = `${code}|${key}`;
    return hidden.has(id) ? SUPPRESSED : (raw.get(id)?.value ?? 0);
  };
  const medianCell = (code: string, key: string): CellValue => {
    const list = t.samples.get(code)?.get(key) ?? [];
    if (list.length === 0) return null;
    return list.length < SMALL_CELL_THRESHOLD ? SUPPRESSED : median(list);
  };
  const amount = (code: string): CellValue => {
    switch (code) {
      case 'eps.meetings':
        return t.meetings.size;
      case 'subsidy.grantedCents':
        return funding.grantedCents;
      case 'subsidy.receivedCents':
        return funding.receivedCents;
      case 'subsidy.spentCents':
        return funding.spentCents;
      case 'secrecy.smallCells':
        return reasons.filter((r) => r === 'primary').length + smallMedians;
      case 'secrecy.protectionCells':
        return reasons.filter((r) => r === 'secondary').length;
      default:
        return null;
    }
  };

  const figures = FIGURES.map((def): FigureReport => {
    const cell = (key: string): CellValue => (def.kind === 'median' ? medianCell(def.code, key) : def.kind === 'count' ? countCell(def.code, key) : amount(def.code));
    const out: FigureReport = { code: def.code, label: def.label(p), unit: def.unit, total: cell('total') };
    if (def.breakdown) {
      for (const d of DIMENSION_KEYS) {
        (out as unknown as Record<string, Record<string, CellValue>>)[BREAKDOWN_FIELDS[d]] = Object.fromEntries(DIMENSIONS[d].map((m) => [m, cell(cellKey(d, m))]));
      }
    }
    return out;
  });

  return {
    year: p.year,
    period: p.kind,
    periodLabel: p.label,
    from: p.from,
    to: p.to,
    snapshotOn: p.snapshotOn,
    fundingYear: p.year,
    conventions: [...funding.conventions].sort(),
    smallCellThreshold: SMALL_CELL_THRESHOLD,
    suppressedMarker: SUPPRESSED,
    figures,
  };
}

/** The cells of a figure as (dimension, modality, value) rows, total first: what the CSV has one row each for. */
export function cellsOf(f: FigureReport): Array<{ dimension: Dimension | 'total'; modality: string | null; value: CellValue }> {
  const rows: Array<{ dimension: Dimension | 'total'; modality: string | null; value: CellValue }> = [{ dimension: 'total', modality: null, value: f.total }];
  for (const d of DIMENSION_KEYS) {
    const by = f[BREAKDOWN_FIELDS[d]] as Record<string, CellValue> | undefined;
    if (!by) continue;
    for (const m of DIMENSIONS[d]) rows.push({ dimension: d, modality: m, value: by[m] });
  }
  return rows;
}
