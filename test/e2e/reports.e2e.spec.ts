/**
 * `GET /reports/indicators` over a generated population of 300+ cases across 2024 and 2025, built through the real
 * parcours workflow (backdated business dates), against the real API, worker and dev server. The expected figures
 * are computed here from the generation plan — what each case's fate makes the report see — without the report's
 * counting code: every figure the report shows must equal them, and every cell behind which 1 to 4 children stand
 * must be hidden. Which other cells are hidden is the audit's business: the published reports of the whole chain
 * (school and civil years 2024 and 2025), read from the API's JSON alone, must leave no hidden cell narrowed below
 * 5 values (test/support/published-audit.ts).
 */
import { ACTION_TYPES, CLOSURE_REASONS, QPV_CODES, SEXES } from '../../workflows/parcours/parcours.contract';
import { AGE_BANDS, ageBandOf, ageOn } from '../../workflows/parcours/parcours.rules';
import { periodOf, type IndicatorsReport } from '../../src/reports/indicators';
import { ReportsService, type IndicatorsSourceStats } from '../../src/reports/reports.service';
import type { RawCell } from '../../src/reports/suppression';
import { auditPublished, narrowed } from '../support/published-audit';
import {
  AWARD_NOTICE,
  BENEFICIARY_SIGNATURE,
  CONVENTION,
  FINANCIAL_REPORT_ACCEPTED,
  FINANCIAL_REPORT_SUBMITTED,
  PAYMENT,
  PUBLICATION,
  SEED_SESSION,
  STATE_SIGNATURE,
  TRANSMISSION,
} from '../support/api-examples';
import { buildPopulation, E2E_MIX, FATES, planPopulation, type ExpectedCase, type PlannedCase } from '../support/indicators-population';
import { eventually, startTestApp, type TestApp } from '../support/app';
import { ensureMeeting } from '../support/team-meetings';
import { QPV_LABELS, ageBandLabel } from '../../workflows/parcours/parcours.labels';
import { addDays, addMonths, daysBetween, type IsoDate } from '../../workflows/shared/calendar';

type Cell = number | string | null;
interface FigureValues {
  total: Cell;
  byQpv?: Record<string, Cell>;
  byAgeBand?: Record<string, Cell>;
  bySex?: Record<string, Cell>;
}
interface ReportBody {
  year: number;
  period: string;
  periodLabel: string;
  from: string;
  to: string;
  snapshotOn: string;
  fundingYear: number;
  conventions: string[];
  figures: Array<FigureValues & { code: string; label: string; unit: string }>;
}

// ---------------------------------------------------------------------------------------------------------
// The expected report, from the plan
// ---------------------------------------------------------------------------------------------------------

const OUTCOME_CODES = ['noConsent', 'validated', 'redirected', 'refused', 'closedBeforeDecision', 'pending'];

/** Every code of the report, in order, with how it is shown (count / median / total-only value / cells hidden). */
const CODES: Array<[string, 'count' | 'median' | 'value' | 'secrecy']> = [
  ['referrals.received', 'count'],
  ['referrals.ineligible', 'count'],
  ['referrals.eligible', 'count'],
  ...OUTCOME_CODES.map((o): [string, 'count'] => [`referrals.${o}`, 'count']),
  ['active.onSnapshot', 'count'],
  ['entries', 'count'],
  ['exits', 'count'],
  ...CLOSURE_REASONS.map((r): [string, 'count'] => [`exits.${r}`, 'count']),
  ['median.referralToDecisionDays', 'median'],
  ['median.closedParcoursDays', 'median'],
  ['actions.total', 'count'],
  ...ACTION_TYPES.map((t): [string, 'count'] => [`actions.${t}`, 'count']),
  ['eps.meetings', 'value'],
  ['eps.casesExamined', 'count'],
  ['subsidy.grantedCents', 'value'],
  ['subsidy.receivedCents', 'value'],
  ['subsidy.spentCents', 'value'],
  ['secrecy.smallCells', 'secrecy'],
  ['secrecy.protectionCells', 'secrecy'],
];


/**
 * The age band a figure about `date` counts a child in: the referral's band on the referral date, then the band the
 * child is in at the end of the month (a band begins with the month of its birthday: the figures hold no birth date).
 */
function bandOn(c: ExpectedCase, date: IsoDate): string {
  if (date <= c.referredOn) return c.ageBand;
  const monthEnd = addDays(addMonths(`${date.slice(0, 7)}-01`, 1), -1);
  return ageBandOf(ageOn(c.birthDate, monthEnd));
}

