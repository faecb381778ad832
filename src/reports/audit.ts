/**
 * The audit of a suppression pattern, the way statistical offices check one (DOMAIN.md §4, issue 16): an outsider
 * knows every published value and every linear relation between published figures (a total and its parts, the
 * stock-and-flow identity between two reports, the periods that share months). For each hidden cell, two linear
 * programmes — minimise it, maximise it, subject to all those relations, every published value and non-negativity —
 * give the interval the outsider can narrow it to. The cell is protected when that interval holds at least
 * `PROTECTION_SPAN` whole numbers.
 *
 * The solver is HiGHS (the `highs` package: HiGHS compiled to WebAssembly, in process). Each connected part of the
 * system is one persistent model; only its objective changes between the programmes, so each solve restarts from
 * the previous basis. To decide a cell, the audit first looks at the values it took in every solution already found
 * (the true values are one): once two feasible points put it ≥ `PROTECTION_SPAN` − 1 apart, no programme is needed.
 *
 * The programmes are continuous (the usual audit): their interval contains the whole-number one.
 */
import highsLoader from 'highs';

/** A hidden cell must keep at least this many possible whole values (its feasible interval spans ≥ 5 integers). */
export const PROTECTION_SPAN = 5;

/** A linear relation the outsider knows: Σ coefficient × variable = 0. */
export type Relation = ReadonlyArray<readonly [string, number]>;

/** What the outsider sees: the published values (an absent variable is unknown) and the relations. */
export interface AuditSystem {
  known: ReadonlyMap<string, number>;
  relations: readonly Relation[];
  /**
   * Relations from this index on are the new ones (the report being published). A target whose part of the system
   * holds none of them is skipped by `unprotectedCells`: nothing it depends on has changed since it was audited.
   */
  freshFrom?: number;
}

/** The values a hidden cell can take given everything published (`max` may be Infinity). */
export interface Interval {
  min: number;
  max: number;
  /**
   * For a cell found narrower than the rule allows: the dual value of each relation (its index in the system) at the
   * maximum and at the minimum. A relation with a non-zero dual is one that pins the cell; hiding a published cell of
   * it with a non-zero reduced cost (−Σ dual × coefficient) lets the cell move.
   */
  pins?: { max: Map<number, number>; min: Map<number, number> };
}

const EPS = 1e-6;
/** Counters for bench/audit.ts: programmes solved, models built, their size and time. */
export const AUDIT_STATS = { solves: 0, models: 0, rows: 0, cols: 0, buildMs: 0, solveMs: 0 };

/** How many whole numbers an interval holds. */
export function integerSpan(iv: Interval): number {
  if (iv.max === Infinity) return Infinity;
  return Math.max(0, Math.floor(iv.max + EPS) - Math.ceil(iv.min - EPS) + 1);
}

type Solver = Awaited<ReturnType<typeof highsLoader>>;
let solver: Promise<Solver> | undefined;

/** The HiGHS runtime, loaded once per process (a failed load is tried again at the next call). */
export function loadSolver(): Promise<Solver> {
  solver ??= highsLoader().catch((e: unknown) => {
    solver = undefined;
    throw e;
  });
  return solver;
}

/** One connected part of the reduced system: its unknowns and its rows (Σ coef × unknown = rhs). */
interface Component {
  vars: string[];
  rows: Array<{ cols: number[]; coefs: number[]; rhs: number; source: number }>;
}

