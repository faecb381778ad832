/**
 * The marks a référent's whole task list leaves for next time (issue 17, activities/deadline-search.ts#headMarksOf):
 * for an item at index 1, 2, 4, 8… in the list's order and at a tenth more than the page asked for, its due date and
 * how many items come on or before it, ties included. GET /me/tasks reads the head alone from such a date
 * (test/e2e/tasks.e2e.spec.ts).
 */
import { headMarksOf } from '../../activities/deadline-search';
import type { DeadlineItem } from '../../workflows/schedules/schedules.contract';

const item = (n: number, dueOn: string, overdue = false): DeadlineItem => ({ source: 'parcours', workflowId: `parcours-D-${n}`, workflowType: 'parcoursWorkflow', dueOn, overdue });

describe('head marks of a whole reading', () => {
  // in the list's order: one overdue case, then by due date, with ties on the 10th and the 20th
  const list = [
    item(0, '2026-12-01', true),
    item(1, '2027-01-10'), item(2, '2027-01-10'),
    item(3, '2027-01-15'),
    item(4, '2027-01-20'), item(5, '2027-01-20'), item(6, '2027-01-20'),
    item(7, '2027-02-01'), item(8, '2027-03-01'), item(9, '2027-04-01'),
  ];

  it("counts every item due on a mark's date, the ties after it included, in whatever order the store listed them", () => {
    expect(headMarksOf([...list].reverse(), 2)).toEqual({
      total: 10,
      marks: [
        { index: 1, until: '2027-01-10', within: 3 },
        { index: 2, until: '2027-01-10', within: 3 },
        { index: 3, until: '2027-01-15', within: 4 }, // a tenth more than a page of 2
        { index: 4, until: '2027-01-20', within: 7 },
        { index: 8, until: '2027-03-01', within: 9 },
      ],
    });
  });

  it('marks no overdue item (every overdue item is read anyway) and no index past the list', () => {
    const overdue = [item(0, '2026-11-01', true), item(1, '2026-11-02', true), item(2, '2026-11-03', true), item(3, '2027-01-05')];
    expect(headMarksOf(overdue, 50)).toEqual({ total: 4, marks: [] });
    expect(headMarksOf([], 50)).toEqual({ total: 0, marks: [] });
  });
});
