/**
 * What an update writes to the history (issue 17, fewer writes): an update that moves no deadline leaves the loop's
 * timer alone (patched `loop-keeps-unchanged-timer`), and search attributes and memo are written only when they change.
 */
import { temporal } from '@temporalio/proto';
import { assignReferentUpdate } from '../../workflows/parcours/parcours.contract';
import { COORD, meta, timeSkippingCases } from './parcours.helpers';

const EventType = temporal.api.enums.v1.EventType;

describe('parcours history (time-skipping)', () => {
  const harness = timeSkippingCases();

  it('an update that moves no deadline neither cancels nor restarts the timer, and rewrites no unchanged search attribute or memo', async () => {
    await harness.withCase({}, async (c) => {
      const count = async (type: number) => ((await c.handle.fetchHistory()).events ?? []).filter((e) => e.eventType === type).length;
      const timers = await count(EventType.EVENT_TYPE_TIMER_STARTED);
      expect(timers).toBeGreaterThan(0);
      const upserts = await count(EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES);
      const memos = await count(EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED);
      // the référent assigned, then the same référent again: no deadline moves
      await c.handle.executeUpdate(assignReferentUpdate, { args: [{ ...meta(COORD), referentId: 'u-ref-2' }] });
      await c.handle.executeUpdate(assignReferentUpdate, { args: [{ ...meta(COORD), referentId: 'u-ref-2' }] });
      expect(await count(EventType.EVENT_TYPE_TIMER_STARTED)).toBe(timers);
      expect(await count(EventType.EVENT_TYPE_TIMER_CANCELED)).toBe(0);
      // the first assignment changes PreReferentId; the second changes nothing the attributes or the memo hold
      expect(await count(EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES)).toBe(upserts + 1);
      expect(await count(EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED)).toBeLessThanOrEqual(memos + 1);
    });
  });
});
