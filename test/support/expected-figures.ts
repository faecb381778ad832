/**
 * The anonymised figures (`CaseFigures`, what a case's memo carries) of a planned case of the indicators population
 * (test/support/indicators-population.ts), without running any workflow: for the suppression audit's tests and
 * bench/audit.ts, which need many populations and no Temporal server.
 */
import { ageBandChanges, CASE_FIGURES_VERSION, type CaseFigures } from '../../workflows/parcours/parcours.figures';
import { E2E_MIX, planPopulation, type ExpectedCase, type Fate } from './indicators-population';

/** The figures the report reads for a planned case. */
export function figuresOf(c: ExpectedCase): CaseFigures {
  return {
    v: CASE_FIGURES_VERSION,
    qpv: c.qpv,
    ageBand: c.ageBand,
    ageBands: ageBandChanges(c.birthDate, c.referredOn),
    sex: c.sex,
    referredOn: c.referredOn,
    orienteurType: 'SCHOOL',
    reasons: ['SCHOOL_RESULTS'],
    eligibility: c.ineligible ? 'INELIGIBLE' : 'ELIGIBLE',
    derogations: [],
    consent: null,
    reviews: c.reviews,
    renewals: c.renewals.map((on) => ({ on, months: 6 })),
    activeOn: c.activeOn,
    actions: c.actions,
    stage: c.closure ? 'CLOSED' : c.activeOn ? 'ACTIVE' : 'AWAITING_CONSENT',
    closure: c.closure,
  };
}

/** The e2e mix (2024 and 2025) scaled to about `n` cases, every fate kept. */
export function scaledMix(n: number): Record<number, Partial<Record<Fate, number>>> {
  const total = Object.values(E2E_MIX).reduce((a, byFate) => a + Object.values(byFate).reduce((b, x) => b + (x ?? 0), 0), 0);
  const out: Record<number, Partial<Record<Fate, number>>> = {};
  for (const [year, byFate] of Object.entries(E2E_MIX)) {
    out[Number(year)] = Object.fromEntries(Object.entries(byFate).map(([fate, count]) => [fate, Math.max(1, Math.round(((count ?? 0) * n) / total))]));
  }
  return out;
}

/** A population of about `n` cases over 2024 and 2025, reproducible from `seed`, as the report reads it. */
export function populationFigures(n: number, seed: number): CaseFigures[] {
  return planPopulation(scaledMix(n), seed, 'AUDIT').map((c) => figuresOf(c.expected));
}