/** What a period must show, counted case by case from what the generator decided. */
function expectedCounts(cases: readonly ExpectedCase[], from: IsoDate, to: IsoDate, snapshot: IsoDate) {
  const counts = new Map<string, RawCell>();
  const children = new Map<string, Set<number>>();
  const samples = new Map<string, number[]>();
  const meetings = new Set<IsoDate>();
  const within = (d: IsoDate | null | undefined) => !!d && from <= d && d <= to;
  cases.forEach((c, i) => {
    const cellsOn = (date: IsoDate) => ['total', `qpv:${c.qpv}`, `ageBand:${bandOn(c, date)}`, `sex:${c.sex}`];
    const add = (code: string, date: IsoDate) => {
      for (const k of cellsOn(date)) {
        const id = `${code}|${k}`;
        const seen = children.get(id) ?? new Set<number>();
        seen.add(i);
        children.set(id, seen);
        const cell = counts.get(id) ?? { value: 0, children: 0 };
        cell.value += 1;
        cell.children = seen.size;
        counts.set(id, cell);
      }
    };
    const sample = (code: string, date: IsoDate, days: number) => {
      for (const k of cellsOn(date)) samples.set(`${code}|${k}`, [...(samples.get(`${code}|${k}`) ?? []), days]);
    };
    const decision = c.reviews.find((r) => r.decision !== 'MORE_INFO') ?? null;
    const closedBy = (d: IsoDate) => c.closure !== null && c.closure.on <= d;

    const r = c.referredOn;
    if (within(r)) {
      add('referrals.received', r);
      if (c.ineligible) add('referrals.ineligible', r);
      else {
        add('referrals.eligible', r);
        if (decision && decision.on <= to) add(`referrals.${decision.decision === 'VALIDATED' ? 'validated' : decision.decision === 'REDIRECTED' ? 'redirected' : 'refused'}`, r);
        else if (closedBy(to)) add(c.closure!.reason === 'NO_CONSENT' ? 'referrals.noConsent' : 'referrals.closedBeforeDecision', r);
        else add('referrals.pending', r);
      }
    }
    if (c.activeOn && c.activeOn <= snapshot && !closedBy(snapshot)) add('active.onSnapshot', snapshot);
    if (within(c.activeOn)) add('entries', c.activeOn!);
    if (c.activeOn && c.closure && within(c.closure.on)) {
      add('exits', c.closure.on);
      add(`exits.${c.closure.reason}`, c.closure.on);
      sample('median.closedParcoursDays', c.closure.on, daysBetween(c.activeOn, c.closure.on));
    }
    if (decision && within(decision.on)) sample('median.referralToDecisionDays', decision.on, daysBetween(c.referredOn, decision.on));
    for (const a of c.actions) {
      if (!within(a.startsOn) || a.status === 'CANCELLED' || (a.status === 'STOPPED' && a.statusOn! < a.startsOn)) continue;
      add('actions.total', a.startsOn);
      add(`actions.${a.type}`, a.startsOn);
    }
    const eps = [...c.reviews.map((x) => x.on), ...c.renewals].filter(within);
    eps.forEach((d) => meetings.add(d));
    if (eps.length > 0) add('eps.casesExamined', eps.reduce((a, b) => (a < b ? a : b)));
  });
  return { counts, samples, meetings };
}