/** Replaces the published values by constants and splits what remains into independent parts. */
function reduce(system: AuditSystem): { components: Component[]; componentOf: Map<string, number> } {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    while (parent.get(x) !== r) {
      const n = parent.get(x)!;
      parent.set(x, r);
      x = n;
    }
    return r;
  };
  const reduced: Array<{ terms: Array<[string, number]>; rhs: number; source: number }> = [];
  system.relations.forEach((rel, source) => {
    const terms = new Map<string, number>();
    let rhs = 0;
    for (const [id, coef] of rel) {
      const v = system.known.get(id);
      if (v === undefined) terms.set(id, (terms.get(id) ?? 0) + coef);
      else rhs -= coef * v;
    }
    for (const [id, c] of terms) if (c === 0) terms.delete(id);
    if (terms.size === 0) return;
    const ids = [...terms.keys()];
    for (const id of ids) if (!parent.has(id)) parent.set(id, id);
    for (let i = 1; i < ids.length; i += 1) {
      const a = find(ids[0]);
      const b = find(ids[i]);
      if (a !== b) parent.set(a, b);
    }
    reduced.push({ terms: [...terms], rhs, source });
  });
  const index = new Map<string, number>();
  const components: Component[] = [];
  const componentOf = new Map<string, number>();
  const position = new Map<string, number>();
  for (const id of parent.keys()) {
    const root = find(id);
    let c = index.get(root);
    if (c === undefined) {
      c = components.length;
      index.set(root, c);
      components.push({ vars: [], rows: [] });
    }
    componentOf.set(id, c);
    position.set(id, components[c].vars.length);
    components[c].vars.push(id);
  }
  for (const r of reduced) {
    const c = componentOf.get(r.terms[0][0])!;
    components[c].rows.push({ cols: r.terms.map(([id]) => position.get(id)!), coefs: r.terms.map(([, k]) => k), rhs: r.rhs, source: r.source });
  }
  return { components, componentOf };
}

/**
 * Solves the programmes of one component for `targets`. `exact`: the true interval of each target; otherwise only
 * enough to tell a protected target (interval left wide) from an unprotected one (exact interval).
 */
function solveComponent(highs: Solver, comp: Component, targets: string[], exact: boolean, seed: ReadonlyMap<string, number> | undefined): Map<string, Interval> {
  const n = comp.vars.length;
  const lo = new Float64Array(n).fill(Infinity);
  const hi = new Float64Array(n).fill(-Infinity);
  const observe = (values: ArrayLike<number>) => {
    for (let i = 0; i < n; i += 1) {
      const v = values[i];
      if (v < lo[i]) lo[i] = v;
      if (v > hi[i]) hi[i] = v;
    }
  };
  if (seed && comp.vars.every((v) => seed.has(v))) observe(comp.vars.map((v) => seed.get(v)!));
  const col = new Map(comp.vars.map((v, i) => [v, i]));
  const out = new Map<string, Interval>();
  const model = highs.createModel();
  try {
    const t0 = performance.now();
    AUDIT_STATS.models += 1;
    AUDIT_STATS.rows += comp.rows.length;
    AUDIT_STATS.cols += n;
    // primal simplex from the previous basis: only the objective changes between two programmes, so the last optimum
    // stays feasible and is the best start (no presolve, which would throw the basis away)
    model.options.set({ output_flag: false, presolve: 'off', solver: 'simplex', simplex_strategy: 4 });
    model.addVars(new Float64Array(n), new Float64Array(n).fill(Infinity));
    for (const r of comp.rows) model.addRow(r.rhs, r.rhs, { indices: r.cols, values: r.coefs });
    AUDIT_STATS.buildMs += performance.now() - t0;
    const duals = () => {
      const y = model.getSolution().rowDual;
      const out = new Map<number, number>();
      comp.rows.forEach((r, k) => {
        if (Math.abs(y[k]) > EPS) out.set(r.source, y[k]);
      });
      return out;
    };
    let costed = -1;
    const optimise = (i: number, sense: 'min' | 'max'): number => {
      if (costed !== i) {
        if (costed >= 0) model.changeColCost(costed, 0);
        model.changeColCost(i, 1);
        costed = i;
      }
      model.changeObjectiveSense(sense === 'max' ? highs.constants.objectiveSense.maximize : highs.constants.objectiveSense.minimize);
      const t0 = performance.now();
      const { modelStatus } = model.run();
      AUDIT_STATS.solves += 1;
      AUDIT_STATS.solveMs += performance.now() - t0;
      if (modelStatus === highs.constants.modelStatus.optimal) {
        observe(model.getSolution().colValue);
        return model.getObjectiveValue();
      }
      if (sense === 'max' && (modelStatus === highs.constants.modelStatus.unbounded || modelStatus === highs.constants.modelStatus.unboundedOrInfeasible)) return Infinity;
      throw new Error(`suppression audit: the solver ended with status ${modelStatus}`);
    };
    const wide = (i: number) => integerSpan({ min: lo[i], max: hi[i] }) >= PROTECTION_SPAN;
    if (!exact) {
      // two extreme points first: the sum of the undecided targets, maximised then minimised, spreads most of them
      // (again on the ones still undecided, while that decides enough of them)
      let open = targets.map((id) => col.get(id)!).filter((i) => !wide(i));
      while (open.length > 1) {
        for (const i of open) model.changeColCost(i, 1);
        for (const sense of [highs.constants.objectiveSense.maximize, highs.constants.objectiveSense.minimize]) {
          model.changeObjectiveSense(sense);
          const { modelStatus } = model.run();
          AUDIT_STATS.solves += 1;
          if (modelStatus === highs.constants.modelStatus.optimal) observe(model.getSolution().colValue);
        }
        for (const i of open) model.changeColCost(i, 0);
        const still = open.filter((i) => !wide(i));
        if (still.length > open.length * 0.8) break;
        open = still;
      }
    }
    for (const id of targets) {
      const i = col.get(id)!;
      if (!exact && wide(i)) {
        out.set(id, { min: lo[i], max: hi[i] });
        continue;
      }
      const max = optimise(i, 'max');
      if (!exact && (max === Infinity || wide(i))) {
        out.set(id, { min: lo[i], max: Math.max(max, hi[i]) });
        continue;
      }
      const atMax = duals();
      const min = optimise(i, 'min');
      const iv: Interval = { min, max };
      if (integerSpan(iv) < PROTECTION_SPAN) iv.pins = { max: atMax, min: duals() };
      out.set(id, iv);
    }
  } finally {
    model.dispose();
  }
  return out;
}

