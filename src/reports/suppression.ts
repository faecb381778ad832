/**
 * Statistical secrecy of the yearly indicators (DOMAIN.md §4: "no child is identifiable, suppress cells under 5").
 *
 * - Primary suppression: a cell behind which 1 to 4 children stand is shown as `<5`. A zero is shown as 0: it
 *   describes no child, and "a year with no data returns zeros".
 * - Secondary suppression: a published total and its published parts let a reader recompute a hidden part by
 *   subtraction. Every such additive relation is a *group* (`total = part1 + part2 + …`): a figure's total and its
 *   cells by QPV, by age band, by sex; and, cell by cell, the figures that add up (referrals = eligible + ineligible,
 *   eligible = its outcomes, exits = exits by reason, actions = actions by type). Whenever a group has exactly one
 *   hidden cell, the smallest non-zero visible part of that group (ties: the first in publication order) is hidden
 *   too — or, when no part qualifies, the group's total. Hiding a cell can leave another group with exactly one
 *   hidden cell, so the rule runs again until no group has exactly one: then every hidden cell of a group is mixed
 *   with at least one other unknown and none can be recomputed. The result is deterministic (fixed order).
 */

/** Fewer children than this in a cell (and more than zero): the cell is hidden. */
export const SMALL_CELL_THRESHOLD = 5;
/** What a hidden cell shows. */
export const SUPPRESSED = '<5';

/** One publishable cell: its value and how many distinct children stand behind it. */
export interface RawCell {
  value: number;
  children: number;
}

/** An additive relation between published cells: `total = Σ parts`. */
export interface SuppressionGroup {
  total: string;
  parts: string[];
}

/** Why a cell is hidden. */
export type SuppressionReason = 'primary' | 'secondary';

/** True for a cell that counts 1 to 4 children. */
export function isSmallCell(cell: RawCell): boolean {
  return cell.children > 0 && cell.children < SMALL_CELL_THRESHOLD;
}

/**
 * The hidden cells of a table (id → why), given every cell and every additive group between them. A group may
 * name a cell that is not in `cells` (it is then treated as a visible zero).
 */
export function suppressedCells(cells: ReadonlyMap<string, RawCell>, groups: readonly SuppressionGroup[]): Map<string, SuppressionReason> {
  const hidden = new Map<string, SuppressionReason>();
  for (const [id, cell] of cells) if (isSmallCell(cell)) hidden.set(id, 'primary');
  const valueOf = (id: string) => cells.get(id)?.value ?? 0;
  for (let changed = true; changed; ) {
    changed = false;
    for (const g of groups) {
      const hiddenInGroup = [g.total, ...g.parts].filter((id) => hidden.has(id)).length;
      if (hiddenInGroup !== 1) continue;
      let pick: string | undefined;
      for (const id of g.parts) {
        if (hidden.has(id) || valueOf(id) <= 0) continue;
        if (pick === undefined || valueOf(id) < valueOf(pick)) pick = id;
      }
      pick ??= hidden.has(g.total) ? undefined : g.total;
      if (pick === undefined) continue;
      hidden.set(pick, 'secondary');
      changed = true;
    }
  }
  return hidden;
}
