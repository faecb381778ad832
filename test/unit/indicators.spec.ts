/**
 * The yearly indicators on hand-made figures: the definitions (periods, outcomes, snapshot, entries/exits,
 * medians, actions, EPS), small-cell suppression with its secondary cells, the CSV, and the anonymised figures a
 * case's memo carries (built from the real case state).
 */
import { DEFAULT_PARCOURS_SETTINGS, type ParcoursInput } from '../../workflows/parcours/parcours.contract';
import { ageBandChanges, CASE_FIGURES_VERSION, caseFiguresOf, isCaseFigures, type CaseFigures } from '../../workflows/parcours/parcours.figures';
import { ParcoursCase } from '../../workflows/parcours/parcours.state';
import { CSV_BOM, CSV_HEADER, indicatorsCsv, parseCsv } from '../../src/reports/csv';
import { ageBandOn, median, periodOf, tally, type FigureReport, type FundingFigures, type IndicatorsReport } from '../../src/reports/indicators';
import { buildReport, chainFor, PatternCache } from '../../src/reports/publication';
import { auditPublished, narrowed } from '../support/published-audit';

const NO_FUNDING: FundingFigures = { conventions: [], grantedCents: 0, receivedCents: 0, spentCents: null };

/** A case's figures with defaults: referred in 2025 in Grésilles, a girl of 6-10, eligible, nothing else yet. */
function fig(p: Partial<CaseFigures>): CaseFigures {
  return {
    v: CASE_FIGURES_VERSION,
    qpv: 'GRESILLES',
    ageBand: '6-10',
    sex: 'F',
    referredOn: '2025-03-01',
    orienteurType: 'SCHOOL',
    reasons: ['SCHOOL_RESULTS'],
    eligibility: 'ELIGIBLE',
    derogations: [],
    consent: null,
    reviews: [],
    renewals: [],
    activeOn: null,
    actions: [],
    stage: 'AWAITING_CONSENT',
    closure: null,
    ...p,
  };
}