/** Every target's interval. A target in no relation can be anything ≥ 0. */
async function intervals(system: AuditSystem, targets: readonly string[], exact: boolean, seed?: ReadonlyMap<string, number>): Promise<Map<string, Interval>> {
  const highs = await loadSolver();
  const { components, componentOf } = reduce(system);
  const out = new Map<string, Interval>();
  const byComponent = new Map<number, string[]>();
  const freshFrom = exact ? 0 : (system.freshFrom ?? 0);
  const touched = components.map((comp) => comp.rows.some((r) => r.source >= freshFrom));
  for (const id of targets) {
    if (system.known.has(id)) throw new Error(`suppression audit: ${id} is published, not hidden`);
    const c = componentOf.get(id);
    if (c === undefined) out.set(id, { min: 0, max: Infinity });
    else if (!touched[c]) continue;
    else {
      const list = byComponent.get(c);
      if (list) list.push(id);
      else byComponent.set(c, [id]);
    }
  }
  for (const [c, ids] of byComponent) for (const [id, iv] of solveComponent(highs, components[c], ids, exact, seed)) out.set(id, iv);
  return out;
}

/** The exact interval of each hidden cell in `targets` (two programmes each): what an outsider can narrow it to. */
export async function auditIntervals(system: AuditSystem, targets: readonly string[]): Promise<Map<string, Interval>> {
  const all = await intervals(system, targets, true);
  return new Map([...all].map(([id, { min, max }]) => [id, { min, max }]));
}

/**
 * The cells of `targets` an outsider can narrow to fewer than `PROTECTION_SPAN` whole values (empty: the pattern
 * passes). `truth` (optional) holds the real values of the unknowns: a first feasible point that spares programmes.
 */
export async function unprotectedCells(system: AuditSystem, targets: readonly string[], truth?: ReadonlyMap<string, number>): Promise<Map<string, Interval>> {
  const all = await intervals(system, targets, false, truth);
  return new Map([...all].filter(([, iv]) => integerSpan(iv) < PROTECTION_SPAN));
}
