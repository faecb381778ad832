/**
 * The engine's limit (issue 17): the most trivial workflow an update can reach — its update handler adds a number
 * and returns. The bench starts it with update-with-start (`USE_EXISTING`) and updates it, with the same clients and
 * the same dev server as the service, so that the service's figures read as a fraction of what Temporal itself does
 * on this machine.
 */
import { CancellationScope, condition, defineUpdate, setHandler, sleep, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import {
  PRE_AGE_BAND,
  PRE_CHILD_KEY,
  PRE_CLOSURE_REASON,
  PRE_NEXT_DEADLINE,
  PRE_NEXT_DEADLINE_KIND,
  PRE_OVERDUE,
  PRE_QPV,
  PRE_REFERENT_ID,
  PRE_REFERRED_ON,
  PRE_STAGE,
} from '../../workflows/shared/search-attributes';

export const addUpdate = defineUpdate<number, [number]>('add');

export async function limitWorkflow(): Promise<void> {
  let total = 0;
  setHandler(addUpdate, (n: number) => (total += n));
  await condition(() => false);
}

/**
 * What an update of the service asks of the engine, one part at a time (`--sections engine`): the same trivial update
 * plus, as `shape` says, the case's ten search attributes upserted, a memo like the case's figures, an answer of
 * `answerBytes`, and the timer moved (one cancelled, one started). No codec: the engine's own cost of each part.
 */
export interface UpdateShape {
  searchAttributes?: boolean;
  memo?: boolean;
  answerBytes?: number;
  timer?: boolean;
  /** How many times the search attributes are upserted in the update (as a run's first task upserts them once, then once per patch). */
  upserts?: number;
}

export const shapedUpdate = defineUpdate<string, [UpdateShape]>('shaped');

export async function shapedWorkflow(): Promise<void> {
  let n = 0;
  let timer: CancellationScope | undefined;
  const arm = () => {
    timer?.cancel();
    const scope = new CancellationScope();
    scope.run(() => sleep(`${30 + n} days`)).catch(() => undefined);
    timer = scope;
  };
  arm();
  setHandler(shapedUpdate, (shape: UpdateShape) => {
    n += 1;
    for (let u = 0; u < (shape.searchAttributes ? (shape.upserts ?? 1) : 0); u++) {
      upsertSearchAttributes([
        { key: PRE_STAGE, value: `STAGE_${n}_${u}` },
        { key: PRE_QPV, value: 'GRESILLES' },
        { key: PRE_REFERENT_ID, value: 'referent-07' },
        { key: PRE_NEXT_DEADLINE, value: new Date(Date.UTC(2027, 0, n)) },
        { key: PRE_NEXT_DEADLINE_KIND, value: `KIND_${n}` },
        { key: PRE_OVERDUE, value: false },
        { key: PRE_AGE_BAND, value: '6-10' },
        { key: PRE_CLOSURE_REASON, value: null },
        { key: PRE_CHILD_KEY, value: 'k'.repeat(64) },
        { key: PRE_REFERRED_ON, value: new Date(Date.UTC(2026, 11, 1)) },
      ]);
    }
    if (shape.memo) upsertMemo({ figures: { v: 1, n, filler: 'x'.repeat(700) } });
    if (shape.timer) arm();
    return 'a'.repeat(shape.answerBytes ?? 1);
  });
  await condition(() => false);
}