/** The hand-made population of the definitions tests (dates chosen to hit each boundary). */
const A = fig({
  referredOn: '2025-02-01',
  consent: { decision: 'GRANTED', on: '2025-02-10' },
  reviews: [
    { on: '2025-03-11', decision: 'MORE_INFO' },
    { on: '2025-04-08', decision: 'VALIDATED' },
  ],
  activeOn: '2025-04-08',
  actions: [
    { type: 'SCHOOL_SUPPORT', startsOn: '2025-04-15', sessions: 10, status: 'DONE', statusOn: '2025-06-30' },
    { type: 'SPORT', startsOn: '2025-05-01', sessions: 10, status: 'CANCELLED', statusOn: '2025-04-20' },
    { type: 'LEISURE', startsOn: '2026-01-10', sessions: 4, status: 'SCHEDULED' },
  ],
  stage: 'ACTIVE',
});
/** Referred in December, validated in January: pending in 2025. */
const B = fig({ referredOn: '2025-12-15', qpv: 'FONTAINE_D_OUCHE', sex: 'M', consent: { decision: 'GRANTED', on: '2025-12-20' }, reviews: [{ on: '2026-01-13', decision: 'VALIDATED' }], activeOn: '2026-01-13', stage: 'ACTIVE' });
const C = fig({ referredOn: '2025-03-01', qpv: 'OTHER', eligibility: 'INELIGIBLE', stage: 'CLOSED', closure: { reason: 'INELIGIBLE', on: '2025-03-01' } });
/** Active on 31/12/2024, renewed in March, exit in June 2025. */
const D = fig({
  referredOn: '2024-06-01',
  ageBand: '11-16',
  consent: { decision: 'GRANTED', on: '2024-06-20' },
  reviews: [{ on: '2024-09-10', decision: 'VALIDATED' }],
  renewals: [{ on: '2025-03-11', months: 6 }],
  activeOn: '2024-09-10',
  stage: 'CLOSED',
  closure: { reason: 'OBJECTIVES_MET', on: '2025-06-30' },
});
const E = fig({ referredOn: '2025-05-01', qpv: 'OTHER', eligibility: 'DEROGATION', derogations: ['ELIGIBILITY'], consent: { decision: 'REFUSED', on: '2025-05-10' }, stage: 'CLOSED', closure: { reason: 'NO_CONSENT', on: '2025-05-10' } });
const F = fig({ referredOn: '2025-01-10', consent: { decision: 'GRANTED', on: '2025-01-20', withdrawnOn: '2025-02-01' }, stage: 'CLOSED', closure: { reason: 'CONSENT_WITHDRAWN', on: '2025-02-16' } });
const G = fig({ referredOn: '2025-04-01', ageBand: '2-5', consent: { decision: 'GRANTED', on: '2025-04-05' }, reviews: [{ on: '2025-05-13', decision: 'REDIRECTED' }], stage: 'CLOSED', closure: { reason: 'REDIRECTED', on: '2025-05-13' } });
/** Validated in December, closed on 31 December: not active on that day. */
const H = fig({ referredOn: '2025-11-01', sex: 'M', consent: { decision: 'GRANTED', on: '2025-11-05' }, reviews: [{ on: '2025-12-09', decision: 'VALIDATED' }], activeOn: '2025-12-09', stage: 'CLOSED', closure: { reason: 'MOVED_OUT', on: '2025-12-31' } });
/** Consent withdrawn: one action stopped after it started (counts), one before (does not). */
const I = fig({
  referredOn: '2025-09-01',
  consent: { decision: 'GRANTED', on: '2025-09-10', withdrawnOn: '2025-11-01' },
  reviews: [{ on: '2025-10-14', decision: 'VALIDATED' }],
  activeOn: '2025-10-14',
  actions: [
    { type: 'HOLIDAYS', startsOn: '2025-10-20', sessions: 5, status: 'STOPPED', statusOn: '2025-11-01' },
    { type: 'CULTURE', startsOn: '2025-11-20', sessions: 5, status: 'STOPPED', statusOn: '2025-11-01' },
  ],
  stage: 'CLOSED',
  closure: { reason: 'CONSENT_WITHDRAWN', on: '2025-11-16' },
});
const POPULATION = [A, B, C, D, E, F, G, H, I];

function raw(t: ReturnType<typeof tally>, code: string, key = 'total'): number {
  return t.counts.get(code)?.get(key)?.value ?? 0;
}

function figure(r: IndicatorsReport, code: string): FigureReport {
  const f = r.figures.find((x) => x.code === code);
  if (!f) throw new Error(`no figure ${code}`);
  return f;
}

describe('report periods', () => {
  it('a civil year runs January to December, snapshot on 31 December', () => {
    expect(periodOf(2025, 'civil')).toEqual({ year: 2025, kind: 'civil', from: '2025-01-01', to: '2025-12-31', snapshotOn: '2025-12-31', label: 'année civile 2025' });
  });

  it('a school year is the one that ends in `year`: September N-1 to August N, snapshot on 31 August', () => {
    expect(periodOf(2025, 'school')).toEqual({ year: 2025, kind: 'school', from: '2024-09-01', to: '2025-08-31', snapshotOn: '2025-08-31', label: 'année scolaire 2024-2025' });
  });
});

