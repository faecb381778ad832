/**
 * Statistical secrecy of the yearly indicators (DOMAIN.md §4: "no child is identifiable, suppress cells under 5"),
 * checked by an audit (src/reports/audit.ts) rather than by counting hidden cells per group.
 *
 * - Primary suppression: a cell behind which 1 to 4 children stand is hidden (`<5`).
 * - Protection rule: no hidden cell — of this report, or of an earlier report of the chain (src/reports/publication.ts)
 *   — may be narrowed by an outsider to fewer than `PROTECTION_SPAN` (5) whole values, from everything published and
 *   every linear relation between the published figures.
 * - Secondary suppression, greedy: first a cheap necessary condition, relation by relation (`localFix`). Then, while
 *   the audit finds cells that are not protected, each of them gives up one visible cell of this report: one of the
 *   relations that pin it (non-zero duals of its programmes) whose release lets its optimum move; failing that, the
 *   relation that pins it hardest (fewest unknowns), then relations further out through other unknowns. The cell
 *   given up is the cheapest: a breakdown cell before a total (readers need totals most), a non-zero before a zero (a
 *   zero is hidden only when hiding it frees a neighbour), then the smallest, first in publication order on ties.
 *   The audit runs again only on the cells that failed and the ones just hidden: hiding a cell only widens every
 *   interval, so a cell found protected stays protected. Hiding every cell of the report always passes, so the loop
 *   ends. The result is deterministic (fixed order, single-threaded solver).
 */
import { PROTECTION_SPAN, unprotectedCells, type Interval, type Relation } from './audit';

export { PROTECTION_SPAN } from './audit';

/** Fewer children than this in a cell (and more than zero): the cell is hidden. */
export const SMALL_CELL_THRESHOLD = 5;
/** What a hidden cell shows (small, or hidden to protect one: the reader cannot tell which). */
export const SUPPRESSED = '<5';

/** One publishable cell: its value and how many distinct children stand behind it. */
export interface RawCell {
  value: number;
  children: number;
}

/** Why a cell is hidden: small (1 to 4 children), or hidden to protect another. */
export type SuppressionReason = 'primary' | 'secondary';

/** True for a cell that counts 1 to 4 children. */
export function isSmallCell(cell: RawCell): boolean {
  return cell.children > 0 && cell.children < SMALL_CELL_THRESHOLD;
}

/** What the protection of one report needs. */
export interface ProtectionInput {
  /** Every cell of the report being published (in publication order). */
  cells: ReadonlyMap<string, RawCell>;
  /** The values already published (earlier reports of the chain, and what is known to be zero). */
  published: ReadonlyMap<string, number>;
  /** The hidden cells of earlier reports: publishing this one must not narrow them either. */
  earlierHidden: readonly string[];
  /** Every relation an outsider knows, this report's included. */
  relations: readonly Relation[];
  /** The relations from this index on are this report's (default 0: all); the earlier ones were audited already. */
  freshFrom?: number;
  /** The real value of every unknown (hidden cells, unpublished sub-period figures): spares the audit programmes. */
  truth?: ReadonlyMap<string, number>;
}

