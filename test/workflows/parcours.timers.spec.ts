/**
 * One test per timer and deadline of DOMAIN.md §1, on the time-skipping server: after `env.sleep`, the stage
 * (query), the recorded reminder (real notify activity on a temporary outbox) and the search attributes.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { changeActionUpdate, closeParcoursUpdate, recordConsentUpdate, recordDerogationUpdate, recordLifeEventUpdate, renewParcoursUpdate, resumeParcoursUpdate, scheduleActionUpdate, suspendParcoursUpdate, type ParcoursSettings } from '../../workflows/parcours/parcours.contract';
import { birthdayOn, schoolYearEnd } from '../../workflows/parcours/parcours.rules';
import {
  activate,
  COORD,
  eventually,
  kindsOf,
  meta,
  notificationsOf,
  refusal,
  REF,
  searchAttributesOf,
  sleepUntil,
  stateOf,
  today,
  closingSummaryOf,
  timeSkippingCases,
} from './parcours.helpers';
import { addDays, addMonths, daysBetween } from '../../workflows/shared/calendar';

describe('parcours timers (time-skipping)', () => {
  const harness = timeSkippingCases();
  const withCase = harness.withCase.bind(harness);
  let env: TestWorkflowEnvironment;
  beforeEach(() => {
    env = harness.env;
  });


  it('reminds the référent and the coordinator 15 days after the referral without consent', async () => {
    await withCase({}, async (c, outbox) => {
      const d0 = c.input.referral.referredOn;
      await sleepUntil(env, addDays(d0, 14));
      expect(kindsOf(outbox, c.dossierId)).toEqual([`REFERRAL_ACK@${d0}`]);
      await sleepUntil(env, addDays(d0, 15));
      const expiry = addDays(d0, 60);
      const reminder = await eventually(() => {
        const n = notificationsOf(outbox, c.dossierId).find((x) => x.kind === 'CONSENT_REMINDER');
        if (!n) throw new Error('no reminder yet');
        return n;
      });
      expect(reminder).toMatchObject({ key: `parcours-${c.dossierId}:CONSENT_REMINDER:${expiry}`, recipients: ['u-ref-1', 'role:coordinator'], dueOn: expiry });
      expect(reminder.subject).toContain(c.dossierId);
      expect(`${reminder.subject} ${reminder.body}`).not.toMatch(/Lina|Benali|Samira/);
      const s = await stateOf(c.handle);
      expect(s.stage).toBe('AWAITING_CONSENT');
      expect(s.timeline.last.map((e) => e.type)).toContain('REMINDER_SENT');
      expect(await searchAttributesOf(c.handle)).toMatchObject({ PreStage: 'AWAITING_CONSENT', PreNextDeadlineKind: 'CONSENT_EXPIRY', PreNextDeadline: `${expiry}T00:00:00.000Z`, PreOverdue: false });
    });
  });

  it('closes NO_CONSENT 60 days after the referral without agreement', async () => {
    await withCase({}, async (c, outbox) => {
      const d0 = c.input.referral.referredOn;
      await sleepUntil(env, addDays(d0, 59));
      expect((await stateOf(c.handle)).stage).toBe('AWAITING_CONSENT');
      await sleepUntil(env, addDays(d0, 60));
      const result = await closingSummaryOf(env, c.handle);
      expect(result).toMatchObject({ closureReason: 'NO_CONSENT', closedOn: addDays(d0, 60), consentOn: null, durationDays: 60 });
      const s = await stateOf(c.handle);
      expect(s).toMatchObject({ stage: 'CLOSED', closure: { reason: 'NO_CONSENT', closedOn: addDays(d0, 60), by: { sub: 'system', role: 'system' } }, deadlines: [] });
      expect(kindsOf(outbox, c.dossierId)).toEqual([`REFERRAL_ACK@${d0}`, `CONSENT_REMINDER@${addDays(d0, 60)}`, `CASE_CLOSED@${addDays(d0, 60)}`]);
      expect(await searchAttributesOf(c.handle)).toMatchObject({ PreStage: 'CLOSED', PreClosureReason: 'NO_CONSENT' });
    });
  });

  it('escalates to the coordinator when the EPS has not reviewed the case 45 days after consent', async () => {
    await withCase({}, async (c, outbox) => {
      const d0 = c.input.referral.referredOn;
      const signedOn = addDays(d0, 2);
      await sleepUntil(env, signedOn);
      await c.handle.executeUpdate(recordConsentUpdate, { args: [{ ...meta(REF), decision: 'GRANTED', signedOn, signedBy: [{ name: 'Samira Benali', relationship: 'MOTHER' }], dataSharingInformed: true }] });
      const due = addDays(signedOn, 45);
      await sleepUntil(env, addDays(due, -1));
      expect(kindsOf(outbox, c.dossierId)).not.toContain(`REVIEW_ESCALATION@${due}`);
      await sleepUntil(env, due);
      const n = await eventually(() => notificationsOf(outbox, c.dossierId).find((x) => x.kind === 'REVIEW_ESCALATION') ?? Promise.reject(new Error('not yet')));
      expect(n).toMatchObject({ recipients: ['role:coordinator'], dueOn: due });
      expect(await searchAttributesOf(c.handle)).toMatchObject({ PreStage: 'AWAITING_TEAM_REVIEW', PreNextDeadlineKind: 'TEAM_REVIEW', PreOverdue: false });
      await sleepUntil(env, addDays(due, 1));
      expect((await stateOf(c.handle)).overdue).toBe(true);
      expect(await searchAttributesOf(c.handle)).toMatchObject({ PreOverdue: true });
    });
  });

  it('reminds the référent the day before an action starts, and when it is past its end without being done', async () => {
    await withCase({}, async (c, outbox) => {
      const d0 = c.input.referral.referredOn;
      await activate(c);
      const startsOn = addDays(d0, 10);
      const endsOn = addDays(d0, 20);
      const v = await c.handle.executeUpdate(scheduleActionUpdate, { args: [{ ...meta(REF), type: 'SCHOOL_SUPPORT', provider: 'Association Lire et Faire Lire', startsOn, endsOn, frequency: 'WEEKLY' }] });
      expect(v.actions).toEqual([expect.objectContaining({ id: 'a1', status: 'SCHEDULED' })]);
      await sleepUntil(env, addDays(startsOn, -2));
      expect(kindsOf(outbox, c.dossierId).filter((k) => k.startsWith('ACTION'))).toEqual([]);
      await sleepUntil(env, addDays(startsOn, -1));
      const start = await eventually(() => notificationsOf(outbox, c.dossierId).find((x) => x.kind === 'ACTION_START_REMINDER') ?? Promise.reject(new Error('not yet')));
      expect(start).toMatchObject({ key: `parcours-${c.dossierId}:ACTION_START_REMINDER:${startsOn}:a1`, recipients: ['u-ref-1'] });
      await sleepUntil(env, endsOn);
      expect((await stateOf(c.handle)).overdue).toBe(false);
      await sleepUntil(env, addDays(endsOn, 1));
      const end = await eventually(() => notificationsOf(outbox, c.dossierId).find((x) => x.kind === 'ACTION_END_REMINDER') ?? Promise.reject(new Error('not yet')));
      expect(end).toMatchObject({ key: `parcours-${c.dossierId}:ACTION_END_REMINDER:${endsOn}:a1`, recipients: ['u-ref-1'] });
      const s = await stateOf(c.handle);
      expect(s.deadlines.find((d) => d.kind === 'ACTION_END')).toMatchObject({ dueOn: endsOn, overdue: true, actionId: 'a1' });
      expect(await searchAttributesOf(c.handle)).toMatchObject({ PreOverdue: true, PreNextDeadlineKind: 'ACTION_END' });
      const done = await c.handle.executeUpdate(changeActionUpdate, { args: [{ ...meta(REF), actionId: 'a1', status: 'DONE' }] });
      expect(done.overdue).toBe(false);
      expect(await searchAttributesOf(c.handle)).toMatchObject({ PreOverdue: false, PreNextDeadlineKind: 'REASSESSMENT' });
    });
  });

  it('reminds 14 days before a reassessment is due and escalates to the coordinator 30 days after', async () => {
    await withCase({}, async (c, outbox) => {
      const d0 = c.input.referral.referredOn;
      await activate(c);
      const due = addMonths(d0, 3);
      expect((await stateOf(c.handle)).plan?.nextReassessmentOn).toBe(due);
      await sleepUntil(env, addDays(due, -15));
      expect(kindsOf(outbox, c.dossierId)).not.toContain(`REASSESSMENT_REMINDER@${due}`);
      await sleepUntil(env, addDays(due, -14));
      const reminder = await eventually(() => notificationsOf(outbox, c.dossierId).find((x) => x.kind === 'REASSESSMENT_REMINDER') ?? Promise.reject(new Error('not yet')));
      expect(reminder).toMatchObject({ recipients: ['u-ref-1'], dueOn: due });
      await sleepUntil(env, addDays(due, 1));
      expect(await searchAttributesOf(c.handle)).toMatchObject({ PreOverdue: true, PreNextDeadlineKind: 'REASSESSMENT', PreNextDeadline: `${due}T00:00:00.000Z` });
      await sleepUntil(env, addDays(due, 29));
      expect(kindsOf(outbox, c.dossierId)).not.toContain(`REASSESSMENT_ESCALATION@${due}`);
      await sleepUntil(env, addDays(due, 30));
      const escalation = await eventually(() => notificationsOf(outbox, c.dossierId).find((x) => x.kind === 'REASSESSMENT_ESCALATION') ?? Promise.reject(new Error('not yet')));
      expect(escalation).toMatchObject({ recipients: ['role:coordinator', 'u-ref-1'], dueOn: due });
      expect((await stateOf(c.handle)).stage).toBe('ACTIVE');
    });
  });

  it('asks the coordinator to renew or close at the end of the granted length', async () => {
    await withCase({ settings: { reassessmentMonths: 12 } }, async (c, outbox) => {
      const d0 = c.input.referral.referredOn;
      await activate(c, { durationMonths: 6 });
      const endsOn = addMonths(d0, 6);
      await sleepUntil(env, addDays(endsOn, -1));
      expect(kindsOf(outbox, c.dossierId)).not.toContain(`RENEWAL_DUE@${endsOn}`);
      await sleepUntil(env, endsOn);
      const n = await eventually(() => notificationsOf(outbox, c.dossierId).find((x) => x.kind === 'RENEWAL_DUE') ?? Promise.reject(new Error('not yet')));
      expect(n).toMatchObject({ recipients: ['role:coordinator', 'u-ref-1'], dueOn: endsOn });
      await sleepUntil(env, addDays(endsOn, 1));
      expect(await searchAttributesOf(c.handle)).toMatchObject({ PreOverdue: true, PreNextDeadlineKind: 'RENEWAL' });
      const renewed = await c.handle.executeUpdate(renewParcoursUpdate, { args: [{ ...meta(COORD), meetingDate: addDays(endsOn, 1), extensionMonths: 12 }] });
      expect(renewed.plan).toMatchObject({ totalMonths: 18, endsOn: addMonths(d0, 18), maxEndsOn: addMonths(d0, 24) });
      expect(renewed.overdue).toBe(false);
      expect(renewed.stage).toBe('ACTIVE');
    });
  });

  it('closes MAX_DURATION when the maximum total length is reached', async () => {
    await withCase({ settings: { maxTotalMonths: 6, reassessmentMonths: 12 } }, async (c, outbox) => {
      const d0 = c.input.referral.referredOn;
      await activate(c, { durationMonths: 6 });
      const maxEndsOn = addMonths(d0, 6);
      expect((await stateOf(c.handle)).deadlines.map((d) => d.kind)).not.toContain('RENEWAL');
      await sleepUntil(env, addDays(maxEndsOn, -1));
      expect((await stateOf(c.handle)).stage).toBe('ACTIVE');
      await sleepUntil(env, maxEndsOn);
      expect(await closingSummaryOf(env, c.handle)).toMatchObject({ closureReason: 'MAX_DURATION', closedOn: maxEndsOn, grantedMonths: 6, validatedOn: d0 });
      expect(kindsOf(outbox, c.dossierId)).toContain(`CASE_CLOSED@${maxEndsOn}`);
      expect(await searchAttributesOf(c.handle)).toMatchObject({ PreStage: 'CLOSED', PreClosureReason: 'MAX_DURATION' });
    });
  });

  it("warns 3 months before the 17th birthday and closes AGE_LIMIT on it", async () => {
    const referredOn = await today(env);
    const birthDate = addMonths(addDays(referredOn, 120), -17 * 12); // 17 in about four months
    const settings: Partial<ParcoursSettings> = { reassessmentMonths: 12 };
    await withCase({ referredOn, birthDate, settings }, async (c, outbox) => {
      await activate(c);
      const limit = birthdayOn(birthDate, 17);
      const warning = addMonths(limit, -3);
      await sleepUntil(env, addDays(warning, -1));
      expect(kindsOf(outbox, c.dossierId)).not.toContain(`AGE_WARNING@${limit}`);
      await sleepUntil(env, warning);
      const n = await eventually(() => notificationsOf(outbox, c.dossierId).find((x) => x.kind === 'AGE_WARNING') ?? Promise.reject(new Error('not yet')));
      expect(n).toMatchObject({ recipients: ['u-ref-1', 'role:coordinator'], dueOn: limit });
      await sleepUntil(env, addDays(limit, -1));
      expect((await stateOf(c.handle)).stage).toBe('ACTIVE');
      await sleepUntil(env, limit);
      expect(await closingSummaryOf(env, c.handle)).toMatchObject({ closureReason: 'AGE_LIMIT', closedOn: limit, ageBand: '11-16' });
      expect(await searchAttributesOf(c.handle)).toMatchObject({ PreStage: 'CLOSED', PreClosureReason: 'AGE_LIMIT' });
    });
  });

  it('keeps a case open past 17 with an age derogation, and closes it on the derogation date', async () => {
    const referredOn = await today(env);
    const birthDate = addMonths(addDays(referredOn, 30), -17 * 12);
    await withCase({ referredOn, birthDate, settings: { reassessmentMonths: 12 } }, async (c) => {
      await activate(c);
      const limit17 = birthdayOn(birthDate, 17);
      const untilOn = addMonths(limit17, 2);
      expect(await refusal(c.handle.executeUpdate(recordDerogationUpdate, { args: [{ ...meta(COORD), kind: 'AGE', motive: 'Fin du cycle scolaire', decidedOn: referredOn, untilOn: addDays(birthdayOn(birthDate, 18), 1) }] }))).toMatchObject({ type: 'RuleViolation' });
      const v = await c.handle.executeUpdate(recordDerogationUpdate, { args: [{ ...meta(COORD), kind: 'AGE', motive: 'Fin du cycle scolaire', decidedOn: referredOn, untilOn }] });
      expect(v.deadlines.find((d) => d.kind === 'AGE_LIMIT')?.dueOn).toBe(untilOn);
      await sleepUntil(env, addDays(limit17, 1));
      expect((await stateOf(c.handle)).stage).toBe('ACTIVE');
      await sleepUntil(env, untilOn);
      expect(await closingSummaryOf(env, c.handle)).toMatchObject({ closureReason: 'AGE_LIMIT', closedOn: untilOn, derogations: ['AGE'] });
    });
  });

  it('closes LOST_CONTACT 90 days after the family became unreachable', async () => {
    await withCase({}, async (c, outbox) => {
      const d0 = c.input.referral.referredOn;
      await activate(c);
      const v = await c.handle.executeUpdate(recordLifeEventUpdate, { args: [{ ...meta(REF), type: 'FAMILY_UNREACHABLE', occurredOn: d0 }] });
      expect(v).toMatchObject({ suspended: true, unreachableSince: d0, suspension: { reason: 'FAMILY_UNREACHABLE' } });
      expect(v.deadlines.find((d) => d.kind === 'LOST_CONTACT')?.dueOn).toBe(addDays(d0, 90));
      await sleepUntil(env, addDays(d0, 89));
      expect((await stateOf(c.handle)).stage).toBe('ACTIVE');
      expect(kindsOf(outbox, c.dossierId).filter((k) => k.startsWith('REASSESSMENT'))).toEqual([]);
      await sleepUntil(env, addDays(d0, 90));
      expect(await closingSummaryOf(env, c.handle)).toMatchObject({ closureReason: 'LOST_CONTACT', closedOn: addDays(d0, 90) });
    });
  });

  it('stops actions at once when consent is withdrawn, and closes CONSENT_WITHDRAWN 15 days later', async () => {
    await withCase({}, async (c, outbox) => {
      const d0 = c.input.referral.referredOn;
      await activate(c);
      await c.handle.executeUpdate(scheduleActionUpdate, { args: [{ ...meta(REF), type: 'SPORT', provider: 'ASPTT Dijon', startsOn: addDays(d0, 5), endsOn: addDays(d0, 100) }] });
      const w = addDays(d0, 1);
      await sleepUntil(env, w);
      const v = await c.handle.executeUpdate(recordLifeEventUpdate, { args: [{ ...meta(REF), type: 'CONSENT_WITHDRAWN', occurredOn: w }] });
      expect(v.actions).toEqual([expect.objectContaining({ id: 'a1', status: 'STOPPED', statusOn: w })]);
      expect(v.pendingClosure).toEqual({ reason: 'CONSENT_WITHDRAWN', dueOn: addDays(w, 15) });
      const stopped = await eventually(() => notificationsOf(outbox, c.dossierId).find((x) => x.kind === 'ACTION_STOPPED') ?? Promise.reject(new Error('not yet')));
      expect(stopped.body).toContain('ASPTT Dijon');
      expect(await refusal(c.handle.executeUpdate(scheduleActionUpdate, { args: [{ ...meta(REF), type: 'SPORT', provider: 'X', startsOn: w, sessions: 3 }] }))).toMatchObject({ type: 'InvalidTransition' });
      await sleepUntil(env, addDays(w, 14));
      expect((await stateOf(c.handle)).stage).toBe('ACTIVE');
      await sleepUntil(env, addDays(w, 15));
      expect(await closingSummaryOf(env, c.handle)).toMatchObject({ closureReason: 'CONSENT_WITHDRAWN', closedOn: addDays(w, 15), actionsByType: { SPORT: 1 }, actionsDoneByType: {} });
      expect(kindsOf(outbox, c.dossierId).filter((k) => k.startsWith('ACTION_START'))).toEqual([]);
    });
  });

  it('closes at once when the closing interview after a withdrawal is recorded sooner', async () => {
    await withCase({}, async (c) => {
      const d0 = c.input.referral.referredOn;
      await activate(c);
      await c.handle.executeUpdate(recordLifeEventUpdate, { args: [{ ...meta(REF), type: 'CONSENT_WITHDRAWN', occurredOn: d0 }] });
      const v = await c.handle.executeUpdate(closeParcoursUpdate, { args: [{ ...meta(COORD), reason: 'CONSENT_WITHDRAWN', closedOn: addDays(d0, 3), summary: 'Entretien de fin réalisé.' }] });
      expect(v).toMatchObject({ stage: 'CLOSED', closure: { reason: 'CONSENT_WITHDRAWN', closedOn: addDays(d0, 3) } });
      expect(await closingSummaryOf(env, c.handle)).toMatchObject({ closureReason: 'CONSENT_WITHDRAWN' });
    });
  });

  it('closes MOVED_OUT at the end of the school year when the family leaves the QPV', async () => {
    await withCase({ settings: { reassessmentMonths: 12, defaultDurationMonths: 24 } }, async (c) => {
      const d0 = c.input.referral.referredOn;
      await activate(c, { durationMonths: 24 });
      const v = await c.handle.executeUpdate(recordLifeEventUpdate, { args: [{ ...meta(REF), type: 'MOVED_OUT', occurredOn: d0, leftCity: false }] });
      const end = schoolYearEnd(d0);
      expect(v.pendingClosure).toEqual({ reason: 'MOVED_OUT', dueOn: end });
      expect(v.stage).toBe('ACTIVE');
      expect(v.accepts).toContain('actions');
      await sleepUntil(env, addDays(end, -1));
      expect((await stateOf(c.handle)).stage).toBe('ACTIVE');
      await sleepUntil(env, end);
      expect(await closingSummaryOf(env, c.handle)).toMatchObject({ closureReason: 'MOVED_OUT', closedOn: end });
    });
  });

  it('closes MOVED_OUT at once when the family leaves the city', async () => {
    await withCase({}, async (c) => {
      const d0 = c.input.referral.referredOn;
      await activate(c);
      const v = await c.handle.executeUpdate(recordLifeEventUpdate, { args: [{ ...meta(REF), type: 'MOVED_OUT', occurredOn: d0, leftCity: true }] });
      expect(v).toMatchObject({ stage: 'CLOSED', closure: { reason: 'MOVED_OUT', closedOn: d0 } });
      expect(await closingSummaryOf(env, c.handle)).toMatchObject({ closureReason: 'MOVED_OUT' });
    });
  });

  it('pauses reminders while suspended, and moves the reassessment by the suspended days on resumption', async () => {
    await withCase({}, async (c, outbox) => {
      const d0 = c.input.referral.referredOn;
      await activate(c);
      const due = addMonths(d0, 3);
      await c.handle.executeUpdate(suspendParcoursUpdate, { args: [{ ...meta(REF), reason: 'HOSPITALISATION', startsOn: d0 }] });
      await sleepUntil(env, addDays(due, 31));
      expect(kindsOf(outbox, c.dossierId).filter((k) => k.startsWith('REASSESSMENT'))).toEqual([]);
      expect((await stateOf(c.handle)).overdue).toBe(false);
      expect(await searchAttributesOf(c.handle)).toMatchObject({ PreOverdue: false });
      const resumedOn = addDays(due, 31);
      const v = await c.handle.executeUpdate(resumeParcoursUpdate, { args: [{ ...meta(REF), resumedOn }] });
      const shifted = addDays(due, daysBetween(d0, resumedOn));
      expect(v.plan?.nextReassessmentOn).toBe(shifted);
      expect(v.suspended).toBe(false);
      await sleepUntil(env, addDays(shifted, -14));
      const n = await eventually(() => notificationsOf(outbox, c.dossierId).find((x) => x.kind === 'REASSESSMENT_REMINDER') ?? Promise.reject(new Error('not yet')));
      expect(n.dueOn).toBe(shifted);
    });
  });

  it('fires at once the deadlines of a backdated referral that have already passed', async () => {
    const now = await today(env);
    await withCase({ referredOn: addDays(now, -70) }, async (c, outbox) => {
      expect(c.first).toMatchObject({ stage: 'CLOSED', closure: { reason: 'NO_CONSENT', closedOn: addDays(now, -10) } });
      await closingSummaryOf(env, c.handle);
      // recorded concurrently (one refused by the mail server holds back none of the others): the set, in any order
      expect(kindsOf(outbox, c.dossierId).sort()).toEqual([`CASE_CLOSED@${addDays(now, -10)}`, `CONSENT_REMINDER@${addDays(now, -10)}`, `REFERRAL_ACK@${addDays(now, -70)}`]);
    });
  });
});
