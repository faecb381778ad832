/**
 * The dates of a case on the time-skipping server (issue 14): an unreachable family is not forgotten across a
 * suspension, a closure is never dated before what the case already holds, and "today" is the Paris day.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { changeActionUpdate, getTimelineQuery, recordLifeEventUpdate, recordReassessmentUpdate, resumeParcoursUpdate, scheduleActionUpdate, suspendParcoursUpdate } from '../../workflows/parcours/parcours.contract';
import { addDays, instantOf, weekdayOf, type IsoDate } from '../../workflows/shared/calendar';
import { activate, closingSummaryOf, eventually, kindsOf, meta, REF, sleepUntil, stateOf, timeSkippingCases, today, type StartedCase } from './parcours.helpers';

const MINUTE = 60_000;

/** The last Sunday of a month: the day the clocks change (March: 02:00 → 03:00; October: 03:00 → 02:00). */
function lastSunday(year: number, month: 3 | 10): IsoDate {
  let d = `${year}-${String(month).padStart(2, '0')}-31`;
  while (weekdayOf(d) !== 0) d = addDays(d, -1);
  return d;
}

/** The instants (workflow clock) the case's reminders were recorded at. */
async function remindersAt(c: StartedCase): Promise<string[]> {
  return (await c.handle.query(getTimelineQuery)).filter((e) => e.type === 'REMINDER_SENT').map((e) => e.at);
}