/** The hidden cells of the report (id → why), such that the audit passes. */
export async function protectedPattern(input: ProtectionInput): Promise<Map<string, SuppressionReason>> {
  const { cells, published, relations } = input;
  const hidden = new Map<string, SuppressionReason>();
  for (const [id, cell] of cells) if (isSmallCell(cell)) hidden.set(id, 'primary');
  const order = new Map([...cells.keys()].map((id, i) => [id, i]));
  const relationsOf = new Map<string, number[]>();
  relations.forEach((rel, r) => {
    for (const [id] of rel) {
      const list = relationsOf.get(id);
      if (list) list.push(r);
      else relationsOf.set(id, [r]);
    }
  });
  const isUnknown = (id: string) => hidden.has(id) || (!cells.has(id) && !published.has(id));
  const isVisibleHere = (id: string) => cells.has(id) && !hidden.has(id);

  /** A cell's cost of hiding: a total last (readers need them most), then a zero, then by value and publication order. */
  const rank = (id: string): number[] => [id.endsWith('|total') ? 1 : 0, cells.get(id)!.value === 0 ? 1 : 0, cells.get(id)!.value, order.get(id) ?? 0];
  /** The cheapest visible cell of this report among `ids` (see `rank`). */
  const smallest = (ids: Iterable<string>): string | undefined => {
    let pick: string | undefined;
    for (const id of ids) {
      if (!isVisibleHere(id)) continue;
      if (pick === undefined || before(rank(id), rank(pick))) pick = id;
    }
    return pick;
  };

  /** The cell to hide so that `cell` gains room. */
  const choose = (cell: string): string | undefined => {
    const seen = new Set<number>();
    let frontier = [cell];
    const reached = new Set(frontier);
    while (frontier.length > 0) {
      const rels = [...new Set(frontier.flatMap((id) => relationsOf.get(id) ?? []))].filter((r) => !seen.has(r));
      rels.forEach((r) => seen.add(r));
      const unknowns = (r: number) => relations[r].filter(([id]) => isUnknown(id)).length;
      for (const r of [...rels].sort((a, b) => unknowns(a) - unknowns(b) || a - b)) {
        const pick = smallest(relations[r].map(([id]) => id));
        if (pick) return pick;
      }
      const next: string[] = [];
      for (const r of rels) {
        for (const [id] of relations[r]) {
          if (!isUnknown(id) || reached.has(id)) continue;
          reached.add(id);
          next.push(id);
        }
      }
      frontier = next;
    }
    return undefined;
  };

  const earlier = new Set(input.earlierHidden);
  // the cheap necessary condition first, relation by relation (see `localFix`), until every relation meets it
  for (let changed = true; changed; ) {
    changed = false;
    for (let r = input.freshFrom ?? 0; r < relations.length; r += 1) {
      const rel = relations[r];
      const pick = localFix(rel, { cells, published, hidden, earlier, isUnknown, order });
      if (pick) {
        hidden.set(pick, 'secondary');
        changed = true;
      }
    }
  }

  /**
   * The cell to hide so that a failing cell can move, from the audit's duals: a visible cell of this report in a
   * pinning relation whose reduced cost lets the optimum improve once it is free (up from its value, or down when it
   * is above 0). The cheapest such cell (see `rank`).
   */
  const pinned = (pins: NonNullable<Interval['pins']>): string | undefined => {
    const candidates = new Set<string>();
    for (const duals of [pins.max, pins.min]) for (const r of duals.keys()) for (const [id] of relations[r]) if (isVisibleHere(id)) candidates.add(id);
    const helps = (id: string) => {
      const value = cells.get(id)!.value;
      const reduced = (duals: Map<number, number>) => -(relationsOf.get(id) ?? []).reduce((sum, r) => sum + (duals.get(r) ?? 0) * coefficient(r, id), 0);
      const dMax = reduced(pins.max);
      const dMin = reduced(pins.min);
      return dMax > 1e-9 || dMin < -1e-9 || (value > 0 && (dMax < -1e-9 || dMin > 1e-9));
    };
    return smallest([...candidates].filter(helps));
  };
  const coefficient = (r: number, id: string) => relations[r].reduce((sum, [v, c]) => (v === id ? sum + c : sum), 0);

  let toCheck = [...hidden.keys(), ...input.earlierHidden];
  for (;;) {
    const known = new Map(published);
    for (const [id, c] of cells) if (!hidden.has(id)) known.set(id, c.value);
    const failing = await unprotectedCells({ known, relations, freshFrom: input.freshFrom }, toCheck, input.truth);
    if (failing.size === 0) return hidden;
    const picks = new Set<string>();
    for (const [id, iv] of failing) {
      const pick = (iv.pins && pinned(iv.pins)) ?? choose(id);
      if (pick) picks.add(pick);
    }
    if (picks.size === 0) throw new Error(`suppression: ${failing.size} hidden cell(s) cannot be protected by hiding more of this report`);
    for (const id of picks) hidden.set(id, 'secondary');
    toCheck = [...failing.keys(), ...picks];
  }
}

/**
 * A necessary condition one relation alone can check, without a programme: when every unknown of the relation has
 * the same sign, each lies between 0 and what the published values leave for them (`room`); a hidden cell among them
 * then has fewer than `PROTECTION_SPAN` values if `room` < `PROTECTION_SPAN` − 1 or if it is the only unknown. The
 * fix hides a visible cell of this report in the relation that gives room (a non-zero one of the unknowns' sign, or
 * one of the other sign, which frees the relation): a total last, a zero after the others, then the smallest, first
 * in publication order on ties.
 */
function localFix(
  rel: Relation,
  ctx: {
    cells: ReadonlyMap<string, RawCell>;
    published: ReadonlyMap<string, number>;
    hidden: ReadonlyMap<string, SuppressionReason>;
    earlier: ReadonlySet<string>;
    isUnknown: (id: string) => boolean;
    order: ReadonlyMap<string, number>;
  },
): string | undefined {
  let sign = 0;
  let mixed = false;
  let hiddenCells = 0;
  let unknowns = 0;
  let rest = 0;
  for (const [id, coef] of rel) {
    if (ctx.isUnknown(id)) {
      unknowns += 1;
      if (ctx.hidden.has(id) || ctx.earlier.has(id)) hiddenCells += 1;
      const s = Math.sign(coef);
      if (sign === 0) sign = s;
      else if (s !== sign) mixed = true;
    } else rest += coef * (ctx.cells.has(id) ? ctx.cells.get(id)!.value : ctx.published.get(id) ?? 0);
  }
  if (mixed || hiddenCells === 0) return undefined;
  const room = -rest * sign;
  if (unknowns > 1 && room >= PROTECTION_SPAN - 1) return undefined;
  let pick: string | undefined;
  let best: number[] | undefined;
  for (const [id, coef] of rel) {
    if (!ctx.cells.has(id) || ctx.hidden.has(id)) continue;
    const value = ctx.cells.get(id)!.value;
    const sameSign = Math.sign(coef) === sign;
    if (sameSign && value === 0 && unknowns > 1) continue;
    const rank = [id.endsWith('|total') ? 1 : 0, value === 0 ? 1 : 0, value, ctx.order.get(id) ?? 0];
    if (!best || before(rank, best)) {
      best = rank;
      pick = id;
    }
  }
  return pick;
}

/** Lexicographic order of two ranks. */
function before(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}