describe('figures of a civil year (before suppression)', () => {
  const t = tally(POPULATION, periodOf(2025, 'civil'));

  it('counts referrals received and their outcome at the end of the year', () => {
    expect(raw(t, 'referrals.received')).toBe(8);
    expect(raw(t, 'referrals.ineligible')).toBe(1);
    expect(raw(t, 'referrals.eligible')).toBe(7);
    expect(raw(t, 'referrals.validated')).toBe(3);
    expect(raw(t, 'referrals.pending')).toBe(1);
    expect(raw(t, 'referrals.noConsent')).toBe(1);
    expect(raw(t, 'referrals.closedBeforeDecision')).toBe(1);
    expect(raw(t, 'referrals.redirected')).toBe(1);
    expect(raw(t, 'referrals.refused')).toBe(0);
  });

  it('counts children active on 31 December, entries and exits (a case closed on 31 December is no longer active)', () => {
    expect(raw(t, 'active.onSnapshot')).toBe(1);
    expect(raw(t, 'entries')).toBe(3);
    expect(raw(t, 'exits')).toBe(3);
    expect(raw(t, 'exits.OBJECTIVES_MET')).toBe(1);
    expect(raw(t, 'exits.MOVED_OUT')).toBe(1);
    expect(raw(t, 'exits.CONSENT_WITHDRAWN')).toBe(1);
  });

  it('keeps the stock identity: active on 31/12/2024 + entries − exits = active on 31/12/2025', () => {
    const before = tally(POPULATION, periodOf(2024, 'civil'));
    expect(raw(before, 'active.onSnapshot') + raw(t, 'entries') - raw(t, 'exits')).toBe(raw(t, 'active.onSnapshot'));
  });

  it('takes the medians over the decisions and closures of the year', () => {
    expect([...(t.samples.get('median.referralToDecisionDays')?.get('total') ?? [])].sort((a, b) => a - b)).toEqual([38, 42, 43, 66]);
    expect(median([66, 42, 38, 43])).toBe(42.5);
    expect([...(t.samples.get('median.closedParcoursDays')?.get('total') ?? [])].sort((a, b) => a - b)).toEqual([22, 33, 293]);
  });

  it('counts actions started in the year, not cancelled ones nor ones stopped before they started', () => {
    expect(raw(t, 'actions.total')).toBe(2);
    expect(raw(t, 'actions.SCHOOL_SUPPORT')).toBe(1);
    expect(raw(t, 'actions.HOLIDAYS')).toBe(1);
    expect(raw(t, 'actions.SPORT')).toBe(0);
    expect(raw(t, 'actions.CULTURE')).toBe(0);
    expect(raw(t, 'actions.LEISURE')).toBe(0);
  });

  it('counts EPS meetings as distinct dates (decisions and renewals) and the cases examined', () => {
    expect([...t.meetings].sort()).toEqual(['2025-03-11', '2025-04-08', '2025-05-13', '2025-10-14', '2025-12-09']);
    expect(raw(t, 'eps.casesExamined')).toBe(5);
  });

  it('counts the EPS meetings recorded in the period, one without any decision included, and the cases examined at them', async () => {
    // recorded meetings (POST /team-meetings): two with decisions, one without any, one of another year
    const recorded = new Set(['2025-03-11', '2025-04-08', '2025-06-03', '2024-12-10']);
    const r = tally(POPULATION, periodOf(2025, 'civil'), recorded);
    expect([...r.meetings].sort()).toEqual(['2025-03-11', '2025-04-08', '2025-06-03']);
    expect(raw(r, 'eps.casesExamined')).toBe(2);
    const report = await buildReport(POPULATION, periodOf(2025, 'civil'), NO_FUNDING, new PatternCache(), recorded);
    expect(figure(report, 'eps.meetings').total).toBe(3);
    expect(figure(await buildReport([], periodOf(2025, 'civil'), NO_FUNDING, new PatternCache(), recorded), 'eps.meetings').total).toBe(3);
  });

  it('breaks every count down by QPV, age band and sex', () => {
    expect(raw(t, 'referrals.received', 'qpv:OTHER')).toBe(2);
    expect(raw(t, 'referrals.received', 'qpv:FONTAINE_D_OUCHE')).toBe(1);
    expect(raw(t, 'referrals.received', 'qpv:GRESILLES')).toBe(5);
    expect(raw(t, 'referrals.received', 'sex:M')).toBe(2);
    expect(raw(t, 'referrals.received', 'ageBand:2-5')).toBe(1);
    expect(raw(t, 'exits', 'ageBand:11-16')).toBe(1);
  });

  it('counts each child in the age band of the date a figure is about: kept past 17 by derogation, 17+ on 31 December', async () => {
    // born 20 October 2008, referred at 15, active from April 2024, kept past the 17th birthday (20 October 2025)
    expect(ageBandChanges('2008-10-20', '2024-03-01')).toEqual([{ from: '2025-10-01', band: '17+' }]);
    const kept = fig({
      referredOn: '2024-03-01',
      ageBand: '11-16',
      ageBands: ageBandChanges('2008-10-20', '2024-03-01'),
      derogations: ['AGE'],
      consent: { decision: 'GRANTED', on: '2024-03-10' },
      reviews: [{ on: '2024-04-02', decision: 'VALIDATED' }],
      activeOn: '2024-04-02',
      actions: [
        { type: 'SPORT', startsOn: '2025-09-15', sessions: 4, status: 'DONE', statusOn: '2025-10-20' },
        { type: 'CULTURE', startsOn: '2025-11-03', sessions: 4, status: 'SCHEDULED' },
      ],
      stage: 'ACTIVE',
    });
    expect([ageBandOn(kept, '2025-09-30'), ageBandOn(kept, '2025-10-01'), ageBandOn(kept, '2025-12-31')]).toEqual(['11-16', '17+', '17+']);
    const y2024 = tally([kept], periodOf(2024, 'civil'));
    expect([raw(y2024, 'referrals.received', 'ageBand:11-16'), raw(y2024, 'entries', 'ageBand:11-16'), raw(y2024, 'active.onSnapshot', 'ageBand:11-16')]).toEqual([1, 1, 1]);
    const y2025 = tally([kept], periodOf(2025, 'civil'));
    expect([raw(y2025, 'active.onSnapshot', 'ageBand:17+'), raw(y2025, 'active.onSnapshot', 'ageBand:11-16'), raw(y2025, 'active.onSnapshot')]).toEqual([1, 0, 1]);
    expect([raw(y2025, 'actions.total', 'ageBand:11-16'), raw(y2025, 'actions.total', 'ageBand:17+')]).toEqual([1, 1]);
    // on 31 August 2025 the child was still 16
    expect(raw(tally([kept], periodOf(2025, 'school')), 'active.onSnapshot', 'ageBand:11-16')).toBe(1);
    // the exit counts in the band of the closure date
    const closed = { ...kept, stage: 'CLOSED' as const, closure: { reason: 'AGE_LIMIT' as const, on: '2026-06-30' } };
    expect(raw(tally([closed], periodOf(2026, 'civil')), 'exits', 'ageBand:17+')).toBe(1);
    // the stock identity by age band now counts the children who moved up a band: the chain still publishes and audits
    const cases = [...POPULATION, kept, closed];
    const chain = chainFor(cases, periodOf(2026, 'civil'));
    const reports = await Promise.all(chain.map((p) => buildReport(cases, p, NO_FUNDING)));
    expect(narrowed(await auditPublished(chain, reports))).toEqual({});
  });
});