describe('parcours dates (time-skipping)', () => {
  const harness = timeSkippingCases();
  const withCase = harness.withCase.bind(harness);
  let env: TestWorkflowEnvironment;
  beforeEach(() => {
    env = harness.env;
  });

  it('closes LOST_CONTACT on the 90th day when the family became unreachable during a SUMMER suspension that was then resumed', async () => {
    const y = Number((await today(env)).slice(0, 4)) + 1;
    const [summer, unreachable, resumedOn] = [`${y}-07-01`, `${y}-07-10`, `${y}-09-01`];
    const lostOn = `${y}-10-08`; // 10 July + 90 days
    await withCase({ settings: { reassessmentMonths: 12 } }, async (c) => {
      await activate(c, { durationMonths: 24 });
      await sleepUntil(env, summer);
      await c.handle.executeUpdate(suspendParcoursUpdate, { args: [{ ...meta(REF), reason: 'SUMMER', startsOn: summer }] });
      await sleepUntil(env, unreachable);
      const u = await c.handle.executeUpdate(recordLifeEventUpdate, { args: [{ ...meta(REF), type: 'FAMILY_UNREACHABLE', occurredOn: unreachable }] });
      expect(u).toMatchObject({ suspended: true, unreachableSince: unreachable, suspension: { reason: 'SUMMER' } });
      await sleepUntil(env, resumedOn);
      const v = await c.handle.executeUpdate(resumeParcoursUpdate, { args: [{ ...meta(REF), resumedOn }] });
      // no contact was restored: the family is still unreachable, and the closure keeps its date
      expect(v).toMatchObject({ suspended: false, unreachableSince: unreachable });
      expect(v.deadlines.find((d) => d.kind === 'LOST_CONTACT')?.dueOn).toBe(lostOn);
      await sleepUntil(env, addDays(lostOn, -1));
      expect((await stateOf(c.handle)).stage).toBe('ACTIVE');
      await sleepUntil(env, lostOn);
      expect(await closingSummaryOf(env, c.handle)).toMatchObject({ closureReason: 'LOST_CONTACT', closedOn: lostOn });
    });
  });

  it('closes a move out of the QPV recorded in October with a June date no earlier than the reassessment of 15 September', async () => {
    const y = Number((await today(env)).slice(0, 4)) + 1;
    const [movedOn, assessedOn, recordedOn] = [`${y}-06-15`, `${y}-09-15`, `${y}-10-10`];
    await withCase({ settings: { reassessmentMonths: 12 } }, async (c) => {
      await activate(c, { durationMonths: 24 });
      await sleepUntil(env, assessedOn);
      await c.handle.executeUpdate(recordReassessmentUpdate, { args: [{ ...meta(REF), assessedOn, progress: [{ objectiveId: 'o1', level: 'PARTIAL' }], decision: 'CONTINUE' }] });
      await sleepUntil(env, recordedOn);
      // the end of the school year of the move (31 August) is before the reassessment: the case closes on the latter
      const v = await c.handle.executeUpdate(recordLifeEventUpdate, { args: [{ ...meta(REF), type: 'MOVED_OUT', occurredOn: movedOn, leftCity: false }] });
      expect(v.pendingClosure).toEqual({ reason: 'MOVED_OUT', dueOn: assessedOn });
      expect(v.lifeEvents).toEqual([expect.objectContaining({ type: 'MOVED_OUT', occurredOn: movedOn })]);
      expect(await closingSummaryOf(env, c.handle)).toMatchObject({ closureReason: 'MOVED_OUT', closedOn: assessedOn });
      expect((await stateOf(c.handle)).closure).toMatchObject({ reason: 'MOVED_OUT', closedOn: assessedOn });
    });
  });

  it('closes a move out of the city recorded late no earlier than the latest date of the case', async () => {
    const y = Number((await today(env)).slice(0, 4)) + 1;
    const [movedOn, assessedOn, recordedOn] = [`${y}-06-15`, `${y}-09-15`, `${y}-10-10`];
    await withCase({ settings: { reassessmentMonths: 12 } }, async (c) => {
      await activate(c, { durationMonths: 24 });
      await sleepUntil(env, assessedOn);
      await c.handle.executeUpdate(recordReassessmentUpdate, { args: [{ ...meta(REF), assessedOn, progress: [{ objectiveId: 'o1', level: 'PARTIAL' }], decision: 'CONTINUE' }] });
      await sleepUntil(env, recordedOn);
      const v = await c.handle.executeUpdate(recordLifeEventUpdate, { args: [{ ...meta(REF), type: 'MOVED_OUT', occurredOn: movedOn, leftCity: true }] });
      expect(v).toMatchObject({ stage: 'CLOSED', closure: { reason: 'MOVED_OUT', closedOn: assessedOn } });
      expect(v.lifeEvents).toEqual([expect.objectContaining({ type: 'MOVED_OUT', occurredOn: movedOn, leftCity: true })]);
    });
  });

  it('fires a timer at 08:00 in Paris on the last Sunday of October (07:00 UTC once the clocks went back), not before', async () => {
    const sunday = lastSunday(Number((await today(env)).slice(0, 4)) + 1, 10);
    const referredOn = addDays(sunday, -15); // the consent reminder is due on the Sunday
    await sleepUntil(env, referredOn);
    await withCase({ referredOn }, async (c) => {
      const at = Date.parse(`${sunday}T07:00:00.000Z`); // 08:00 winter time
      await env.sleep(at - 30 * MINUTE - (await env.currentTimeMs()));
      expect(await remindersAt(c)).toEqual([]);
      await env.sleep(2 * MINUTE + 30 * MINUTE);
      const [fired] = await eventually(async () => {
        const list = await remindersAt(c);
        if (list.length === 0) throw new Error('no reminder yet');
        return list;
      });
      expect(Date.parse(fired) - at).toBeGreaterThanOrEqual(0);
      expect(Date.parse(fired) - at).toBeLessThan(MINUTE);
      expect(instantOf(sunday)).toBe(at);
    });
  });

  it('fires a timer at the configured hour in Paris (timerLocalHour 10) on the last Sunday of March, after the clocks went forward', async () => {
    const sunday = lastSunday(Number((await today(env)).slice(0, 4)) + 1, 3);
    const referredOn = addDays(sunday, -15);
    await sleepUntil(env, referredOn);
    await withCase({ referredOn, settings: { timerLocalHour: 10 } }, async (c) => {
      const at = Date.parse(`${sunday}T08:00:00.000Z`); // 10:00 summer time
      await env.sleep(at - 30 * MINUTE - (await env.currentTimeMs()));
      expect(await remindersAt(c)).toEqual([]);
      await env.sleep(32 * MINUTE);
      const [fired] = await eventually(async () => {
        const list = await remindersAt(c);
        if (list.length === 0) throw new Error('no reminder yet');
        return list;
      });
      expect(Date.parse(fired) - at).toBeGreaterThanOrEqual(0);
      expect(Date.parse(fired) - at).toBeLessThan(MINUTE);
      expect(instantOf(sunday, 10)).toBe(at);
    });
  });

  it('records the Paris day: an action done at 23:30 on 31 August is done on 31 August, one done at 00:30 on 1 September on 1 September, and an action starting that day gets no starts-tomorrow reminder', async () => {
    const y = Number((await today(env)).slice(0, 4)) + 1;
    await withCase({ settings: { reassessmentMonths: 12 } }, async (c, outbox) => {
      const d0 = c.input.referral.referredOn;
      await activate(c, { durationMonths: 24 });
      for (const provider of ['Association Lire et Faire Lire', 'ASPTT Dijon']) {
        await c.handle.executeUpdate(scheduleActionUpdate, { args: [{ ...meta(REF), type: 'SCHOOL_SUPPORT', provider, startsOn: d0, sessions: 10 }] });
      }
      await env.sleep(Date.parse(`${y}-08-31T21:30:00Z`) - (await env.currentTimeMs())); // 23:30 in Paris
      const late = await c.handle.executeUpdate(changeActionUpdate, { args: [{ ...meta(REF), actionId: 'a1', status: 'DONE' }] });
      expect(late.actions.find((a) => a.id === 'a1')).toMatchObject({ status: 'DONE', statusOn: `${y}-08-31` });
      await env.sleep(Date.parse(`${y}-08-31T22:30:00Z`) - (await env.currentTimeMs())); // 00:30 in Paris, 1 September
      const early = await c.handle.executeUpdate(changeActionUpdate, { args: [{ ...meta(REF), actionId: 'a2', status: 'DONE' }] });
      expect(early.actions.find((a) => a.id === 'a2')).toMatchObject({ status: 'DONE', statusOn: `${y}-09-01` });
      expect(early.timeline.last[early.timeline.last.length - 1]).toMatchObject({ type: 'ACTION_CHANGED', onDate: `${y}-09-01` });
      const scheduled = await c.handle.executeUpdate(scheduleActionUpdate, { args: [{ ...meta(REF), type: 'SPORT', provider: 'ASPTT Dijon', startsOn: `${y}-09-01`, sessions: 4 }] });
      expect(scheduled.deadlines.find((d) => d.actionId === 'a3')).toMatchObject({ kind: 'ACTION_START', dueOn: `${y}-09-01` });
      await env.sleep(10 * MINUTE);
      expect(await remindersAt(c)).toEqual([]);
      expect(kindsOf(outbox, c.dossierId).filter((k) => k.startsWith('ACTION_START'))).toEqual([]);
    });
  });
});
