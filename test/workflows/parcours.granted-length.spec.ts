/**
 * The granted length is enforced (issue 14, item 3; docs/domain.md "Renewal and length"), on the time-skipping server:
 * a parcours validated for 12 months and never renewed is reminded before the end of its granted length, asked to be
 * renewed or closed on it, escalated after it, and takes no action beyond it until the EPS renews it.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { changeActionUpdate, renewParcoursUpdate, scheduleActionUpdate } from '../../workflows/parcours/parcours.contract';
import { addDays, addMonths } from '../../workflows/shared/calendar';
import { activate, COORD, eventually, meta, notificationsOf, REF, refusal, searchAttributesOf, sleepUntil, stateOf, timeSkippingCases } from './parcours.helpers';

describe('the granted length (time-skipping)', () => {
  const harness = timeSkippingCases();
  const withCase = harness.withCase.bind(harness);
  let env: TestWorkflowEnvironment;
  beforeEach(() => {
    env = harness.env;
  });

  it('reminds 30 days before the end of the granted length, asks to renew or close on it, escalates 15 days after, and refuses actions beyond it until renewed', async () => {
    // reassessments far apart: only the granted length speaks
    await withCase({ settings: { reassessmentMonths: 24 } }, async (c, outbox) => {
      const d0 = c.input.referral.referredOn;
      await activate(c, { durationMonths: 12 });
      const endsOn = addMonths(d0, 12);
      const renewalKinds = () => notificationsOf(outbox, c.dossierId).filter((n) => n.kind.startsWith('RENEWAL')).map((n) => `${n.kind}@${n.dueOn}`);
      const action = (startsOn: string) => ({ ...meta(REF), type: 'SPORT' as const, provider: 'ASPTT Dijon', startsOn, sessions: 10 });

      // within the granted length, up to its last day: accepted; the day after: refused, naming the rule
      await c.handle.executeUpdate(scheduleActionUpdate, { args: [action(addDays(d0, 10))] });
      await c.handle.executeUpdate(scheduleActionUpdate, { args: [action(endsOn)] });
      expect(await refusal(c.handle.executeUpdate(scheduleActionUpdate, { args: [action(addDays(endsOn, 1))] }))).toEqual({
        type: 'RuleViolation',
        message: `The action starts (${addDays(endsOn, 1)}) after the end of the granted length (${endsOn}): the EPS must renew the parcours (renewals) or the coordinator close it.`,
        details: { field: 'startsOn', code: 'BEYOND_GRANTED_LENGTH', endsOn },
      });

      await sleepUntil(env, addDays(endsOn, -31));
      expect(renewalKinds()).toEqual([]);
      await sleepUntil(env, addDays(endsOn, -30));
      const reminder = await eventually(() => notificationsOf(outbox, c.dossierId).find((n) => n.kind === 'RENEWAL_REMINDER') ?? Promise.reject(new Error('not yet')));
      expect(reminder).toMatchObject({ recipients: ['u-ref-1', 'role:coordinator'], dueOn: endsOn });

      await sleepUntil(env, endsOn);
      await eventually(() => expect(renewalKinds()).toEqual([`RENEWAL_REMINDER@${endsOn}`, `RENEWAL_DUE@${endsOn}`]));
      await sleepUntil(env, addDays(endsOn, 14));
      expect(renewalKinds()).toEqual([`RENEWAL_REMINDER@${endsOn}`, `RENEWAL_DUE@${endsOn}`]);
      await sleepUntil(env, addDays(endsOn, 15));
      const escalation = await eventually(() => notificationsOf(outbox, c.dossierId).find((n) => n.kind === 'RENEWAL_ESCALATION') ?? Promise.reject(new Error('not yet')));
      expect(escalation).toMatchObject({ recipients: ['role:coordinator', 'u-ref-1'], dueOn: endsOn });
      const late = await stateOf(c.handle);
      expect(late).toMatchObject({ stage: 'ACTIVE', overdue: true, nextDeadline: { kind: 'RENEWAL', dueOn: endsOn, overdue: true } });
      expect(late.timeline.last.map((e) => e.type)).toContain('ESCALATION_SENT');

      // beyond the granted end: no new action, no action moved past it; completing one is still recorded
      const beyond = addDays(endsOn, 20);
      expect(await refusal(c.handle.executeUpdate(scheduleActionUpdate, { args: [action(beyond)] }))).toMatchObject({ type: 'RuleViolation', details: { code: 'BEYOND_GRANTED_LENGTH' } });
      expect(await refusal(c.handle.executeUpdate(changeActionUpdate, { args: [{ ...meta(REF), actionId: 'a2', startsOn: beyond }] }))).toMatchObject({ type: 'RuleViolation', details: { code: 'BEYOND_GRANTED_LENGTH' } });
      expect((await c.handle.executeUpdate(changeActionUpdate, { args: [{ ...meta(REF), actionId: 'a1', status: 'DONE' }] })).actions[0].status).toBe('DONE');

      // renewed by the EPS: the end moves 6 months on, the action is accepted, a new reminder is set for the new end
      const renewed = await c.handle.executeUpdate(renewParcoursUpdate, { args: [{ ...meta(COORD), meetingDate: addDays(endsOn, 16), extensionMonths: 6 }] });
      const newEnd = addMonths(d0, 18);
      expect(renewed).toMatchObject({ overdue: false, plan: { totalMonths: 18, endsOn: newEnd } });
      const accepted = await c.handle.executeUpdate(scheduleActionUpdate, { args: [action(beyond)] });
      expect(accepted.actions.map((a) => a.startsOn)).toEqual([addDays(d0, 10), endsOn, beyond]);
      expect(await searchAttributesOf(c.handle)).toMatchObject({ PreOverdue: false });
      await sleepUntil(env, addDays(newEnd, -30));
      await eventually(() => expect(renewalKinds()).toContain(`RENEWAL_REMINDER@${newEnd}`));
      expect((await stateOf(c.handle)).stage).toBe('ACTIVE');
    });
  });

  it('sends no reminder for a granted length shorter than its lead, and still asks to renew or close at its end', async () => {
    await withCase({ settings: { reassessmentMonths: 24, renewalReminderDays: 45 } }, async (c, outbox) => {
      const d0 = c.input.referral.referredOn;
      await activate(c, { durationMonths: 1 });
      const endsOn = addMonths(d0, 1);
      await sleepUntil(env, addDays(endsOn, 1));
      const kinds = notificationsOf(outbox, c.dossierId).map((n) => n.kind);
      expect(kinds).not.toContain('RENEWAL_REMINDER');
      await eventually(() => expect(notificationsOf(outbox, c.dossierId).map((n) => n.kind)).toContain('RENEWAL_DUE'));
    });
  });
});