describe('figures of a school year', () => {
  it('counts September 2024 to August 2025 with the snapshot on 31 August 2025', () => {
    const t = tally(POPULATION, periodOf(2025, 'school'));
    expect(raw(t, 'referrals.received')).toBe(5);
    expect(raw(t, 'entries')).toBe(2);
    expect(raw(t, 'exits')).toBe(1);
    expect(raw(t, 'active.onSnapshot')).toBe(1);
  });
});

describe('small-cell suppression in a report', () => {
  it('shows a breakdown with 3 children as <5, hides around it until the audit passes, and says how many cells it hid', async () => {
    const cases = [
      ...Array.from({ length: 12 }, (_, i) => fig({ qpv: 'GRESILLES', sex: i % 2 ? 'F' : 'M', ageBand: '6-10' })),
      ...Array.from({ length: 8 }, (_, i) => fig({ qpv: 'FONTAINE_D_OUCHE', sex: i % 2 ? 'F' : 'M', ageBand: '6-10' })),
      ...Array.from({ length: 3 }, (_, i) => fig({ qpv: 'OTHER', sex: i % 2 ? 'F' : 'M', ageBand: '6-10', eligibility: 'INELIGIBLE', stage: 'CLOSED', closure: { reason: 'INELIGIBLE', on: '2025-03-01' } })),
    ];
    const r = await buildReport(cases, periodOf(2025, 'civil'), NO_FUNDING);
    const received = figure(r, 'referrals.received');
    expect(received.total).toBe(23);
    expect(received.byQpv).toEqual({ FONTAINE_D_OUCHE: '<5', GRESILLES: 12, OTHER: '<5' });
    expect(received.bySex).toEqual({ F: 11, M: 12 });
    expect(received.byAgeBand).toEqual({ '0-1': 0, '2-5': 0, '6-10': 23, '11-16': 0, '17+': 0 });
    // referrals = eligible + ineligible: the 3 ineligible referrals would be 23 − 20, so the 20 are hidden too
    expect(figure(r, 'referrals.ineligible').total).toBe('<5');
    expect(figure(r, 'referrals.eligible').total).toBe('<5');
    // the report says how many cells it hides: small ones, and the ones hidden on top to protect them
    const shown = r.figures.filter((f) => f.unit === 'children' || f.unit === 'actions').flatMap((f) => [f.total, ...Object.values(f.byQpv ?? {}), ...Object.values(f.byAgeBand ?? {}), ...Object.values(f.bySex ?? {})]);
    const small = figure(r, 'secrecy.smallCells').total as number;
    const protection = figure(r, 'secrecy.protectionCells').total as number;
    expect({ small, protection, hidden: shown.filter((v) => v === '<5').length }).toEqual({ small: 6, protection: 11, hidden: 17 });
    // every hidden cell of the chain (school 2025, then civil 2025) keeps at least 5 possible values
    const chain = chainFor(cases, periodOf(2025, 'civil'));
    const reports = await Promise.all(chain.map((p) => buildReport(cases, p, NO_FUNDING)));
    expect(narrowed(await auditPublished(chain, reports))).toEqual({});
  });

  it('hides a median over fewer than 5 cases and answers null without any case', async () => {
    const decided = (n: number) => Array.from({ length: n }, (_, i) => fig({ consent: { decision: 'GRANTED', on: '2025-03-02' }, reviews: [{ on: `2025-04-${String(10 + i).padStart(2, '0')}`, decision: 'REFUSED' }], closure: { reason: 'REFUSED', on: `2025-04-${String(10 + i).padStart(2, '0')}` }, stage: 'CLOSED' }));
    expect(figure(await buildReport(decided(4), periodOf(2025, 'civil'), NO_FUNDING), 'median.referralToDecisionDays').total).toBe('<5');
    const five = figure(await buildReport(decided(5), periodOf(2025, 'civil'), NO_FUNDING), 'median.referralToDecisionDays');
    expect(five.total).toBe(42); // 2025-03-01 → 04-10 … 04-14: 40 … 44 days
    expect(five.byQpv?.OTHER).toBeNull();
    expect(figure(await buildReport([], periodOf(2025, 'civil'), NO_FUNDING), 'median.closedParcoursDays').total).toBeNull();
  });

  it('a year without data answers zeros (nothing hidden), meetings and amounts included', async () => {
    const r = await buildReport([], periodOf(2023, 'civil'), NO_FUNDING);
    for (const f of r.figures) {
      if (f.unit === 'days') continue;
      if (f.code === 'subsidy.spentCents') expect(f.total).toBeNull();
      else expect(f.total).toBe(0);
      for (const by of [f.byQpv, f.byAgeBand, f.bySex]) for (const v of Object.values(by ?? {})) expect(v).toBe(0);
    }
    expect(JSON.stringify(r.figures)).not.toContain('<5');
  });

  it('never hides the meetings or the subsidy amounts, and they have no breakdown', async () => {
    const r = await buildReport(POPULATION, periodOf(2025, 'civil'), { conventions: ['CPO-2024-2026'], grantedCents: 20_000_000, receivedCents: 10_000_000, spentCents: null });
    expect(figure(r, 'eps.meetings')).toEqual({ code: 'eps.meetings', label: "Réunions de l'EPS tenues", unit: 'meetings', total: 5 });
    expect(figure(r, 'subsidy.grantedCents').total).toBe(20_000_000);
    expect(figure(r, 'subsidy.receivedCents').total).toBe(10_000_000);
    expect(figure(r, 'subsidy.spentCents').total).toBeNull();
    expect(r.conventions).toEqual(['CPO-2024-2026']);
  });
});

