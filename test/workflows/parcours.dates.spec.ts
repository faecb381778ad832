/**
 * The dates of a case on the time-skipping server (issue 14): an unreachable family is not forgotten across a
 * suspension, a closure is never dated before what the case already holds, and "today" is the Paris day.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { recordLifeEventUpdate, recordReassessmentUpdate, resumeParcoursUpdate, suspendParcoursUpdate } from '../../workflows/parcours/parcours.contract';
import { addDays } from '../../workflows/shared/calendar';
import { activate, closingSummaryOf, meta, REF, sleepUntil, stateOf, timeSkippingCases, today } from './parcours.helpers';

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
});