function medianOf(list: number[]): number {
  const s = [...list].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The funding year's amounts the convention of the test records. */
interface ExpectedFunding {
  grantedCents: number;
  receivedCents: number;
  spentCents: number | null;
}

/** The expected report before suppression: every count, median (hidden under 5 cases) and amount, and the small cells. */
function expectedReport(cases: readonly ExpectedCase[], from: IsoDate, to: IsoDate, snapshot: IsoDate, funding: ExpectedFunding): { values: Record<string, FigureValues>; small: Set<string> } {
  const { counts, samples, meetings } = expectedCounts(cases, from, to, snapshot);
  const small = new Set([...counts].filter(([, c]) => c.children > 0 && c.children < 5).map(([id]) => id));
  const out: Record<string, FigureValues> = {};
  for (const [code, kind] of CODES) {
    if (kind === 'secrecy') continue;
    const cell = (key: string): Cell => {
      const id = `${code}|${key}`;
      if (kind === 'median') {
        const list = samples.get(id) ?? [];
        return list.length === 0 ? null : list.length < 5 ? '<5' : medianOf(list);
      }
      return counts.get(id)?.value ?? 0;
    };
    if (kind === 'value') {
      const amounts: Record<string, number | null> = {
        'eps.meetings': meetings.size,
        'subsidy.grantedCents': funding.grantedCents,
        'subsidy.receivedCents': funding.receivedCents,
        'subsidy.spentCents': funding.spentCents,
      };
      out[code] = { total: amounts[code] };
      continue;
    }
    out[code] = {
      total: cell('total'),
      byQpv: Object.fromEntries(QPV_CODES.map((q) => [q, cell(`qpv:${q}`)])),
      byAgeBand: Object.fromEntries(AGE_BANDS.map((a) => [a, cell(`ageBand:${a}`)])),
      bySex: Object.fromEntries(SEXES.map((s) => [s, cell(`sex:${s}`)])),
    };
  }
  return { values: out, small };
}

/** Each cell of a figure with its key (`total`, `qpv:…`, `ageBand:…`, `sex:…`). */
function keyedCells(f: FigureValues): Array<[string, Cell]> {
  return [
    ['total', f.total],
    ...Object.entries(f.byQpv ?? {}).map(([m, v]): [string, Cell] => [`qpv:${m}`, v]),
    ...Object.entries(f.byAgeBand ?? {}).map(([m, v]): [string, Cell] => [`ageBand:${m}`, v]),
    ...Object.entries(f.bySex ?? {}).map(([m, v]): [string, Cell] => [`sex:${m}`, v]),
  ];
}

/**
 * What a published report gets wrong against the expected one: a shown figure that differs, a small cell shown, a
 * median or amount that differs, a missing or extra figure, or hidden-cell counts that do not match the `<5` shown.
 */
function differences(body: ReportBody, expected: { values: Record<string, FigureValues>; small: Set<string> }): string[] {
  const out: string[] = [];
  const got = valuesOf(body);
  if (JSON.stringify(Object.keys(got)) !== JSON.stringify(CODES.map(([c]) => c))) out.push(`codes: ${Object.keys(got).join(',')}`);
  let hiddenCounts = 0;
  let hiddenMedians = 0;
  for (const [code, kind] of CODES) {
    if (kind === 'secrecy' || !got[code]) continue;
    const want = new Map(keyedCells(expected.values[code]));
    const cells = keyedCells(got[code]);
    if (cells.length !== want.size) out.push(`${code}: ${cells.length} cells`);
    for (const [key, v] of cells) {
      const e = want.get(key);
      if (kind === 'count' && v === '<5') hiddenCounts += 1;
      else if (kind === 'count' && expected.small.has(`${code}|${key}`)) out.push(`${code}|${key}: small cell shown (${v})`);
      else if (v !== e) out.push(`${code}|${key}: ${v} instead of ${e}`);
      if (kind === 'median' && v === '<5') hiddenMedians += 1;
    }
  }
  const small = got['secrecy.smallCells']?.total;
  const protection = got['secrecy.protectionCells']?.total;
  if (typeof small !== 'number' || typeof protection !== 'number' || small + protection !== hiddenCounts + hiddenMedians) out.push(`secrecy: ${small} + ${protection} for ${hiddenCounts + hiddenMedians} hidden`);
  return out;
}

/** The values of a report body, keyed by code. */
function valuesOf(body: ReportBody): Record<string, FigureValues> {
  return Object.fromEntries(
    body.figures.map((f) => [f.code, { total: f.total, ...(f.byQpv ? { byQpv: f.byQpv, byAgeBand: f.byAgeBand, bySex: f.bySex } : {}) }]),
  );
}

// ---------------------------------------------------------------------------------------------------------
// The CSV, read as a spreadsheet would
// ---------------------------------------------------------------------------------------------------------

const VENTILATIONS: Record<string, string> = { total: 'ensemble', qpv: 'QPV', ageBand: "tranche d'âge", sex: 'sexe' };
const SEX_LABELS: Record<string, string> = { F: 'filles', M: 'garçons' };

function modality(dim: string, m: string): string {
  return dim === 'total' ? 'ensemble' : dim === 'qpv' ? QPV_LABELS[m as keyof typeof QPV_LABELS] : dim === 'ageBand' ? ageBandLabel(m as (typeof AGE_BANDS)[number]) : SEX_LABELS[m];
}

function frenchValue(v: Cell, unit: string): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (unit === 'cents') return (v / 100).toFixed(2).replace('.', ',');
  return String(v).replace('.', ',');
}