describe('CSV', () => {
  let report: IndicatorsReport;
  let csv: string;
  let rows: string[][];
  beforeAll(async () => {
    report = await buildReport(POPULATION, periodOf(2025, 'civil'), { conventions: ['CPO'], grantedCents: 20_000_000, receivedCents: 10_000_050, spentCents: null });
    csv = indicatorsCsv(report);
    rows = parseCsv(csv);
  });

  it('opens with a BOM and the French header, separated by semicolons', () => {
    expect(csv.startsWith(CSV_BOM)).toBe(true);
    expect(csv.slice(1).split('\r\n')[0]).toBe('période;code;indicateur;ventilation;modalité;valeur;unité');
    expect(rows[0]).toEqual(CSV_HEADER);
  });

  it('has one row per figure and cell', () => {
    const cells = report.figures.reduce((n, f) => n + 1 + Object.keys(f.byQpv ?? {}).length + Object.keys(f.byAgeBand ?? {}).length + Object.keys(f.bySex ?? {}).length, 0);
    expect(rows.length - 1).toBe(cells);
    expect(new Set(rows.slice(1).map((r) => r.length))).toEqual(new Set([7]));
  });

  it('writes French labels, <5, decimal commas and euros', () => {
    const row = (code: string, dimension: string, modality: string) => rows.find((r) => r[1] === code && r[3] === dimension && r[4] === modality);
    // nine cases: even the total of 8 is hidden, or the small cells around it could be narrowed
    expect(row('referrals.received', 'ensemble', 'ensemble')).toEqual(['année civile 2025', 'referrals.received', 'Orientations reçues', 'ensemble', 'ensemble', '<5', 'enfants']);
    expect(row('referrals.received', 'QPV', 'hors QPV')?.[5]).toBe('<5');
    expect(row('referrals.received', "tranche d'âge", '6–10 ans')?.[5]).toBe('<5');
    expect(row('referrals.received', 'sexe', 'garçons')?.[5]).toBe('<5');
    expect(row('subsidy.grantedCents', 'ensemble', 'ensemble')?.slice(5)).toEqual(['200000,00', 'euros']);
    expect(row('subsidy.receivedCents', 'ensemble', 'ensemble')?.[5]).toBe('100000,50');
    expect(row('subsidy.spentCents', 'ensemble', 'ensemble')?.[5]).toBe('');
    expect(row('active.onSnapshot', 'ensemble', 'ensemble')?.[2]).toBe('Enfants en parcours actif au 31/12/2025');
  });

  it('writes a median of an even count with a decimal comma', async () => {
    const many = [A, G, H, I, fig({ referredOn: '2025-06-02', consent: { decision: 'GRANTED', on: '2025-06-03' }, reviews: [{ on: '2025-07-08', decision: 'REFUSED' }], stage: 'CLOSED', closure: { reason: 'REFUSED', on: '2025-07-08' } }), fig({ referredOn: '2025-06-02', consent: { decision: 'GRANTED', on: '2025-06-03' }, reviews: [{ on: '2025-06-10', decision: 'REFUSED' }], stage: 'CLOSED', closure: { reason: 'REFUSED', on: '2025-06-10' } })];
    // delays 66, 42, 38, 43, 36, 8 → median (38 + 42) / 2 = 40; add a seventh to get a half
    const odd = parseCsv(indicatorsCsv(await buildReport(many, periodOf(2025, 'civil'), NO_FUNDING))).find((r) => r[1] === 'median.referralToDecisionDays' && r[3] === 'ensemble');
    expect(odd?.[5]).toBe('40');
    const r = await buildReport([...many, fig({ referredOn: '2025-01-02', consent: { decision: 'GRANTED', on: '2025-01-03' }, reviews: [{ on: '2025-02-11', decision: 'REFUSED' }], stage: 'CLOSED', closure: { reason: 'REFUSED', on: '2025-02-11' } }), fig({ referredOn: '2025-01-02', consent: { decision: 'GRANTED', on: '2025-01-03' }, reviews: [{ on: '2025-02-12', decision: 'REFUSED' }], stage: 'CLOSED', closure: { reason: 'REFUSED', on: '2025-02-12' } })], periodOf(2025, 'civil'), NO_FUNDING);
    // delays 8, 36, 38, 40, 41, 42, 43, 66 → (40 + 41) / 2 = 40.5
    expect(figure(r, 'median.referralToDecisionDays').total).toBe(40.5);
    expect(parseCsv(indicatorsCsv(r)).find((x) => x[1] === 'median.referralToDecisionDays' && x[3] === 'ensemble')?.[5]).toBe('40,5');
  });

  it('quotes a field that holds the separator', () => {
    expect(parseCsv('a;"b;c";"d ""e"""\r\n')).toEqual([['a', 'b;c', 'd "e"']]);
  });
});

