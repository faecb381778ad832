/**
 * Eligibility decided inside the workflow (issue 17): a referral is one workflow task — the pure rule on the input's
 * birth date, QPV and eligible list, no activity round trip — with the same outcome as the `checkEligibility`
 * activity that the cases referred before still replay (their input has no `eligibilityInWorkflow`).
 */
import type { temporal } from '@temporalio/proto';
import { COORD, kindsOf, referral, timeSkippingCases } from './parcours.helpers';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const scheduled = (events: HistoryEvent[]) => events.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType?.name] : []));

/** Workflow tasks completed between the referral's update accepted and answered (0: answered in the task that took it). */
function tasksBeforeAnswer(events: HistoryEvent[]): number {
  const accepted = events.findIndex((e) => !!e.workflowExecutionUpdateAcceptedEventAttributes);
  const answered = events.findIndex((e) => !!e.workflowExecutionUpdateCompletedEventAttributes);
  return events.slice(accepted, answered).filter((e) => !!e.workflowTaskCompletedEventAttributes).length;
}

describe('parcours eligibility in the workflow (time-skipping)', () => {
  const harness = timeSkippingCases();

  it('answers a referral in the workflow task that takes it, without the eligibility activity, with the activity\'s outcome', async () => {
    let inWorkflow: unknown;
    await harness.withCase({ settings: { eligibilityRuleVersion: 'qpv-test-v9' } }, async (c, outbox) => {
      const events = (await c.handle.fetchHistory()).events ?? [];
      expect(scheduled(events)).not.toContain('checkEligibility');
      expect(tasksBeforeAnswer(events)).toBe(0);
      expect(c.first).toMatchObject({ stage: 'AWAITING_CONSENT', eligibility: { eligible: true, ruleVersion: 'qpv-test-v9', reasons: ['AGE_IN_RANGE', 'QPV_ELIGIBLE'], qpv: 'GRESILLES' } });
      inWorkflow = { ...c.first.eligibility, checkedAt: undefined };
      // the acknowledgement is still sent, by its own activity after the answer
      expect(kindsOf(outbox, c.dossierId)).toEqual([`REFERRAL_ACK@${c.input.referral.referredOn}`]);
    });
    await harness.withCase({ settings: { eligibilityRuleVersion: 'qpv-test-v9' }, eligibilityInWorkflow: false }, async (c) => {
      const events = (await c.handle.fetchHistory()).events ?? [];
      expect(scheduled(events)).toContain('checkEligibility');
      expect(tasksBeforeAnswer(events)).toBe(1);
      expect({ ...c.first.eligibility, checkedAt: undefined }).toEqual(inWorkflow);
    });
  });

  it('closes an ineligible referral in that task too, and lets a coordinator\'s derogation in', async () => {
    const child = { ...referral('2026-01-01').child, qpv: 'OTHER' as const };
    await harness.withCase({ referral: { child } }, async (c) => {
      expect(tasksBeforeAnswer((await c.handle.fetchHistory()).events ?? [])).toBe(0);
      expect(c.first).toMatchObject({ stage: 'CLOSED', eligibility: { eligible: false, reasons: ['AGE_IN_RANGE', 'QPV_NOT_ELIGIBLE'] }, closure: { reason: 'INELIGIBLE' } });
    });
    await harness.withCase({ createdBy: COORD, referral: { child, derogation: { motive: 'Famille relogée hors QPV' } } }, async (c) => {
      expect(c.first).toMatchObject({ stage: 'AWAITING_CONSENT', eligibility: { eligible: false, derogation: { motive: 'Famille relogée hors QPV', by: COORD } } });
    });
  });
});