/** The rows the CSV must hold for a JSON report: [code, ventilation, modalité, valeur]. */
function expectedCsvRows(body: ReportBody): string[][] {
  const rows: string[][] = [];
  for (const f of body.figures) {
    rows.push([f.code, 'ensemble', 'ensemble', frenchValue(f.total, f.unit)]);
    for (const [dim, by] of [['qpv', f.byQpv], ['ageBand', f.byAgeBand], ['sex', f.bySex]] as const) {
      if (!by) continue;
      for (const [m, v] of Object.entries(by)) rows.push([f.code, VENTILATIONS[dim], modality(dim, m), frenchValue(v, f.unit)]);
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------------

/** A funding convention 2024–2026 through the API (API.md example bodies): 2024 fully paid and reported, 2025 half paid. */
async function fundConvention(t: TestApp, finance: string, reference: string): Promise<void> {
  const post = async (path: string, body: object) => {
    const res = await t.http().post(path).set('Authorization', `Bearer ${finance}`).send(body);
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res;
  };
  const base = `/conventions/${reference}`;
  await post('/conventions', { ...CONVENTION, reference });
  await post(`${base}/deliberations`, SEED_SESSION);
  await post(`${base}/publication`, PUBLICATION);
  await post(`${base}/transmission`, TRANSMISSION);
  await post(`${base}/signatures`, BENEFICIARY_SIGNATURE);
  await post(`${base}/signatures`, STATE_SIGNATURE);
  for (const year of [2024, 2025]) {
    await eventually(async () => {
      const res = await t.http().get(`${base}/years/${year}`).set('Authorization', `Bearer ${finance}`);
      return res.status === 200 && res.body.stage !== 'NOT_STARTED';
    });
  }
  await post(`${base}/years/2024/request`, { sentOn: '2024-07-15' });
  await post(`${base}/years/2024/payments`, PAYMENT);
  await post(`${base}/years/2024/payments`, { reference: 'VIR-2024-0002', receivedOn: '2024-12-10', amountCents: 10000000 });
  await post(`${base}/years/2024/financial-report`, FINANCIAL_REPORT_SUBMITTED);
  await post(`${base}/years/2024/financial-report`, FINANCIAL_REPORT_ACCEPTED);
  await post(`${base}/years/2025/authorisation`, AWARD_NOTICE);
  await post(`${base}/years/2025/payments`, { reference: 'VIR-2025-0001', receivedOn: '2025-03-15', amountCents: 10000000 });
}

describe('GET /reports/indicators', () => {
  let t: TestApp;
  let plan: PlannedCase[];
  let buildMs = 0;
  let coord: string;
  let fin: string;
  let sup: string;
  const reference = `CPO-IND-${Date.now().toString(36).toUpperCase()}`;
  const FUNDING: Record<number, ExpectedFunding> = {
    2024: { grantedCents: 20000000, receivedCents: 20000000, spentCents: 19850000 },
    2025: { grantedCents: 20000000, receivedCents: 10000000, spentCents: null },
  };
  /** The settled JSON report of each period, read once (the CSV and the small-cell tests reuse it). */
  const bodies = new Map<string, ReportBody>();

  const get = (query: string, token: string, accept = 'application/json') => t.http().get(`/reports/indicators?${query}`).set('Authorization', `Bearer ${token}`).set('Accept', accept);

  /** Polls the report until it shows the expected values (visibility is eventually consistent), then returns it. */
  async function settledReport(year: number, period: 'civil' | 'school', expected: ReturnType<typeof expectedReport>): Promise<ReportBody> {
    let last: ReportBody | undefined;
    try {
      await eventually(async () => {
        const res = await get(`year=${year}&period=${period}`, coord);
        last = res.body as ReportBody;
        return res.status === 200 && differences(last, expected).length === 0;
      }, 30_000, 1000);
    } catch {
      // fall through: the assertion shows the difference
    }
    return last!;
  }

  beforeAll(async () => {
    t = await startTestApp();
    [coord, fin, sup] = await Promise.all([t.token('u-coord-1', 'coordinator'), t.token('u-fin-1', 'finance'), t.token('u-sup-1', 'supervisor')]);
    plan = planPopulation(E2E_MIX, 20251231);
    // the EPS meetings are records (POST /team-meetings): one for each day the population's EPS decided or renewed
    const meetingDays = [...new Set(plan.flatMap((c) => [...c.expected.reviews.map((r) => r.on), ...c.expected.renewals]))].sort();
    const recordMeetings = async () => {
      for (const day of meetingDays) await ensureMeeting(t.http, coord, day);
    };
    const [ms] = await Promise.all([buildPopulation(t.client, t.config.TEMPORAL_TASK_QUEUE, plan, 10), fundConvention(t, fin, reference), recordMeetings()]);
    buildMs = ms;
    // every case visible, in its final state (a closed case is held for its retention, or already purged: both CLOSED)
    const closed = plan.filter((c) => c.expected.closure).length;
    await eventually(async () => {
      const base = `WorkflowType = 'parcoursWorkflow' AND TaskQueue = '${t.config.TEMPORAL_TASK_QUEUE}' AND ExecutionStatus != 'ContinuedAsNew'`;
      const [all, done] = await Promise.all([t.client.workflow.count(base), t.client.workflow.count(`${base} AND PreStage = 'CLOSED'`)]);
      return all.count === plan.length && done.count === closed;
    }, 60_000, 500);
  }, 240_000);

  afterAll(async () => {
    await t?.close();
  });

  it('builds 300+ cases over 2024 and 2025 through the workflow, every stage, closure reason, QPV, age band and sex represented', async () => {
    console.log(`indicators population: ${plan.length} cases built in ${(buildMs / 1000).toFixed(1)} s`);
    expect(plan.length).toBeGreaterThanOrEqual(300);
    expect(new Set(plan.map((c) => c.expected.referredOn.slice(0, 4)))).toEqual(new Set(['2024', '2025']));
    expect(new Set(plan.map((c) => c.fate))).toEqual(new Set(FATES));
    expect(new Set(plan.map((c) => c.expected.closure?.reason).filter(Boolean))).toEqual(new Set(CLOSURE_REASONS));
    expect(new Set(plan.map((c) => c.expected.qpv))).toEqual(new Set(QPV_CODES));
    expect(new Set(plan.map((c) => c.expected.ageBand))).toEqual(new Set(AGE_BANDS));
    expect(new Set(plan.map((c) => c.expected.sex))).toEqual(new Set(SEXES));
    // the resting stages, as the workflows show them (REFERRED lasts until the eligibility check: every case passed it)
    const q = `WorkflowType = 'parcoursWorkflow' AND TaskQueue = '${t.config.TEMPORAL_TASK_QUEUE}' AND ExecutionStatus != 'ContinuedAsNew'`;
    // cases closed more than 24 months ago are already purged (DOMAIN.md §5): the reports below still count them
    const purged = await t.client.workflow.count(`${q} AND PreRetention = 'PURGED'`);
    const held = await t.client.workflow.count(`${q} AND PreRetention = 'HELD'`);
    expect({ purged: purged.count > 0, held: held.count > 0 }).toEqual({ purged: true, held: true });
    for (const stage of ['AWAITING_CONSENT', 'AWAITING_TEAM_REVIEW', 'ACTIVE', 'CLOSED']) {
      const { count } = await t.client.workflow.count(`${q} AND PreStage = '${stage}'`);
      expect({ stage, present: count > 0 }).toEqual({ stage, present: true });
    }
    // some cases continued-as-new after a reassessment: the report reads their latest run only
    const continued = await t.client.workflow.count(`WorkflowType = 'parcoursWorkflow' AND TaskQueue = '${t.config.TEMPORAL_TASK_QUEUE}' AND ExecutionStatus = 'ContinuedAsNew'`);
    expect(continued.count).toBeGreaterThan(0);
  });

  const periods = [
    { year: 2024, period: 'civil' as const, from: '2024-01-01', to: '2024-12-31', snapshot: '2024-12-31', label: 'année civile 2024' },
    { year: 2025, period: 'civil' as const, from: '2025-01-01', to: '2025-12-31', snapshot: '2025-12-31', label: 'année civile 2025' },
    { year: 2025, period: 'school' as const, from: '2024-09-01', to: '2025-08-31', snapshot: '2025-08-31', label: 'année scolaire 2024-2025' },
  ];

  it.each(periods)('$label: every figure the JSON report shows equals the hand-computed one, and every small cell is hidden', async ({ year, period, from, to, snapshot, label }) => {
    const expected = expectedReport(
      plan.map((c) => c.expected),
      from,
      to,
      snapshot,
      FUNDING[year],
    );
    const body = await settledReport(year, period, expected);
    bodies.set(`${year}-${period}`, body);
    expect({ year: body.year, period: body.period, periodLabel: body.periodLabel, from: body.from, to: body.to, snapshotOn: body.snapshotOn, fundingYear: body.fundingYear, conventions: body.conventions }).toEqual({
      year,
      period,
      periodLabel: label,
      from,
      to,
      snapshotOn: snapshot,
      fundingYear: year,
      conventions: [reference],
    });
    expect(differences(body, expected)).toEqual([]);
    // the population is large enough for real figures: the main totals are shown
    for (const code of ['referrals.received', 'referrals.eligible', 'active.onSnapshot', 'entries', 'exits', 'actions.total', 'eps.casesExamined']) {
      expect({ code, total: typeof valuesOf(body)[code].total }).toEqual({ code, total: 'number' });
    }
    const text = JSON.stringify(body);
    expect(plan.filter((c) => text.includes(c.dossierId)).map((c) => c.dossierId)).toEqual([]);
    expect(/Enfant\d/.test(text)).toBe(false);
  });

  it.each(periods)('$label: the CSV has the French header and one row per figure and cell, equal to the JSON', async ({ year, period, label }) => {
    const json = bodies.get(`${year}-${period}`) ?? ((await get(`year=${year}&period=${period}`, coord)).body as ReportBody);
    const res = await get(`year=${year}&period=${period}`, fin, 'text/csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="indicateurs-pre-${period === 'civil' ? `${year}-civile` : `${year - 1}-${year}-scolaire`}.csv"`);
    const text = res.text;
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(text).not.toContain('"');
    const lines = text.slice(1).split('\r\n');
    expect(lines.pop()).toBe('');
    expect(lines[0]).toBe('période;code;indicateur;ventilation;modalité;valeur;unité');
    const rows = lines.slice(1).map((l) => l.split(';'));
    const expected = expectedCsvRows(json);
    expect(rows.length).toBe(expected.length);
    expect(rows.map((r) => [r[1], r[3], r[4], r[5]])).toEqual(expected);
    expect(new Set(rows.map((r) => r[0]))).toEqual(new Set([label]));
    expect(rows.find((r) => r[1] === 'referrals.received' && r[3] === 'ensemble')?.[2]).toBe('Orientations reçues');
    expect(rows.find((r) => r[1] === 'subsidy.grantedCents')?.slice(5)).toEqual(['200000,00', 'euros']);
    expect(plan.filter((c) => text.includes(c.dossierId)).map((c) => c.dossierId)).toEqual([]);
  });

  it('publishes the school and civil years 2024 and 2025 so that no hidden cell of any of them can be narrowed below 5 values', async () => {
    const chain = [periodOf(2024, 'school'), periodOf(2024, 'civil'), periodOf(2025, 'school'), periodOf(2025, 'civil')];
    const reports: ReportBody[] = [];
    for (const p of chain) {
      const expected = expectedReport(
        plan.map((c) => c.expected),
        p.from,
        p.to,
        p.snapshotOn,
        FUNDING[p.year],
      );
      const body = bodies.get(`${p.year}-${p.kind}`) ?? (await settledReport(p.year, p.kind, expected));
      expect({ period: p.label, differences: differences(body, expected) }).toEqual({ period: p.label, differences: [] });
      reports.push(body);
    }
    const started = Date.now();
    const intervals = await auditPublished(chain, reports as unknown as IndicatorsReport[]);
    const secrecy = reports.map((r) => `${r.periodLabel}: ${r.figures.find((f) => f.code === 'secrecy.smallCells')?.total} small, ${r.figures.find((f) => f.code === 'secrecy.protectionCells')?.total} for protection`);
    console.log(`suppression audit of the chain: ${intervals.size} hidden cells in ${Date.now() - started} ms; ${secrecy.join('; ')}`);
    expect(intervals.size).toBeGreaterThan(100);
    expect(narrowed(intervals)).toEqual({});
  });

  it('shows the 3 referrals of 2025 from outside any QPV as <5, hides the next smallest QPV, and keeps the total exact', async () => {
    const cases2025 = plan.filter((c) => c.expected.referredOn.startsWith('2025'));
    const outside = cases2025.filter((c) => c.expected.qpv === 'OTHER').length;
    expect(outside).toBe(3);
    const body = bodies.get('2025-civil') ?? ((await get('year=2025&period=civil', sup)).body as ReportBody);
    const received = body.figures.find((f) => f.code === 'referrals.received')!;
    expect(received.total).toBe(cases2025.length);
    expect(received.byQpv!.OTHER).toBe('<5');
    const g = cases2025.filter((c) => c.expected.qpv === 'GRESILLES').length;
    const f = cases2025.filter((c) => c.expected.qpv === 'FONTAINE_D_OUCHE').length;
    const smaller = g <= f ? 'GRESILLES' : 'FONTAINE_D_OUCHE';
    const larger = smaller === 'GRESILLES' ? 'FONTAINE_D_OUCHE' : 'GRESILLES';
    expect(received.byQpv![smaller]).toBe('<5');
    expect(received.byQpv![larger]).toBe(Math.max(g, f));
    // total − the visible cell = the two hidden ones together: the 3 cannot be told apart from the other QPV
    expect((received.total as number) - Math.max(g, f)).toBe(Math.min(g, f) + 3);
  });

  it('reads every case from its memo figures, or from its state where the memo has none', async () => {
    const stats: Partial<IndicatorsSourceStats> = {};
    await t.app.get(ReportsService).indicators(2025, 'civil', stats);
    expect(stats.executions).toBe(plan.length);
    expect((stats.fromMemo ?? 0) + (stats.fromQuery ?? 0)).toBe(plan.length);
    expect(stats.fundingYears).toBe(1);
    const memo = (await t.client.workflow.getHandle(`parcours-${plan[0].dossierId}`).describe()).memo;
    if (memo?.figures) expect(stats.fromQuery).toBe(0);
  });

  it('answers zeros for a year without any case', async () => {
    const res = await get('year=2023', coord);
    expect(res.status).toBe(200);
    const v = valuesOf(res.body as ReportBody);
    expect(v['referrals.received']).toEqual({
      total: 0,
      byQpv: { FONTAINE_D_OUCHE: 0, GRESILLES: 0, OTHER: 0 },
      byAgeBand: { '0-1': 0, '2-5': 0, '6-10': 0, '11-16': 0, '17+': 0 },
      bySex: { F: 0, M: 0 },
    });
    for (const [code, f] of Object.entries(v)) {
      if (code.startsWith('median.')) expect(f.total).toBeNull();
      else if (code === 'subsidy.spentCents') expect(f.total).toBeNull();
      else expect({ code, total: f.total }).toEqual({ code, total: 0 });
    }
    expect(res.body.conventions).toEqual([]);
  });

  it('refuses a year outside 2020..2100, a non-numeric year, a missing year and an unknown period with 400 problem+json', async () => {
    for (const query of ['year=2019', 'year=2101', 'year=abc', 'year=2025.5', '', 'year=2025&period=weekly', 'year=2025&period=civil&extra=1']) {
      const res = await get(query, coord);
      expect({ query, status: res.status, type: res.headers['content-type'] }).toEqual({ query, status: 400, type: expect.stringContaining('application/problem+json') });
      expect(res.body.errors.length).toBeGreaterThan(0);
    }
    const res = await get('year=2025&period=weekly', coord, 'text/csv');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'period', message: 'period must be one of: civil, school' }]);
    expect((await get('year=2019', coord)).body.errors).toEqual([{ field: 'year', message: 'year must be between 2020 and 2100' }]);
  });

  it('is for coordinators, finance and supervisors only', async () => {
    expect((await get('year=2025', await t.token('u-ref-1', 'referent'))).status).toBe(403);
    expect((await get('year=2025', await t.token('u-admin-1', 'admin'))).status).toBe(403);
    expect((await t.http().get('/reports/indicators?year=2025')).status).toBe(401);
    expect((await get('year=2023', fin)).status).toBe(200);
    expect((await get('year=2023', sup)).status).toBe(200);
  });

  it('documents the query and both representations in OpenAPI', async () => {
    const doc = (await t.http().get('/docs-json')).body;
    const op = doc.paths['/reports/indicators'].get;
    expect(op.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['period', 'year']);
    expect(JSON.stringify(op.parameters)).toContain('1 September 2024');
    expect(Object.keys(op.responses['200'].content).sort()).toEqual(['application/json', 'text/csv']);
  });
});