describe('the anonymised figures of a case (memo)', () => {
  const at = Date.parse('2026-01-05T09:00:00Z');
  const coord = { sub: 'u-coord-1', role: 'coordinator' };
  function input(qpv: 'GRESILLES' | 'OTHER', derogation?: string): ParcoursInput {
    return {
      dossierId: 'D-7K3M9QX2TB',
      referral: {
        referredOn: '2025-11-20',
        child: { firstName: 'Lina', lastName: 'Benali', birthDate: '2016-03-14', sex: 'F', address: { line1: '12 rue Jean de Cirey', postcode: '21000', city: 'Dijon' }, qpv, school: { name: 'École Les Grésilles', level: 'CE2', priorityEducation: 'REP+' } },
        guardians: [{ firstName: 'Samira', lastName: 'Benali', relationship: 'MOTHER', phone: '+33612345678' }],
        orienteur: { type: 'SCHOOL', organisation: 'École Les Grésilles' },
        reasons: ['SCHOOL_RESULTS', 'SOCIAL_ISOLATION'],
        context: 'Free text from the orienteur about Lina.',
        ...(derogation ? { derogation: { motive: derogation } } : {}),
      },
      childKey: 'hmac-of-the-child',
      settings: DEFAULT_PARCOURS_SETTINGS,
      createdBy: coord,
      createdAt: new Date(at).toISOString(),
    };
  }

  it('carries QPV, age band, sex, dates and codes of a case, and nothing that identifies the child', () => {
    const c = new ParcoursCase(input('GRESILLES'), at);
    expect(caseFiguresOf(c.view(at))).toMatchObject({ eligibility: 'PENDING', stage: 'REFERRED', closure: null });
    c.applyEligibility({ eligible: true, ruleVersion: 'v1', reasons: ['AGE_IN_RANGE', 'QPV_ELIGIBLE'], ageOnReferral: 9, checkedAt: new Date(at).toISOString(), qpv: 'GRESILLES' }, undefined, at);
    const meta = { actor: coord, at: new Date(at).toISOString() };
    c.applyConsent({ ...meta, decision: 'GRANTED', signedOn: '2025-11-25', signedBy: [{ name: 'Samira Benali', relationship: 'MOTHER' }], dataSharingInformed: true }, at);
    c.applyTeamReview({ ...meta, meetingDate: '2025-12-02', decision: 'MORE_INFO', motive: 'School report of Lina' }, at);
    c.applyTeamReview({ ...meta, meetingDate: '2026-01-06', decision: 'VALIDATED', objectives: [{ label: 'Lire couramment' }], referentId: 'u-ref-1' }, at);
    c.applyAction({ ...meta, type: 'SCHOOL_SUPPORT', provider: 'Lire et Faire Lire', startsOn: '2026-01-12', endsOn: '2026-06-30', frequency: 'WEEKLY' }, at);
    c.applyRenewal({ ...meta, meetingDate: '2026-12-01', extensionMonths: 6 }, at);
    c.applyClosure({ ...meta, reason: 'HANDED_OVER', closedOn: '2027-03-01', summary: 'Relais', handedOverTo: 'Centre social' }, at);
    const figures = caseFiguresOf(c.view(at));
    expect(figures).toEqual({
      v: 1,
      qpv: 'GRESILLES',
      ageBand: '6-10',
      // the later bands from the month of the 11th and 17th birthdays: the month, never the day
      ageBands: [
        { from: '2027-03-01', band: '11-16' },
        { from: '2033-03-01', band: '17+' },
      ],
      sex: 'F',
      referredOn: '2025-11-20',
      orienteurType: 'SCHOOL',
      reasons: ['SCHOOL_RESULTS', 'SOCIAL_ISOLATION'],
      eligibility: 'ELIGIBLE',
      derogations: [],
      consent: { decision: 'GRANTED', on: '2025-11-25' },
      reviews: [
        { on: '2025-12-02', decision: 'MORE_INFO' },
        { on: '2026-01-06', decision: 'VALIDATED' },
      ],
      renewals: [{ on: '2026-12-01', months: 6 }],
      activeOn: '2026-01-06',
      actions: [{ type: 'SCHOOL_SUPPORT', startsOn: '2026-01-12', endsOn: '2026-06-30', status: 'STOPPED', statusOn: '2027-03-01' }],
      stage: 'CLOSED',
      closure: { reason: 'HANDED_OVER', on: '2027-03-01' },
    });
    expect(isCaseFigures(figures)).toBe(true);
    const text = JSON.stringify(figures);
    for (const secret of ['D-7K3M9QX2TB', 'Lina', 'Benali', '2016-03-14', 'Cirey', 'Samira', 'u-ref-1', 'u-coord-1', 'hmac', 'Lire et Faire', 'Centre social', 'orienteur about']) expect(text).not.toContain(secret);
  });

  it('records an eligibility derogation apart from a plain eligible referral', () => {
    const c = new ParcoursCase(input('OTHER', 'Famille relogée hors QPV en cours d’année'), at);
    c.applyEligibility({ eligible: false, ruleVersion: 'v1', reasons: ['AGE_IN_RANGE', 'QPV_NOT_ELIGIBLE'], ageOnReferral: 9, checkedAt: new Date(at).toISOString(), qpv: 'OTHER' }, 'Famille relogée hors QPV en cours d’année', at);
    expect(caseFiguresOf(c.view(at))).toMatchObject({ qpv: 'OTHER', eligibility: 'DEROGATION', derogations: ['ELIGIBILITY'], stage: 'AWAITING_CONSENT' });
    const refused = new ParcoursCase(input('OTHER'), at);
    refused.applyEligibility({ eligible: false, ruleVersion: 'v1', reasons: ['AGE_IN_RANGE', 'QPV_NOT_ELIGIBLE'], ageOnReferral: 9, checkedAt: new Date(at).toISOString(), qpv: 'OTHER' }, undefined, at);
    expect(caseFiguresOf(refused.view(at))).toMatchObject({ eligibility: 'INELIGIBLE', closure: { reason: 'INELIGIBLE', on: '2025-11-20' } });
  });

  it('is recognised only in a version this code reads', () => {
    expect(isCaseFigures({ ...A, v: 2 })).toBe(false);
    expect(isCaseFigures(null)).toBe(false);
    expect(isCaseFigures(A)).toBe(true);
  });
});
