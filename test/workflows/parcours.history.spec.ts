/**
 * What an update writes to the history (issue 17, fewer writes): an update that moves no deadline leaves the loop's
 * timer alone (patched `loop-keeps-unchanged-timer`), and search attributes and memo are written only when they change;
 * a notification is recorded by a local activity (patched `notify-by-local-activity`): no activity task, no second
 * workflow task.
 */
import { temporal } from '@temporalio/proto';
import { assignReferentUpdate } from '../../workflows/parcours/parcours.contract';
import { NOTIFY_LOCAL_PATCH } from '../../workflows/shared/loop';
import { COORD, eventually, kindsOf, meta, timeSkippingCases } from './parcours.helpers';

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

  it('acknowledges a referral in its first workflow task: the notification is recorded by a local activity, with no activity task', async () => {
    await harness.withCase({}, async (c, outbox) => {
      await eventually(async () => expect(kindsOf(outbox, c.dossierId)).toEqual([`REFERRAL_ACK@${c.input.referral.referredOn}`]));
      const events = (await c.handle.fetchHistory()).events ?? [];
      const of = (type: number) => events.filter((e) => e.eventType === type);
      expect(of(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toHaveLength(0);
      // the commands of the first workflow task (the start's; the harness's createReferral update comes in the next):
      // the acknowledgement's local-activity marker is among them
      const firstTask: string[] = [];
      for (const e of events.slice(events.findIndex((x) => x.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) + 1)) {
        if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED) break;
        firstTask.push(e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED ? `marker ${e.markerRecordedEventAttributes?.markerName}` : EventType[e.eventType ?? 0]);
      }
      expect(firstTask).toContain('marker core_local_activity');
      expect(firstTask).toContain('EVENT_TYPE_TIMER_STARTED');
      const patches = of(EventType.EVENT_TYPE_MARKER_RECORDED)
        .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
        .map((e) => Buffer.from(e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data ?? []).toString());
      expect(patches.some((p) => p.includes(NOTIFY_LOCAL_PATCH))).toBe(true);
    });
  });
});
