/**
 * Statistical secrecy of the yearly indicators (DOMAIN.md §4: "no child is identifiable, suppress cells under 5"),
 * checked by an audit (src/reports/audit.ts) rather than by counting hidden cells per group.
 *
 * - Primary suppression: a cell behind which 1 to 4 children stand is hidden (`<5`).
 * - Protection rule: no hidden cell — of this report, or of an earlier report of the chain (src/reports/publication.ts)
 *   — may be narrowed by an outsider to fewer than `PROTECTION_SPAN` (5) whole values, from everything published and
 *   every linear relation between the published figures.
 * - Secondary suppression, greedy: while the audit finds cells that are not protected, for each of them the relation
 *   that pins it hardest (the one with the fewest unknowns that still has a visible cell of this report) gives up its
 *   smallest non-zero visible cell (ties: the first in publication order), or a zero when it has only zeros left to
 *   give — a published zero narrows its neighbours as much as any other value. When none of the cell's relations has
 *   a visible cell of this report left, the nearest relations around it (through other unknowns) are searched. Then
 *   the audit runs again, only on the cells that failed and the ones just hidden: hiding a cell only widens every
 *   interval, so a cell found protected stays protected. Hiding every cell of the report always passes, so the loop
 *   ends. The result is deterministic (fixed order).
 */
import { unprotectedCells, type Relation } from './audit';

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
    for (const [id] of rel) relationsOf.set(id, [...(relationsOf.get(id) ?? []), r]);
  });
  const isUnknown = (id: string) => hidden.has(id) || (!cells.has(id) && !published.has(id));
  const isVisibleHere = (id: string) => cells.has(id) && !hidden.has(id);

  /** The smallest non-zero visible cell of this report among `ids` (else a zero), first in publication order on ties. */
  const smallest = (ids: Iterable<string>): string | undefined => {
    let pick: string | undefined;
    const rank = (id: string) => [cells.get(id)!.value === 0 ? 1 : 0, cells.get(id)!.value, order.get(id)!];
    for (const id of ids) {
      if (!isVisibleHere(id)) continue;
      if (pick === undefined) pick = id;
      else {
        const [a, b] = [rank(id), rank(pick)];
        if (a[0] < b[0] || (a[0] === b[0] && (a[1] < b[1] || (a[1] === b[1] && a[2] < b[2])))) pick = id;
      }
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
      for (const r of rels) for (const [id] of relations[r]) if (isUnknown(id) && !reached.has(id)) (reached.add(id), next.push(id));
      frontier = next;
    }
    return undefined;
  };

  let toCheck = [...hidden.keys(), ...input.earlierHidden];
  for (;;) {
    const known = new Map(published);
    for (const [id, c] of cells) if (!hidden.has(id)) known.set(id, c.value);
    const failing = await unprotectedCells({ known, relations }, toCheck, input.truth);
    if (failing.size === 0) return hidden;
    const picks = new Set<string>();
    for (const id of failing.keys()) {
      const pick = choose(id);
      if (pick) picks.add(pick);
    }
    if (picks.size === 0) throw new Error(`suppression: ${failing.size} hidden cell(s) cannot be protected by hiding more of this report`);
    for (const id of picks) hidden.set(id, 'secondary');
    toCheck = [...failing.keys(), ...picks];
  }
}
